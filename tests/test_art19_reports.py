"""Annual reports (Art. 19): the center reports, its supervisor reviews, 科技厅 files (备案).

Every transition and rule of ``reports.AnnualReport`` is checked here through the workflow service
and over HTTP, with the access matrix of the report pages stepped through anonymous → wrong role →
other organization (404) → right user, as in ``tests/test_access.py``. The center under test is
unit_a's, supervised by chengdu; mianyang supervises unit_b's center.
"""

import re
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from attachments.models import Attachment
from centers.models import Center
from reports.demo import NARRATIVE, figures, walk
from reports.forms import SeasonForm
from reports.metrics import METRICS
from reports.models import AnnualReport, ReportingSeason, default_due_date
from reports.services import MESSAGE_DUE_BEFORE_YEAR_END, MESSAGE_SEASON_EXISTS, season_open
from sctic import workflow
from sctic.demo import minimal_pdf
from sctic.workflow import MESSAGE_COMMENT_REQUIRED, perform
from tests.access_matrix import ANON, LOGIN, transition_params
from tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

S = AnnualReport.State
YEAR = 2025
DUE = date(2026, 3, 31)
A_CENTER = "四川省轨道交通装备技术创新中心"
B_CENTER = "四川省智能传感技术创新中心"
REASON = "请补充技术转移合同的佐证材料，并核对研发投入的统计口径。"


# --- helpers shared with the other annual-report tests ---------------------------------------------


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def complete_content(year: int = YEAR, index: int = 0) -> dict:
    """Narrative and every objective figure, plausible and consistent (part ≤ whole)."""
    return {**NARRATIVE, **figures(index, year)}


def form_data(report, **changes) -> dict:
    """What the edit form posts for ``report`` as it is, with ``changes``."""
    data = {name: getattr(report, name) for name in ("progress", "problems", "next_steps")}
    data.update({m.name: "" if getattr(report, m.name) is None else getattr(report, m.name) for m in METRICS})
    return {**data, **changes}


def new_report(center, *, year=YEAR, due_date=DUE, complete=True, **fields) -> AnnualReport:
    content = complete_content(year) if complete else {}
    return AnnualReport.objects.create(center=center, year=year, due_date=due_date, **{**content, **fields})


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def logs(report) -> int:
    return StateLog.objects.for_(report).count()


def person(request, who):
    if who == "expert":
        return request.getfixturevalue("experts")[0]
    return request.getfixturevalue(who)


def visit_as(request, client, who):
    if who != ANON:
        client.force_login(person(request, who))
    return client


def assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/accounts/login/?next="), response["Location"]
    else:
        assert response.status_code == expected, (response.status_code, expected)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def center(unit_a, chengdu):
    """unit_a's center, supervised by chengdu."""
    return CenterFactory(name=A_CENTER, lead_unit=unit_a.organization, supervisor=chengdu.organization)


@pytest.fixture
def b_center(unit_b, mianyang):
    """unit_b's center, supervised by mianyang."""
    return CenterFactory(name=B_CENTER, lead_unit=unit_b.organization, supervisor=mianyang.organization)


@pytest.fixture
def make_report(center, unit_a, chengdu, kjt):
    """``make_report("submitted")``: unit_a's complete 2025 report, walked through the workflow."""

    def make(state="draft", *, on=None, applicant=None, supervisor=None, **kwargs):
        report = new_report(on or center, **kwargs)
        walk(report, state, applicant=applicant or unit_a, supervisor=supervisor or chengdu, department=kjt)
        assert report.state == state
        return report

    return make


# --- Art. 19 order: center → supervisor → 科技厅 ----------------------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.RETURNED])
def test_art19_report_cannot_be_filed_before_its_supervisor_approved_it(make_report, kjt, state):
    report = make_report(state)
    before = logs(report)

    with pytest.raises(TransitionNotAllowed):
        perform(report, "file", actor=kjt)

    report.refresh_from_db()
    assert (report.state, report.filed_at, logs(report)) == (state, None, before)
    assert "file" not in [a.name for a in workflow.get_actions(report, kjt)]


