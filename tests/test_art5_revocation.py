"""Art. 5.2: 科技厅 may revoke a center. The revocation needs a reason; the center's open work —
change requests not yet decided, annual reports not yet filed — is closed with that reason, its
current cycle ends, and the revocation notice goes to its supervisor and lead unit. What was
decided before stays as it was, and the record stays readable for those who saw it.
"""

import re
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.html import escape
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from attachments.services import attachment_add
from centers import services
from centers.models import BoardMember, Center, CenterCycle, CenterHistory, ChangeRequest
from notices.models import Kind, Notice
from notifications.models import Message
from reports.models import AnnualReport
from sctic.demo import minimal_pdf
from sctic.workflow import MESSAGE_COMMENT_REQUIRED, perform
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

K = ChangeRequest.Kind
REASON = "运行主体法人实体已注销，不再具备独立法人条件（第三条）。"
NUMBER = re.compile(r"^川科高〔\d{4}〕[1-9]\d*号$")


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(str(message))


def pdf(name="理事会决议.pdf"):
    return SimpleUploadedFile(name, minimal_pdf(name), content_type="application/pdf")


def body(response) -> str:
    return response.content.decode()


def state_of(obj) -> str:
    return type(obj).objects.values_list("state", flat=True).get(pk=obj.pk)


def logs(obj, transition):
    return StateLog.objects.for_(obj).filter(transition=transition)


def notices_on(obj):
    return Notice.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


# --- a center with open and finished work -----------------------------------------------------


@pytest.fixture
def center(unit_a, chengdu):
    return CenterFactory(
        name="四川省生物基材料技术创新中心",
        lead_unit=unit_a.organization,
        supervisor=chengdu.organization,
        director_name="冯立",
        registered_address="成都市双流区生物城",
    )


@pytest.fixture
def work(center, unit_a, chengdu, kjt):
    """Change requests in every state and annual reports open and filed, walked through the real
    workflow where it matters."""

    def change(kind, value, steps, **fields):
        made = ChangeRequest.objects.create(
            center=center,
            kind=kind,
            proposed_value=value,
            reason="理事会决议调整。",
            created_by=unit_a,
            **fields,
        )
        attachment_add(
            owner=made, kind="board_resolution", upload=pdf(), mime_type="application/pdf", user=unit_a
        )
        actors = {"center": unit_a, "supervisor": chengdu, "department": kjt}
        for transition, who, comment in steps:
            perform(made, transition, actor=actors[who], comment=comment)
        return made

    submit, forward = ("submit", "center", ""), ("supervisor_approve", "supervisor", "")
    approved = change(
        K.DIRECTOR,
        "吴建华",
        [submit, forward, ("approve", "department", "同意。")],
        proposed_director_full_time=True,
    )
    made = {
        "approved": approved,
        "rejected": change(K.OTHER, "增资扩股。", [submit, forward, ("reject", "department", "暂不同意。")]),
        "withdrawn": change(K.NAME, "四川省生物材料技术创新中心", [("withdraw", "center", "")]),
        "draft": change(K.DIRECTION, "聚焦生物基可降解材料。", []),
        "submitted": change(K.NAME, "四川省生物基新材料技术创新中心", [submit]),
        "returned": change(
            K.REGISTERED_LOCATION, "成都市新津区", [submit, ("return_for_revision", "supervisor", "请补充。")]
        ),
        "supervisor_approved": change(K.STRUCTURE, "设成果转化部。", [submit, forward]),
    }

    def report(year, state):
        return AnnualReport.objects.create(
            center=center, year=year, due_date=date(year + 1, 3, 31), state=state
        )

    made.update(
        {
            "report_filed": report(2023, "filed"),
            "report_supervisor_approved": report(2024, "supervisor_approved"),
            "report_submitted": report(2025, "submitted"),
            "report_returned": report(2022, "returned"),
            "report_draft": report(2026, "draft"),
        }
    )
    return made


OPEN_CHANGES = ["draft", "submitted", "returned", "supervisor_approved"]
DECIDED_CHANGES = ["approved", "rejected", "withdrawn"]
OPEN_REPORTS = ["report_draft", "report_returned", "report_submitted", "report_supervisor_approved"]


@pytest.fixture
def revoked(center, work, kjt, django_capture_on_commit_callbacks):
    """The center revoked by kjt with the reason (what is queued after the commit has run)."""
    with django_capture_on_commit_callbacks(execute=True):
        perform(center, "revoke", actor=kjt, comment=REASON)
    center.refresh_from_db()
    return center


