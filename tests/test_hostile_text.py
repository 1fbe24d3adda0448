"""Issue 10: hostile markup typed into user-written fields comes out inert.

Pages show it HTML-escaped (never as live ``<script>``/``<img onerror>``); plain-text e-mails and
in-portal messages carry it verbatim (not ``&lt;``-mangled). Each check fails if a template marks
the text ``|safe`` (pages) or escapes a plain-text body (e-mails).
"""

from datetime import date
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_fsm_log.models import StateLog

from applications.models import IntentApplication
from centers.models import BoardMember, Center, CenterCoBuilder, ChangeRequest, CommitteeMember, WorkPlan
from evaluations.models import AREAS, Evaluation, Grade, IndicatorScore, IntegrityFinding
from notices.models import Kind, Notice
from notices.services import notice_draft
from notifications.models import Message
from reports.demo import NARRATIVE, figures
from reports.metrics import METRICS
from reports.models import AnnualReport
from sctic.workflow import perform
from tests.factories import CenterFactory
from tests.test_art19_reports import form_data
from tests.test_art20_changes import attach_resolution
from tests.test_art22_evaluation import INDEX, NARRATIVES, advance, file_reports, make_center, open_round

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"
FORMULA = '=HYPERLINK("http://x")'
LIVE = ("<script>alert(1)", "<img src=x onerror")

S = IntentApplication.State


@pytest.fixture
def client_as(login):
    def _as(user):
        client = login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def timeline_entry(html: str, transition: str) -> str:
    """The page's timeline item for ``transition`` (templates/workflow/timeline.html)."""
    timeline = html[html.index('class="card mb-3 timeline-card"') :]
    item = timeline[timeline.index(f'data-transition="{transition}"') :]
    return item[: item.index("</li>")]


def assert_inert(html: str, text: str = HOSTILE):
    assert escape(text) in html
    for live in LIVE:
        assert live not in html


@pytest.mark.parametrize("field", ["summary", "strategic_fit"])
@pytest.mark.parametrize("viewer", ["unit_a", "chengdu", "kjt"])
def test_application_section_text_is_escaped_on_the_detail_page(
    request, make_application, client_as, field, viewer
):
    app = make_application("submitted")
    IntentApplication.objects.filter(pk=app.pk).update(**{field: HOSTILE + FORMULA})

    page = client_as(request.getfixturevalue(viewer)).get(app.get_absolute_url())

    assert page.status_code == 200
    assert_inert(page.content.decode(), HOSTILE + FORMULA)


def test_co_builder_name_is_escaped_on_the_detail_page(make_application, client_as, unit_a):
    app = make_application("draft")
    app.cobuilders.update(name=HOSTILE)

    page = client_as(unit_a).get(app.get_absolute_url())

    assert page.status_code == 200
    assert_inert(page.content.decode())


@pytest.mark.parametrize("viewer", ["unit_a", "chengdu", "kjt"])
def test_lead_unit_name_is_escaped_on_the_list_page(request, make_application, client_as, unit_a_org, viewer):
    make_application("submitted")
    unit_a_org.name = HOSTILE
    unit_a_org.save(update_fields=["name"])

    page = client_as(request.getfixturevalue(viewer)).get(reverse("applications:list"))

    assert page.status_code == 200
    assert_inert(page.content.decode())