def test_art19_department_cannot_file_a_submitted_report_over_http(make_report, kjt, login):
    report = make_report("submitted")
    response = login(kjt).post(f"/reports/{report.pk}/transitions/file/", {"expected_state": "submitted"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    assert report.filed_at is None


def test_art19_supervisor_approves_a_submitted_report(make_report, chengdu, login):
    report = make_report("submitted")
    response = login(chengdu).post(
        f"/reports/{report.pk}/transitions/supervisor_approve/",
        {"expected_state": "submitted", "comment": "数据核实无误。"},
    )
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    report.refresh_from_db()
    assert report.state == S.SUPERVISOR_APPROVED
    last = StateLog.objects.for_(report).latest("timestamp", "pk")
    assert (last.transition, last.by, last.source_state, last.state, last.description) == (
        "supervisor_approve",
        chengdu,
        S.SUBMITTED,
        S.SUPERVISOR_APPROVED,
        "数据核实无误。",
    )


def test_art19_center_cannot_approve_its_own_report(make_report, unit_a):
    report = make_report("submitted")
    with pytest.raises(PermissionDenied):
        perform(report, "supervisor_approve", actor=unit_a)
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


@pytest.mark.parametrize("transition", ["supervisor_approve", "return_for_revision"])
def test_art19_supervisor_cannot_act_on_another_supervisors_center(make_report, mianyang, jxt, transition):
    report = make_report("submitted")
    for outsider in (mianyang, jxt):
        with pytest.raises(PermissionDenied):
            perform(report, transition, actor=outsider, comment=REASON)
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    assert workflow.get_actions(report, mianyang) == []


@pytest.mark.parametrize("transition", ["supervisor_approve", "return_for_revision"])
def test_art19_another_supervisor_gets_404_over_http(make_report, mianyang, login, transition):
    report = make_report("submitted")
    client = login(mianyang)
    assert client.get(report.get_absolute_url()).status_code == 404
    response = client.post(
        f"/reports/{report.pk}/transitions/{transition}/", {"expected_state": "submitted", "comment": REASON}
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


def test_art19_another_supervisors_batch_changes_nothing(make_report, mianyang, login):
    report = make_report("submitted")
    response = login(mianyang).post("/reports/batch/supervisor_approve/", {"ids": [report.pk]})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


# --- submission -----------------------------------------------------------------------------------


def test_art19_center_submits_a_complete_report(make_report, unit_a, chengdu):
    report = make_report("draft")
    perform(report, "submit", actor=unit_a)
    assert report.state == S.SUBMITTED
    assert report.submitted_at is not None


def test_art19_incomplete_report_cannot_be_submitted_and_each_missing_item_is_named(center, unit_a):
    report = new_report(center, complete=False)

    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        perform(report, "submit", actor=unit_a)

    text = " ".join(raised.value.messages)
    for section in ("progress", "problems", "next_steps"):
        assert f"请填写：{zh(AnnualReport._meta.get_field(section).verbose_name)}。" in text
    for metric in METRICS:
        assert zh(metric.label) in text, metric.name
    report.refresh_from_db()
    assert (report.state, report.submitted_at, logs(report)) == (S.DRAFT, None, 0)


@pytest.mark.parametrize("metric", METRICS, ids=[m.name for m in METRICS])
def test_art19_one_missing_figure_blocks_submission_and_is_named(center, unit_a, metric):
    report = new_report(center, **{metric.name: None})

    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        perform(report, "submit", actor=unit_a)

    assert raised.value.messages == [f"第十九条：请填写全部客观数据（没有的填0）。尚缺：{zh(metric.label)}。"]
    report.refresh_from_db()
    assert report.state == S.DRAFT


def test_art19_zero_counts_as_a_given_figure(center, unit_a):
    report = new_report(center, **{m.name: 0 for m in METRICS})
    perform(report, "submit", actor=unit_a)
    assert report.state == S.SUBMITTED


def test_art19_missing_narrative_is_shown_on_the_disabled_submit_button(center, unit_a, login):
    report = new_report(center, problems="  ")
    html = login(unit_a).get(report.get_absolute_url()).content.decode()
    assert 'disabled aria-describedby="blocked-submit" data-action="submit"' in html
    assert f"请填写：{zh(AnnualReport._meta.get_field('problems').verbose_name)}。" in html


# --- a submitted report belongs to the reviewers ---------------------------------------------------


@pytest.mark.parametrize("state", [S.SUBMITTED, S.SUPERVISOR_APPROVED, S.FILED])
def test_art19_center_cannot_open_the_edit_page_of_a_submitted_report(make_report, unit_a, login, state):
    report = make_report(state)
    response = login(unit_a).get(f"/reports/{report.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    assert flash(response) == ["根据第十九条，已提交的年度报告不能修改；如需修改，请主管部门退回。"]
    page = login(unit_a).get(report.get_absolute_url()).content.decode()
    assert f'href="/reports/{report.pk}/edit/"' not in page


@pytest.mark.parametrize("state", [S.SUBMITTED, S.SUPERVISOR_APPROVED, S.FILED])
def test_art19_crafted_post_to_a_submitted_report_saves_nothing(make_report, unit_a, login, state):
    report = make_report(state)
    before = AnnualReport.objects.values().get(pk=report.pk)

    response = login(unit_a).post(
        f"/reports/{report.pk}/edit/", form_data(report, progress="改写后的进展。", rd_spending="1.00")
    )

    assert response.status_code == 302
    assert AnnualReport.objects.values().get(pk=report.pk) == before


@pytest.mark.parametrize("state", [S.SUBMITTED, S.SUPERVISOR_APPROVED, S.FILED])
def test_art19_center_cannot_upload_evidence_to_a_submitted_report(make_report, unit_a, login, state):
    report = make_report(state)
    upload = SimpleUploadedFile("佐证.pdf", minimal_pdf("evidence"), content_type="application/pdf")
    response = login(unit_a).post(
        f"/reports/{report.pk}/attachments/", {"kind": "rd_spending", "file": upload}
    )
    assert response.status_code == 302
    assert not Attachment.objects.filter(object_id=report.pk).exists()


def test_art19_center_edits_and_uploads_while_the_report_is_a_draft(make_report, unit_a, login):
    """The positive control of the three tests above."""
    report = make_report("draft")
    client = login(unit_a)
    assert client.get(f"/reports/{report.pk}/edit/").status_code == 200
    response = client.post(f"/reports/{report.pk}/edit/", form_data(report, progress="新的进展。"))
    assert response.status_code == 302
    upload = SimpleUploadedFile("佐证.pdf", minimal_pdf("evidence"), content_type="application/pdf")
    client.post(f"/reports/{report.pk}/attachments/", {"kind": "rd_spending", "file": upload})
    report.refresh_from_db()
    assert report.progress == "新的进展。"
    assert Attachment.objects.filter(object_id=report.pk, kind="rd_spending").count() == 1


# --- return for revision --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "who"),
    [(S.SUBMITTED, "chengdu"), (S.SUPERVISOR_APPROVED, "kjt")],
    ids=["supervisor", "department"],
)
def test_art19_return_needs_a_reason(request, make_report, state, who):
    report = make_report(state)
    actor = request.getfixturevalue(who)

    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        perform(report, "return_for_revision", actor=actor, comment="   ")
    assert raised.value.message_dict == {"comment": [zh(MESSAGE_COMMENT_REQUIRED)]}
    report.refresh_from_db()
    assert report.state == state

    perform(report, "return_for_revision", actor=actor, comment=REASON)
    assert report.state == S.RETURNED
    last = StateLog.objects.for_(report).latest("timestamp", "pk")
    assert (last.by, last.source_state, last.description) == (actor, state, REASON)


@pytest.mark.parametrize(
    ("state", "who"),
    [(S.SUBMITTED, "chengdu"), (S.SUPERVISOR_APPROVED, "kjt")],
    ids=["supervisor", "department"],
)
def test_art19_return_without_reason_over_http_is_refused(request, make_report, login, state, who):
    report = make_report(state)
    response = login(request.getfixturevalue(who)).post(
        f"/reports/{report.pk}/transitions/return_for_revision/", {"expected_state": state, "comment": ""}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.state == state


def test_art19_supervisor_cannot_return_after_approving(make_report, chengdu):
    """After the supervisor's approval only 科技厅 may send the report back."""
    report = make_report("supervisor_approved")
    with pytest.raises(PermissionDenied):
        perform(report, "return_for_revision", actor=chengdu, comment=REASON)
    report.refresh_from_db()
    assert report.state == S.SUPERVISOR_APPROVED


def test_art19_department_cannot_return_before_the_supervisor_reviewed(make_report, kjt):
    report = make_report("submitted")
    with pytest.raises(PermissionDenied):
        perform(report, "return_for_revision", actor=kjt, comment=REASON)
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


@pytest.mark.parametrize(
    ("state", "who"),
    [(S.SUBMITTED, "chengdu"), (S.SUPERVISOR_APPROVED, "kjt")],
    ids=["supervisor", "department"],
)
def test_art19_return_reason_is_shown_to_the_center(request, make_report, login, unit_a, state, who):
    report = make_report(state)
    login(request.getfixturevalue(who)).post(
        f"/reports/{report.pk}/transitions/return_for_revision/", {"expected_state": state, "comment": REASON}
    )
    html = login(unit_a).get(report.get_absolute_url()).content.decode()
    assert 'id="return-reason"' in html
    reason_box = html.split('id="return-reason"', 1)[1].split("</div></div>", 1)[0]
    assert REASON in reason_box
    assert f'href="/reports/{report.pk}/edit/"' in html


def test_art19_center_resubmits_after_a_return(make_report, unit_a, chengdu, login):
    report = make_report("returned")
    first_submitted = report.submitted_at
    client = login(unit_a)
    response = client.post(f"/reports/{report.pk}/edit/", form_data(report, transfer_contracts=9))
    assert response.status_code == 302

    response = client.post(f"/reports/{report.pk}/transitions/submit/", {"expected_state": "returned"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    assert report.transfer_contracts == 9
    assert report.submitted_at > first_submitted
    assert [log.transition for log in StateLog.objects.for_(report).order_by("timestamp", "pk")] == [
        "submit",
        "return_for_revision",
        "submit",
    ]
    assert "return-reason" not in client.get(report.get_absolute_url()).content.decode()
    # and the supervisor can now approve it
    perform(report, "supervisor_approve", actor=chengdu)
    assert report.state == S.SUPERVISOR_APPROVED


# --- filing by 科技厅 -------------------------------------------------------------------------------


def test_art19_department_files_an_approved_report(make_report, kjt, login):
    report = make_report("supervisor_approved")
    response = login(kjt).post(
        f"/reports/{report.pk}/transitions/file/", {"expected_state": "supervisor_approved"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == S.FILED
    assert report.filed_at is not None
    assert StateLog.objects.for_(report).latest("timestamp", "pk").by == kjt


def test_art19_supervisor_cannot_file(make_report, chengdu):
    report = make_report("supervisor_approved")
    with pytest.raises(PermissionDenied):
        perform(report, "file", actor=chengdu)
    report.refresh_from_db()
    assert report.state == S.SUPERVISOR_APPROVED


@pytest.fixture
def five_centers(unit_a, chengdu, unit_b, mianyang):
    made = [CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization) for _ in range(4)]
    made.append(CenterFactory(lead_unit=unit_b.organization, supervisor=mianyang.organization))
    return made


def test_art19_department_files_in_a_batch_and_sums_up_the_rest_in_one_warning(
    make_report, five_centers, kjt, login, unit_b, mianyang
):
    c1, c2, c3, c4, c5 = five_centers
    approved = [
        make_report("supervisor_approved", on=c1),
        make_report("supervisor_approved", on=c2),
        make_report("supervisor_approved", on=c5, applicant=unit_b, supervisor=mianyang),
    ]
    not_yet = [make_report("submitted", on=c3), make_report("draft", on=c4)]
    before = {r.pk: logs(r) for r in not_yet}

    response = login(kjt).post(
        "/reports/batch/file/", {"ids": [r.pk for r in approved + not_yet], "next": "/reports/?year=2025"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/reports/?year=2025"
    for report in approved:
        report.refresh_from_db()
        assert report.state == S.FILED
        assert report.filed_at is not None
    for report in not_yet:
        state = report.state
        report.refresh_from_db()
        assert (report.state, logs(report)) == (state, before[report.pk])
    # One summary: how many were filed, the others named once each with their reason.
    (summary,) = get_messages(response.wsgi_request)
    assert summary.level_tag == "warning"
    text = str(summary)
    assert text.startswith("3")
    with translation.override("zh-hans"):
        for report in not_yet:
            assert text.count(str(report)) == 1, (str(report), text)
        for report in approved:
            assert str(report) not in text


def test_art19_batch_return_needs_a_reason(make_report, five_centers, kjt, login):
    reports = [make_report("supervisor_approved", on=c) for c in five_centers[:2]]
    client = login(kjt)
    response = client.post("/reports/batch/return_for_revision/", {"ids": [r.pk for r in reports]})
    assert len(flash(response)) == 1  # one summary naming both
    assert {r.state for r in AnnualReport.objects.filter(pk__in=[r.pk for r in reports])} == {
        S.SUPERVISOR_APPROVED
    }
    client.post("/reports/batch/return_for_revision/", {"ids": [r.pk for r in reports], "comment": REASON})
    assert {r.state for r in AnnualReport.objects.filter(pk__in=[r.pk for r in reports])} == {S.RETURNED}


def test_art19_supervisor_cannot_file_through_the_batch(make_report, chengdu, login):
    report = make_report("supervisor_approved")
    login(chengdu).post("/reports/batch/file/", {"ids": [report.pk]})
    report.refresh_from_db()
    assert report.state == S.SUPERVISOR_APPROVED


@pytest.mark.parametrize(
    ("who", "state", "buttons"),
    [
        ("kjt", "supervisor_approved", {"file", "return_for_revision"}),
        ("chengdu", "submitted", {"supervisor_approve"}),
        ("unit_a", "submitted", set()),
    ],
)
def test_art19_batch_buttons_are_those_the_user_may_press(request, make_report, login, who, state, buttons):
    """科技厅 files or returns; only the supervisor approves (Art. 19 order); the center has no batch.
    (Rows the user cannot act on get no box: tests/test_art19_batch_filing.py.)"""
    make_report(state)
    html = login(request.getfixturevalue(who)).get("/reports/").content.decode()
    assert set(re.findall(r'data-batch="([a-z_]+)"', html)) == buttons
    assert ('name="ids"' in html) == bool(buttons)


def test_unknown_batch_action_is_refused(make_report, kjt, login):
    report = make_report("supervisor_approved")
    response = login(kjt).post("/reports/batch/submit/", {"ids": [report.pk]})
    assert response.status_code == 403


# --- one report per center and year ---------------------------------------------------------------


def test_art19_one_report_per_center_per_year(center):
    new_report(center)
    with pytest.raises(IntegrityError), transaction.atomic():
        new_report(center)
    new_report(center, year=YEAR + 1, due_date=default_due_date(YEAR + 1))
    assert AnnualReport.objects.filter(center=center).count() == 2


# --- reporting seasons ----------------------------------------------------------------------------


def _set_state(center, state):
    Center.objects.filter(pk=center.pk).update(state=state)


def test_art19_season_creates_drafts_for_live_centers_only(unit_a, chengdu, kjt):
    org = {"lead_unit": unit_a.organization, "supervisor": chengdu.organization}
    operating = CenterFactory(**org)
    rectifying = CenterFactory(**org)
    _set_state(rectifying, Center.State.RECTIFYING)
    delisted = CenterFactory(**org)
    _set_state(delisted, Center.State.DELISTED)
    revoked = CenterFactory(**org)
    _set_state(revoked, Center.State.REVOKED)
    approved_on_last_day = CenterFactory(**org, approved_on=date(YEAR, 12, 31))
    approved_later = CenterFactory(**org, approved_on=date(YEAR + 1, 1, 1))
    already = CenterFactory(**org)
    existing = new_report(already, complete=False)

    season, created = season_open(year=YEAR, due_date=DUE, actor=kjt)

    drafts = AnnualReport.objects.filter(season=season)
    assert created == 3
    assert set(drafts.values_list("center_id", flat=True)) == {
        operating.pk,
        rectifying.pk,
        approved_on_last_day.pk,
    }
    assert set(drafts.values_list("state", "year", "due_date")) == {(S.DRAFT, YEAR, DUE)}
    for gone in (delisted, revoked, approved_later):
        assert not AnnualReport.objects.filter(center=gone).exists()
    assert AnnualReport.objects.filter(center=already, year=YEAR).get() == existing
    assert (season.year, season.due_date, season.opened_by) == (YEAR, DUE, kjt)


def test_art19_second_season_for_the_same_year_is_refused(center, kjt):
    season_open(year=YEAR, due_date=DUE, actor=kjt)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        season_open(year=YEAR, due_date=date(YEAR + 1, 4, 30), actor=kjt)
    assert raised.value.message_dict == {"year": [zh(MESSAGE_SEASON_EXISTS % {"year": YEAR})]}
    assert ReportingSeason.objects.get().due_date == DUE
    assert AnnualReport.objects.count() == 1


@pytest.mark.parametrize("due", [date(YEAR, 12, 31), date(YEAR, 6, 30), date(YEAR - 1, 3, 31)])
def test_art19_season_due_date_must_come_after_the_year(center, kjt, due):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        season_open(year=YEAR, due_date=due, actor=kjt)
    assert raised.value.message_dict == {"due_date": [zh(MESSAGE_DUE_BEFORE_YEAR_END)]}
    assert not ReportingSeason.objects.exists()
    assert not AnnualReport.objects.exists()


def test_art19_default_due_date_is_31_march_of_the_next_year():
    assert default_due_date(2025) == date(2026, 3, 31)
    assert default_due_date(2027) == date(2028, 3, 31)
    form = SeasonForm()
    assert form.initial["due_date"] == date(form.initial["year"] + 1, 3, 31)


def test_art19_department_opens_a_season_on_the_seasons_page(center, kjt, login):
    client = login(kjt)
    page = client.get("/reports/seasons/")
    assert page.status_code == 200
    year = page.context["form"].initial["year"]
    assert f'value="{year + 1}-03-31"' in page.content.decode()

    response = client.post("/reports/seasons/", {"year": YEAR, "due_date": "2026-03-31"})
    assert response.status_code == 302
    assert AnnualReport.objects.filter(center=center, year=YEAR, state=S.DRAFT).count() == 1

    again = client.post("/reports/seasons/", {"year": YEAR, "due_date": "2026-04-30"})
    assert again.status_code == 400
    assert "2025年度报告已启动。" in again.content.decode()
    inside = client.post("/reports/seasons/", {"year": 2026, "due_date": "2026-12-01"})
    assert inside.status_code == 400
    assert "截止日期应晚于报告年度。" in inside.content.decode()
    assert ReportingSeason.objects.count() == 1


# --- overdue --------------------------------------------------------------------------------------


def test_art19_draft_past_its_due_date_is_overdue(center):
    report = new_report(center, due_date=DUE)
    assert not report.is_overdue(DUE - timedelta(days=1))
    assert not report.is_overdue(DUE)  # the due day itself is still in time
    assert report.is_overdue(DUE + timedelta(days=1))


def test_art19_returned_report_past_its_due_date_is_overdue(make_report):
    report = make_report("returned")
    assert report.is_overdue(DUE + timedelta(days=1))


@pytest.mark.parametrize("state", [S.SUBMITTED, S.SUPERVISOR_APPROVED, S.FILED])
def test_art19_submitted_report_is_not_overdue(make_report, state):
    report = make_report(state)
    assert not report.is_overdue(DUE + timedelta(days=100))


def test_art19_overdue_reports_are_marked_and_filtered_on_the_pages(
    make_report, five_centers, unit_a, kjt, login
):
    today = timezone.localdate()
    late = make_report("draft", on=five_centers[0], due_date=today - timedelta(days=1))
    in_time = make_report("draft", on=five_centers[1], due_date=today + timedelta(days=10))
    late_but_submitted = make_report("submitted", on=five_centers[2], due_date=today - timedelta(days=1))

    client = login(kjt)
    overdue = client.get("/reports/?overdue=true").context["object_list"]
    assert [r.pk for r in overdue] == [late.pk]
    not_overdue = {r.pk for r in client.get("/reports/?overdue=false").context["object_list"]}
    assert not_overdue == {in_time.pk, late_but_submitted.pk}
    assert 'data-overdue="1"' in login(unit_a).get(late.get_absolute_url()).content.decode()
    assert 'data-overdue="1"' not in login(unit_a).get(in_time.get_absolute_url()).content.decode()
    assert 'data-overdue="1"' not in client.get(late_but_submitted.get_absolute_url()).content.decode()


# --- the access matrix of the report pages ----------------------------------------------------------

EVERY_ROLE = ["kjt", "chengdu", "mianyang", "jxt", "unit_a", "unit_b", "expert"]

PAGES = [
    ("/reports/", None, {ANON: LOGIN, **dict.fromkeys(EVERY_ROLE, 200)}),
    (
        "/reports/seasons/",
        None,
        {ANON: LOGIN, "kjt": 200, "chengdu": 403, "jxt": 403, "unit_a": 403, "expert": 403},
    ),
    # A draft is the center's own business (and 科技厅's, who opened the season).
    (
        "/reports/{pk}/",
        "draft",
        {
            ANON: LOGIN,
            "unit_a": 200,
            "kjt": 200,
            "chengdu": 404,
            "unit_b": 404,
            "mianyang": 404,
            "expert": 404,
        },
    ),
    (
        "/reports/{pk}/",
        "submitted",
        {
            ANON: LOGIN,
            "unit_a": 200,
            "chengdu": 200,
            "kjt": 200,
            "unit_b": 404,
            "mianyang": 404,
            "jxt": 404,
            "expert": 404,
        },
    ),
    (
        "/reports/{pk}/",
        "filed",
        {ANON: LOGIN, "unit_a": 200, "chengdu": 200, "kjt": 200, "unit_b": 404, "mianyang": 404},
    ),
    (
        "/reports/{pk}/edit/",
        "draft",
        {ANON: LOGIN, "unit_a": 200, "kjt": 403, "chengdu": 404, "unit_b": 404, "expert": 404},
    ),
    (
        "/reports/{pk}/edit/",
        "returned",
        {ANON: LOGIN, "unit_a": 200, "chengdu": 403, "kjt": 403, "unit_b": 404, "mianyang": 404},
    ),
]


def matrix(rows):
    return [
        pytest.param(path, setup, who, expected, id=f"{path}-{setup or '-'}-{who}-{expected}")
        for path, setup, outcomes in rows
        for who, expected in outcomes.items()
    ]


@pytest.mark.parametrize(("path", "setup", "who", "expected"), matrix(PAGES))
def test_art19_report_pages_open_only_to_those_concerned(
    request, client, make_report, path, setup, who, expected
):
    url = path.format(pk=make_report(setup).pk) if setup else path
    response = visit_as(request, client, who).get(url)
    assert_outcome(response, expected)


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("kjt", {"draft", "submitted", "b_submitted"}),
        ("chengdu", {"submitted"}),
        ("mianyang", {"b_submitted"}),
        ("jxt", set()),
        ("unit_a", {"draft", "submitted"}),
        ("unit_b", {"b_submitted"}),
        ("expert", set()),
    ],
)
def test_art19_report_list_shows_only_what_the_user_may_see(
    request, client, make_report, b_center, unit_b, mianyang, five_centers, who, visible
):
    reports = {
        "draft": make_report("draft", on=five_centers[0]),
        "submitted": make_report("submitted", on=five_centers[1]),
        "b_submitted": make_report("submitted", on=b_center, applicant=unit_b, supervisor=mianyang),
    }
    response = visit_as(request, client, who).get("/reports/")
    assert {r.pk for r in response.context["object_list"]} == {reports[k].pk for k in visible}
    html = response.content.decode()
    for key, report in reports.items():
        assert (f'href="{report.get_absolute_url()}"' in html) == (key in visible)


COMMENT = {"comment": REASON}

# name, setup, right user, data, target, wrong roles (see the report), outsiders (do not see it)
TRANSITIONS = [
    ("submit", "draft", "unit_a", {}, "submitted", ["kjt"], ["chengdu", "unit_b", "mianyang"]),
    ("submit", "returned", "unit_a", {}, "submitted", ["chengdu", "kjt"], ["unit_b", "mianyang"]),
    (
        "supervisor_approve",
        "submitted",
        "chengdu",
        {},
        "supervisor_approved",
        ["unit_a", "kjt"],
        ["mianyang", "jxt", "unit_b", "expert"],
    ),
    ("return_for_revision", "submitted", "chengdu", COMMENT, "returned", ["unit_a"], ["mianyang", "jxt"]),
    ("return_for_revision", "supervisor_approved", "kjt", COMMENT, "returned", ["unit_a"], ["mianyang"]),
    (
        "file",
        "supervisor_approved",
        "kjt",
        {},
        "filed",
        ["unit_a", "chengdu"],
        ["mianyang", "unit_b", "expert"],
    ),
]


@pytest.mark.parametrize(
    ("name", "setup", "method", "who", "expected", "data", "target"), list(transition_params(TRANSITIONS))
)
def test_art19_transitions_only_for_the_right_user(
    request, client, make_report, name, setup, method, who, expected, data, target
):
    report = make_report(setup)
    source, logged = report.state, logs(report)
    url = f"/reports/{report.pk}/transitions/{name}/"
    visitor = visit_as(request, client, who)

    response = visitor.get(url) if method == "GET" else visitor.post(url, {**data, "expected_state": source})

    report.refresh_from_db()
    if expected != "ok":
        assert_outcome(response, expected)
        assert report.state == source
        assert logs(report) == logged
        return
    if method == "GET":
        assert response.status_code == 200
        assert b'name="expected_state"' in response.content
        assert report.state == source
        return
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    assert report.state == target
    last = StateLog.objects.for_(report).latest("timestamp", "pk")
    assert (last.transition, last.by, last.source_state, last.state) == (
        name,
        person(request, who),
        source,
        target,
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [(ANON, LOGIN), ("unit_a", 302), ("chengdu", 404), ("kjt", 403), ("unit_b", 404), ("mianyang", 404)],
)
def test_art19_only_the_center_uploads_evidence(request, client, make_report, who, expected):
    report = make_report("draft")
    upload = SimpleUploadedFile("佐证.pdf", minimal_pdf("evidence"), content_type="application/pdf")
    response = visit_as(request, client, who).post(
        f"/reports/{report.pk}/attachments/", {"kind": "rd_spending", "file": upload}
    )
    assert_outcome(response, expected)
    assert Attachment.objects.filter(object_id=report.pk).count() == (1 if who == "unit_a" else 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [(ANON, LOGIN), ("unit_a", 302), ("chengdu", 403), ("kjt", 403), ("unit_b", 404), ("mianyang", 404)],
)
def test_art19_only_the_center_saves_a_returned_report(request, client, make_report, who, expected):
    report = make_report("returned")
    before = AnnualReport.objects.values().get(pk=report.pk)
    response = visit_as(request, client, who).post(
        f"/reports/{report.pk}/edit/", form_data(report, progress="由他人改写的进展。")
    )
    assert_outcome(response, expected)
    after = AnnualReport.objects.values().get(pk=report.pk)
    if who == "unit_a":
        assert after["progress"] == "由他人改写的进展。"
    else:
        assert after == before