# --- Art. 5.2: who revokes, and with what ----------------------------------------------------------


def test_art5_2_department_revokes_the_center_which_ends_today(revoked):
    assert revoked.state == Center.State.REVOKED
    assert revoked.ended_on == timezone.localdate()
    assert not revoked.is_live


def test_art5_2_revocation_needs_a_reason(center, kjt, login):
    with pytest.raises(ValidationError) as excinfo:
        perform(center, "revoke", actor=kjt, comment="   ")
    assert excinfo.value.message_dict == {"comment": [str(MESSAGE_COMMENT_REQUIRED)]}

    response = login(kjt).post(
        f"/centers/{center.pk}/transitions/revoke/", {"comment": "", "expected_state": "operating"}
    )

    assert response.status_code == 400
    assert state_of(center) == Center.State.OPERATING
    assert not notices_on(center).exists()


def test_art5_2_department_revokes_on_the_decision_page(center, kjt, login):
    client = login(kjt)
    html = body(client.get(f"/centers/{center.pk}/"))
    assert f'href="/centers/{center.pk}/transitions/revoke/" data-action="revoke"' in html
    assert client.get(f"/centers/{center.pk}/transitions/revoke/").status_code == 200

    response = client.post(
        f"/centers/{center.pk}/transitions/revoke/",
        {"comment": REASON, "expected_state": "operating", "confirm_irreversible": "on"},
    )

    assert response.status_code == 302
    assert state_of(center) == Center.State.REVOKED
    log = logs(center, "revoke").get()
    assert (log.by, log.description, log.source_state, log.state) == (kjt, REASON, "operating", "revoked")


def test_art5_2_a_rectifying_center_can_be_revoked(center, kjt):
    Center.objects.filter(pk=center.pk).update(state=Center.State.RECTIFYING)
    center.refresh_from_db()

    perform(center, "revoke", actor=kjt, comment=REASON)

    assert state_of(center) == Center.State.REVOKED


@pytest.mark.parametrize("who", ["chengdu", "mianyang", "jxt", "unit_a", "unit_b"])
def test_art5_2_only_the_department_may_revoke(request, center, who):
    with pytest.raises(PermissionDenied):
        perform(center, "revoke", actor=request.getfixturevalue(who), comment=REASON)

    assert state_of(center) == Center.State.OPERATING
    assert not logs(center, "revoke").exists()


@pytest.mark.parametrize(
    ("who", "expected"), [("chengdu", 403), ("unit_a", 403), ("unit_b", 404), ("mianyang", 404)]
)
def test_art5_2_revoke_page_refuses_everyone_but_the_department(request, center, client, who, expected):
    client.force_login(request.getfixturevalue(who))
    url = f"/centers/{center.pk}/transitions/revoke/"

    assert client.get(url).status_code == expected
    assert client.post(url, {"comment": REASON, "expected_state": "operating"}).status_code == expected
    assert state_of(center) == Center.State.OPERATING
    if expected == 403:  # they see the center, but not the button
        assert 'data-action="revoke"' not in body(client.get(f"/centers/{center.pk}/"))


def test_art5_2_a_revoked_center_cannot_be_revoked_again(revoked, kjt):
    with pytest.raises(TransitionNotAllowed):
        perform(revoked, "revoke", actor=kjt, comment=REASON)

    assert logs(revoked, "revoke").count() == 1


# --- open work is closed, decided work stays ----------------------------------------------------


@pytest.mark.parametrize("key", OPEN_CHANGES)
def test_art5_2_revocation_closes_open_change_requests_with_the_reason(revoked, work, kjt, key):
    change = work[key]

    assert state_of(change) == ChangeRequest.State.CANCELLED
    log = logs(change, "cancel").get()
    assert (log.by, log.description, log.source_state) == (kjt, REASON, key)


@pytest.mark.parametrize("key", DECIDED_CHANGES)
def test_art5_2_decided_change_requests_are_untouched(revoked, work, key):
    change = work[key]

    assert state_of(change) == key
    assert not logs(change, "cancel").exists()


def test_art5_2_the_approved_change_stays_applied_and_in_history(revoked, work):
    assert revoked.director_name == "吴建华"
    history = CenterHistory.objects.get(center=revoked)
    assert (history.kind, history.old_value, history.new_value) == (K.DIRECTOR, "冯立", "吴建华")