@pytest.mark.parametrize(
    ("state", "transition"),
    [("submitted", "return_for_revision"), ("submitted", "decline"), ("cultivating", "decline")],
)
def test_reason_is_escaped_on_the_page_and_verbatim_in_message_and_mail(
    make_application,
    client_as,
    chengdu,
    unit_a,
    mailoutbox,
    django_capture_on_commit_callbacks,
    state,
    transition,
):
    app = make_application(state)
    reason = HOSTILE + FORMULA

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(chengdu).post(
            reverse("applications:transition", args=[app.pk, transition]),
            {"comment": reason, "expected_state": state, "confirm_irreversible": "on"},
        )
    assert response.status_code in (200, 302)
    assert StateLog.objects.for_(app).filter(transition=transition).get().description == reason

    # (1)+(3) the detail page and its timeline show the reason escaped, never live.
    page = client_as(unit_a).get(app.get_absolute_url()).content.decode()
    assert_inert(page, reason)
    assert_inert(timeline_entry(page, transition), reason)

    # (2) the in-portal message and the e-mail are plain text: the reason verbatim.
    message = Message.objects.filter(recipient=unit_a, object_id=app.pk).latest("pk")
    assert reason in message.body
    mail = next(m for m in mailoutbox if m.to == [unit_a.email])
    assert reason in mail.body
    assert escape(HOSTILE) not in mail.body
    assert not getattr(mail, "alternatives", None)  # no HTML part that could render it

    # …and the inbox page shows the message body escaped.
    inbox = client_as(unit_a).get(reverse("notifications:inbox")).content.decode()
    assert_inert(inbox, reason)


# --- shared by the checks below -----------------------------------------------------------------------

TEXT = HOSTILE + FORMULA  # for text fields; HOSTILE alone (56 characters) fits the short ones


def told(user, obj, text, mailoutbox, client_as):
    """``user``'s in-portal message about ``obj`` and its e-mail carry ``text`` verbatim (plain text,
    no HTML part); the inbox page shows it escaped."""
    ct = ContentType.objects.get_for_model(obj)
    message = Message.objects.filter(recipient=user, content_type=ct, object_id=obj.pk).latest("pk")
    assert text in message.body
    mail = [m for m in mailoutbox if m.to == [user.email] and message.subject in m.subject][-1]
    assert text in mail.body
    assert escape(HOSTILE) not in mail.body
    assert not getattr(mail, "alternatives", None)
    assert_inert(client_as(user).get(reverse("notifications:inbox")).content.decode(), text)


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


@pytest.fixture
def center(unit_a, chengdu):
    """unit_a's operating center, supervised by chengdu."""
    return CenterFactory(
        name="四川省轨道交通装备技术创新中心", lead_unit=unit_a.organization, supervisor=chengdu.organization
    )


# --- Art. 20: change requests ---------------------------------------------------------------------------

C = ChangeRequest.Kind


def change_request(center, unit_a, kind=C.DIRECTION, **fields) -> ChangeRequest:
    values = {"reason": "研发方向调整。", "proposed_value": "面向轨道交通的智能运维技术。", **fields}
    change = ChangeRequest.objects.create(center=center, kind=kind, created_by=unit_a, **values)
    attach_resolution(change, unit_a)
    return change


@pytest.mark.parametrize(
    ("kind", "field"),
    [(C.DIRECTION, "reason"), (C.DIRECTION, "proposed_value"), (C.LEAD_UNIT, "proposed_cobuilders")],
)
def test_art20_change_text_is_inert_on_pages_and_reject_reason_verbatim_in_mail(
    request,
    center,
    unit_a,
    chengdu,
    kjt,
    client_as,
    mailoutbox,
    django_capture_on_commit_callbacks,
    kind,
    field,
):
    change = change_request(center, unit_a, kind, **{field: HOSTILE})
    perform(change, "submit", actor=unit_a)
    perform(change, "supervisor_approve", actor=chengdu)

    for viewer in (unit_a, chengdu, kjt):
        client = client_as(viewer)
        assert_inert(page(client, change.get_absolute_url()))
        # The list shows the proposal cut to 60 characters; the reason is not on it.
        if field != "reason":
            assert_inert(page(client, reverse("changes:list")), HOSTILE[:40])

    # Art. 20: 科技厅 does not approve; its reason reaches the unit verbatim, the pages escaped.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(kjt).post(
            reverse("changes:transition", args=[change.pk, "reject"]),
            {"comment": TEXT, "expected_state": "supervisor_approved", "confirm_irreversible": "on"},
        )
    assert response.status_code == 302
    assert StateLog.objects.for_(change).get(transition="reject").description == TEXT
    html = page(client_as(unit_a), change.get_absolute_url())
    assert_inert(timeline_entry(html, "reject"), TEXT)
    told(unit_a, change, TEXT, mailoutbox, client_as)


def test_art20_change_reason_survives_the_form_and_is_inert_on_pages_and_verbatim_in_mail(
    center, unit_a, chengdu, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_as(unit_a)
    data = {"kind": C.DIRECTION, "proposed_value": TEXT, "reason": TEXT, "proposed_cobuilders": ""}
    url = reverse("centers:change_create", args=[center.pk])

    # Refused (no reason): the form comes back with the proposal in its textarea, escaped.
    refused = client.post(url, {**data, "reason": ""})
    assert refused.status_code == 400
    assert_inert(refused.content.decode(), TEXT)

    response = client.post(url, data)
    assert response.status_code == 302
    change = ChangeRequest.objects.get(center=center)
    assert (change.reason, change.proposed_value) == (TEXT, TEXT)  # cleaned, not escaped or stripped
    assert_inert(page(client, reverse("changes:edit", args=[change.pk])), TEXT)

    attach_resolution(change, unit_a)
    perform(change, "submit", actor=unit_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(chengdu).post(
            reverse("changes:transition", args=[change.pk, "return_for_revision"]),
            {"comment": TEXT, "expected_state": "submitted"},
        )
    assert response.status_code == 302
    html = page(client, change.get_absolute_url())
    assert_inert(html[html.index('id="return-reason"') :], TEXT)
    assert_inert(timeline_entry(html, "return_for_revision"), TEXT)
    told(unit_a, change, TEXT, mailoutbox, client_as)


def test_art20_approved_change_is_inert_on_the_center_history_and_its_notice(
    center, unit_a, chengdu, kjt, client_as
):
    change = change_request(center, unit_a, proposed_value=TEXT, reason=TEXT)
    for transition, actor in (("submit", unit_a), ("supervisor_approve", chengdu), ("approve", kjt)):
        perform(change, transition, actor=actor)
    notice = Notice.objects.get(kind=Kind.CHANGE_APPROVAL)
    # The notice's body is plain text: the proposal and the reason as typed (Art. 5).
    assert notice.body.count(TEXT) == 2
    assert escape(HOSTILE) not in notice.body

    client = client_as(unit_a)
    html = page(client, center.get_absolute_url())
    history = html.index('data-history="direction"')
    assert_inert(html[:history], TEXT)  # the profile
    assert_inert(html[history:], TEXT)  # the history of changes
    assert_inert(page(client, notice.get_absolute_url()), TEXT)


# --- the center's record (Art. 11–13, 20) -----------------------------------------------------------


# What each record needs besides the hostile field (the governance records are edited on their own form).
RECORD_DEFAULTS = {
    CenterCoBuilder: {"name": "蜀都测试大学", "role": "共性技术研究"},
    BoardMember: {"name": "李明", "organization": "蜀都测试大学"},
    CommitteeMember: {"name": "王芳", "organization": "蜀都测试大学"},
    WorkPlan: {"year": 2025, "summary": "年度重点任务。"},
}
GOVERNANCE = (BoardMember, CommitteeMember, WorkPlan)


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Center, "research_direction"),
        (Center, "organisation_structure"),
        (Center, "director_name"),
        (Center, "registered_address"),
        (CenterCoBuilder, "name"),
        (CenterCoBuilder, "role"),
        (BoardMember, "name"),
        (BoardMember, "organization"),
        (BoardMember, "position"),
        (CommitteeMember, "name"),
        (CommitteeMember, "organization"),
        (CommitteeMember, "title"),
        (WorkPlan, "summary"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else value,
)
def test_art11_center_record_text_is_inert_on_the_profile(
    center, unit_a, chengdu, kjt, client_as, model, field
):
    if model is Center:
        Center.objects.filter(pk=center.pk).update(**{field: HOSTILE})
    else:
        model.objects.create(center=center, **{**RECORD_DEFAULTS[model], field: HOSTILE})

    for viewer in (unit_a, chengdu, kjt):
        assert_inert(page(client_as(viewer), center.get_absolute_url()))
    if model in GOVERNANCE:  # Art. 11, 13: the governance form shows the stored rows in its inputs
        assert_inert(page(client_as(unit_a), reverse("centers:governance", args=[center.pk])))


# --- Art. 19: annual reports ----------------------------------------------------------------------------


@pytest.fixture
def report(center):
    return AnnualReport.objects.create(
        center=center, year=2025, due_date=date(2026, 3, 31), **NARRATIVE, **figures(0, 2025)
    )


@pytest.mark.parametrize("field", ["progress", "problems", "next_steps"])
def test_art19_report_narrative_survives_the_form_and_is_inert_on_pages_return_reason_verbatim_in_mail(
    report, unit_a, chengdu, kjt, client_as, mailoutbox, django_capture_on_commit_callbacks, field
):
    client = client_as(unit_a)
    edit = reverse("reports:edit", args=[report.pk])

    # Refused (a negative figure): the form comes back with the narrative in its textarea, escaped.
    metric = METRICS[0].name
    refused = client.post(edit, form_data(report, **{field: TEXT, metric: -1}))
    assert refused.status_code == 400
    assert_inert(refused.content.decode(), TEXT)

    assert client.post(edit, form_data(report, **{field: TEXT})).status_code == 302
    report.refresh_from_db()
    assert getattr(report, field) == TEXT
    assert_inert(page(client, edit), TEXT)

    perform(report, "submit", actor=unit_a)
    for viewer in (unit_a, chengdu, kjt):
        assert_inert(page(client_as(viewer), report.get_absolute_url()), TEXT)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(chengdu).post(
            reverse("reports:transition", args=[report.pk, "return_for_revision"]),
            {"comment": TEXT, "expected_state": "submitted"},
        )
    assert response.status_code == 302
    html = page(client, report.get_absolute_url())
    assert_inert(html[html.index('id="return-reason"') : html.index("Objective data")], TEXT)
    assert_inert(timeline_entry(html, "return_for_revision"), TEXT)
    told(unit_a, report, TEXT, mailoutbox, client_as)


# --- a hostile center name on every page that names the center, and in the subjects ---------------------


def test_art25_center_name_is_inert_on_pages_and_search_and_verbatim_in_mail_subjects(
    center, report, unit_a, chengdu, kjt, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    Center.objects.filter(pk=center.pk).update(name=HOSTILE)
    change = change_request(center, unit_a)

    urls = [
        reverse("centers:list"),
        center.get_absolute_url(),
        reverse("reports:list"),
        report.get_absolute_url(),
        reverse("reports:edit", args=[report.pk]),
        reverse("reports:transition", args=[report.pk, "submit"]),
        reverse("changes:list"),
        change.get_absolute_url(),
        reverse("home"),  # 待我处理: the draft report and the change request
        f"{reverse('portal:search')}?{urlencode({'q': HOSTILE})}",
    ]
    for url in urls:
        assert_inert(page(client_as(unit_a), url))
    search = page(client_as(kjt), f"{reverse('portal:search')}?{urlencode({'q': HOSTILE})}")
    assert_inert(search[search.index('data-kind="centers"') : search.index('data-kind="reports"')])
    assert_inert(search[search.index('data-kind="reports"') : search.index('data-kind="notices"')])

    with django_capture_on_commit_callbacks(execute=True):
        perform(report, "submit", actor=unit_a)
    assert_inert(page(client_as(chengdu), reverse("home")))
    message = Message.objects.get(recipient=chengdu, object_id=report.pk)
    assert HOSTILE in message.subject
    mail = next(m for m in mailoutbox if m.to == [chengdu.email])
    assert HOSTILE in mail.subject
    assert HOSTILE in mail.body
    assert escape(HOSTILE) not in mail.subject + mail.body
    assert_inert(page(client_as(chengdu), reverse("notifications:inbox")))


# --- Art. 21–24: evaluations ----------------------------------------------------------------------------


@pytest.fixture
def evaluation(unit_a, chengdu, kjt):
    """unit_a's evaluation (its cycle ends in the round's year, its reports filed), pending."""
    made = make_center(unit_a.organization, chengdu.organization, name="四川省轨道交通装备技术创新中心")
    file_reports(made, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return open_round(kjt).evaluations.get(center=made)


@pytest.mark.parametrize("field", [f"narrative_{area}" for area, _label in AREAS])
def test_art21_self_assessment_narrative_survives_the_form_and_is_inert_on_pages(
    evaluation, unit_a, chengdu, kjt, experts, client_as, field
):
    client = client_as(unit_a)
    response = client.post(
        reverse("evaluations:self_assessment", args=[evaluation.pk]), {**NARRATIVES, field: TEXT}
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert getattr(evaluation, field) == TEXT
    assert_inert(page(client, evaluation.get_absolute_url()), TEXT)  # in the form's textarea

    perform(evaluation, "submit_self_assessment", actor=unit_a)
    perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=list(experts))
    for viewer in (unit_a, chengdu, kjt, experts[0]):
        assert_inert(page(client_as(viewer), evaluation.get_absolute_url()), TEXT)


def test_art21_expert_score_comment_is_kept_as_typed_and_inert_in_the_form(
    evaluation, unit_a, kjt, experts, client_as
):
    evaluation = advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    codes = [i["code"] for i in evaluation.round.rules["indicators"] if i["method"] == "expert"]
    data = {**{f"score_{c}": 80 for c in codes}, **{f"comment_{c}": TEXT for c in codes}}
    client = client_as(experts[0])
    url = reverse("evaluations:score", args=[evaluation.pk])

    refused = client.post(url, data)  # no declaration of no conflict (Art. 21)
    assert refused.status_code == 400
    assert_inert(refused.content.decode(), TEXT)

    assert client.post(url, {**data, "no_conflict_declared": "on"}).status_code == 302
    assert set(IndicatorScore.objects.values_list("comment", flat=True)) == {TEXT}
    # The comments are not shown on the evaluation page; nothing of them may come out live there.
    html = page(client_as(kjt), evaluation.get_absolute_url())
    assert "Indicators and scores" in html
    for live in LIVE:
        assert live not in html


def test_art22_grade_reason_and_art23_rectification_are_inert_on_pages_and_verbatim_in_mail(
    evaluation, unit_a, chengdu, kjt, experts, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    evaluation = advance(evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=10)
    with django_capture_on_commit_callbacks(execute=True):
        perform(evaluation, "grade", actor=kjt, grade=Grade.FAIL, comment=TEXT)
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade_reason) == (Evaluation.State.RECTIFYING, TEXT)

    for viewer in (unit_a, chengdu, kjt):
        html = page(client_as(viewer), evaluation.get_absolute_url())
        assert_inert(html[html.index("data-grade-reason") :], TEXT)
        assert_inert(timeline_entry(html, "grade"), TEXT)
        # The round table cuts the reason to 60 characters and keeps the whole in its title.
        assert_inert(page(client_as(viewer), evaluation.round.get_absolute_url()), TEXT)
    told(unit_a, evaluation, TEXT, mailoutbox, client_as)

    # Art. 23: the rectification plan and report, through the center's form.
    response = client_as(unit_a).post(
        reverse("evaluations:rectification", args=[evaluation.pk]),
        {"rectification_plan": TEXT, "rectification_report": HOSTILE},
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.rectification_plan, evaluation.rectification_report) == (TEXT, HOSTILE)
    assert_inert(page(client_as(unit_a), evaluation.get_absolute_url()), TEXT)  # the form
    for viewer in (chengdu, kjt):
        html = page(client_as(viewer), evaluation.get_absolute_url())
        assert_inert(html, TEXT)
        assert_inert(html, HOSTILE)


def test_art22_center_name_is_inert_on_the_evaluation_list_round_and_detail_pages(
    evaluation, unit_a, chengdu, kjt, client_as
):
    Center.objects.filter(pk=evaluation.center_id).update(name=HOSTILE)

    for viewer in (unit_a, chengdu, kjt):
        client = client_as(viewer)
        for url in (
            reverse("evaluations:list"),
            evaluation.round.get_absolute_url(),
            evaluation.get_absolute_url(),
        ):
            assert_inert(page(client, url))


def test_art24_integrity_finding_is_inert_on_the_evaluation_and_center_pages(
    evaluation, unit_a, kjt, experts, client_as
):
    evaluation = advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    response = client_as(kjt).post(
        reverse("evaluations:finding", args=[evaluation.pk]), {"description": TEXT}
    )
    assert response.status_code == 302
    assert IntegrityFinding.objects.get(evaluation=evaluation).description == TEXT

    for viewer in (unit_a, kjt):
        for url in (evaluation.get_absolute_url(), evaluation.center.get_absolute_url()):
            html = page(client_as(viewer), url)
            assert_inert(html[html.index("data-integrity-finding") :], TEXT)


# --- Art. 5: official notices ---------------------------------------------------------------------------


@pytest.fixture
def notice(center, kjt, kjt_org):
    return notice_draft(
        kind=Kind.REVOCATION,
        subject=center,
        actor=kjt,
        addressee_orgs=[center.supervisor, center.lead_unit],
        copy_orgs=[kjt_org],
        context={"name": center.name, "reason": "", "supervisor": center.supervisor.name},
    )


@pytest.mark.parametrize("field", ["title", "addressees", "body", "copy_to", "attachments_line"])
def test_art5_notice_text_survives_the_form_and_is_inert_on_list_detail_verify_and_search(
    notice, center, unit_a, kjt, client_as, field
):
    client = client_as(kjt)
    form = {f: getattr(notice, f) for f in ("title", "addressees", "body", "attachments_line", "copy_to")}
    response = client.post(reverse("notices:edit", args=[notice.pk]), {**form, field: HOSTILE})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert getattr(notice, field) == HOSTILE
    assert_inert(page(client, reverse("notices:edit", args=[notice.pk])))
    perform(notice, "issue", actor=kjt)

    pages = [notice.get_absolute_url()]
    if field == "title":
        pages += [
            reverse("notices:list"),
            center.get_absolute_url(),
            f"{reverse('portal:search')}?{urlencode({'q': HOSTILE})}",
        ]
    for viewer in (unit_a, kjt):
        for url in pages:
            assert_inert(page(client_as(viewer), url))
    verify = Client().get(notice.get_verify_url())  # public: no login
    assert verify.status_code == 200
    if field == "title":
        assert_inert(verify.content.decode())
    else:
        assert escape(HOSTILE) not in verify.content.decode()  # it shows number, title, date, issuer only


def test_art5_revocation_reason_is_inert_on_the_notice_and_verbatim_in_mail(
    notice, unit_a, kjt, client_as, mailoutbox, django_capture_on_commit_callbacks
):
    Notice.objects.filter(pk=notice.pk).update(title=HOSTILE)
    perform(notice, "issue", actor=kjt)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(kjt).post(
            reverse("notices:transition", args=[notice.pk, "revoke"]),
            {"comment": TEXT, "expected_state": "issued", "confirm_irreversible": "on"},
        )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.revocation_reason == TEXT

    html = page(client_as(unit_a), notice.get_absolute_url())
    assert_inert(html[html.index("alert-danger") :], TEXT)
    assert_inert(timeline_entry(html, "revoke"), TEXT)
    told(unit_a, notice, TEXT, mailoutbox, client_as)
    assert HOSTILE in Message.objects.filter(recipient=unit_a, object_id=notice.pk).latest("pk").body