@pytest.mark.parametrize("key", OPEN_REPORTS)
def test_art5_2_revocation_closes_open_annual_reports_with_the_reason(revoked, work, kjt, key):
    report = work[key]
    source = key.removeprefix("report_")

    assert state_of(report) == AnnualReport.State.CANCELLED
    log = logs(report, "cancel").get()
    assert (log.by, log.description, log.source_state) == (kjt, REASON, source)


def test_art5_2_filed_annual_reports_are_untouched(revoked, work):
    report = work["report_filed"]

    assert state_of(report) == AnnualReport.State.FILED
    assert not logs(report, "cancel").exists()


def test_art5_2_revocation_closes_the_current_cycle(revoked):
    cycle = CenterCycle.objects.get(center=revoked)

    assert cycle.closed_on == timezone.localdate()
    assert revoked.current_cycle() is None


def test_art5_2_another_center_keeps_its_open_work(center, work, kjt, unit_b, mianyang):
    other = CenterFactory(
        name="四川省智能传感技术创新中心", lead_unit=unit_b.organization, supervisor=mianyang.organization
    )
    draft = ChangeRequest.objects.create(
        center=other,
        kind=K.NAME,
        proposed_value="四川省智能感知技术创新中心",
        reason="拓展。",
        created_by=unit_b,
    )
    report = AnnualReport.objects.create(center=other, year=2025, due_date=date(2026, 3, 31))

    perform(center, "revoke", actor=kjt, comment=REASON)

    assert state_of(draft) == "draft"
    assert state_of(report) == "draft"
    assert other.current_cycle() is not None
    assert state_of(other) == "operating"


def test_art5_2_revocation_is_atomic_nothing_is_closed_when_the_notice_fails(center, work, kjt, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("notice service down")

    monkeypatch.setattr(services, "decision_notice", broken)
    with pytest.raises(RuntimeError):
        perform(center, "revoke", actor=kjt, comment=REASON)

    assert state_of(center) == Center.State.OPERATING
    assert {key: state_of(work[key]) for key in OPEN_CHANGES} == {key: key for key in OPEN_CHANGES}
    assert state_of(work["report_draft"]) == "draft"
    assert center.current_cycle() is not None
    assert not StateLog.objects.filter(transition="cancel").exists()


# --- the revocation notice -----------------------------------------------------------------------


def test_art5_2_revocation_notice_is_issued_to_the_supervisor_and_lead_unit(
    revoked, kjt_org, unit_a, chengdu
):
    notice = notices_on(revoked).get()

    assert notice.kind == Kind.REVOCATION
    assert notice.state == Notice.State.ISSUED
    assert NUMBER.match(notice.number), notice.number
    assert notice.issuer == kjt_org
    assert set(notice.addressee_orgs.all()) == {chengdu.organization, unit_a.organization}
    assert notice.title == f"四川省科学技术厅关于撤销{revoked.name}的决定"
    assert f"撤销事由：{REASON}" in notice.body
    assert notice.is_rendered
    with notice.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_art5_2_revocation_notice_is_on_the_center_page_and_in_the_units_notices(
    revoked, unit_a, chengdu, client
):
    notice = notices_on(revoked).get()

    for user in (unit_a, chengdu):
        client.force_login(user)
        assert f'href="/notices/{notice.pk}/" data-notice="revocation"' in body(
            client.get(f"/centers/{revoked.pk}/")
        )
        assert f'href="/notices/{notice.pk}/"' in body(client.get("/notices/"))
        assert client.get(f"/notices/{notice.pk}/pdf/").status_code == 200


def test_art5_2_revocation_on_the_page_keeps_the_notice_a_draft_by_default(center, kjt, login):
    response = login(kjt).post(
        f"/centers/{center.pk}/transitions/revoke/",
        {"comment": REASON, "confirm_irreversible": "on", "expected_state": "operating"},
    )

    assert response.status_code == 302
    assert state_of(center) == Center.State.REVOKED
    notice = notices_on(center).get()
    assert (notice.state, notice.number) == (Notice.State.DRAFT, "")


def test_art5_2_revocation_is_told_to_the_centers_and_supervisors_users(center, work, kjt, unit_a, chengdu):
    colleague = UserFactory(organization=unit_a.organization, role="applicant")
    outsider = UserFactory(role="applicant")

    perform(center, "revoke", actor=kjt, comment=REASON)

    told = set(
        Message.objects.filter(
            content_type=ContentType.objects.get_for_model(Center), object_id=center.pk
        ).values_list("recipient__username", flat=True)
    )
    assert {"unit_a", "chengdu", colleague.username} <= told
    assert outsider.username not in told


# --- the record stays readable -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["unit_a", "chengdu", "kjt"])
def test_art5_2_revoked_centers_record_stays_readable(request, revoked, work, client, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(f"/centers/{revoked.pk}/")

    assert response.status_code == 200
    html = body(response)
    assert 'data-state="revoked"' in html
    assert revoked.ended_on.strftime("%Y-%m-%d") in html
    assert '<tr data-history="director">' in html  # the history of changes
    assert f'href="/reports/{work["report_filed"].pk}/"' in html  # its reports
    assert f'href="/changes/{work["approved"].pk}/"' in html  # its changes
    timeline = re.search(r'<li class="list-group-item" data-transition="revoke">(.*?)</li>', html, re.S)
    assert timeline and escape(REASON) in timeline.group(1)


@pytest.mark.parametrize("who", ["unit_a", "chengdu", "kjt"])
def test_art5_2_closed_work_stays_readable_with_the_reason(request, revoked, work, client, who):
    client.force_login(request.getfixturevalue(who))

    for key in ("submitted", "approved"):
        response = client.get(f"/changes/{work[key].pk}/")
        assert response.status_code == 200, key
    html = body(client.get(f"/changes/{work['submitted'].pk}/"))
    assert 'data-state="cancelled"' in html
    assert escape(REASON) in html
    assert client.get(f"/reports/{work['report_submitted'].pk}/").status_code == 200


@pytest.mark.parametrize(("who", "expected"), [("unit_b", 404), ("mianyang", 404)])
def test_art5_2_revoked_center_stays_hidden_from_others(request, revoked, client, who, expected):
    client.force_login(request.getfixturevalue(who))

    assert client.get(f"/centers/{revoked.pk}/").status_code == expected


def test_art5_2_revoked_center_is_still_listed_under_its_state(revoked, kjt, client):
    client.force_login(kjt)

    html = body(client.get("/centers/?state=revoked"))

    assert f'href="/centers/{revoked.pk}/"' in html


# --- nothing more is changed afterwards -----------------------------------------------------------


def test_art5_2_governance_of_a_revoked_center_can_no_longer_be_edited(revoked, unit_a, login):
    client = login(unit_a)
    data = {
        "board-TOTAL_FORMS": "1",
        "board-INITIAL_FORMS": "0",
        "board-0-name": "新理事",
        "board-0-organization": "某单位",
        "board-0-role": "member",
        **{
            f"{p}-{k}": v
            for p in ("committee", "plans")
            for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
    }

    html = body(client.get(f"/centers/{revoked.pk}/"))
    assert 'data-action="governance"' not in html
    assert 'data-action="request-change"' not in html
    assert f'action="/centers/{revoked.pk}/documents/"' not in html

    refused = client.post(f"/centers/{revoked.pk}/governance/", data)
    upload = client.post(f"/centers/{revoked.pk}/documents/", {"kind": "charter", "file": pdf("章程.pdf")})

    assert refused.status_code == 302 and refused["Location"] == f"/centers/{revoked.pk}/"
    assert upload.status_code == 302
    assert not BoardMember.objects.filter(center=revoked).exists()
    assert not revoked.attachments.exists()
    message = "The records of a center that has left the sequence can no longer be changed."
    assert escape(zh(message)) in body(client.get(f"/centers/{revoked.pk}/"))


def test_art5_2_revoked_center_cannot_open_a_new_change_request(revoked, unit_a, login):
    client = login(unit_a)

    response = client.post(
        f"/centers/{revoked.pk}/changes/new/",
        {"kind": K.NAME, "proposed_value": "四川省新名称技术创新中心", "reason": "更名。"},
    )

    assert response.status_code == 302
    assert not ChangeRequest.objects.filter(center=revoked, state="draft").exists()
    message = "Art. 20: only a center in construction and operation can change."
    assert escape(zh(message)) in body(client.get(f"/centers/{revoked.pk}/"))


def test_art5_2_closed_change_request_cannot_be_revived(revoked, work, unit_a, chengdu):
    change = work["submitted"]
    change.refresh_from_db()

    for transition, actor in (("submit", unit_a), ("supervisor_approve", chengdu), ("withdraw", unit_a)):
        with pytest.raises(TransitionNotAllowed):
            perform(change, transition, actor=actor)

    assert state_of(change) == "cancelled"
