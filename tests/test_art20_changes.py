"""Art. 20 change requests: a center that changes its name, registered location or another major
matter applies in writing; its supervisor reviews the request and 科技厅 approves it. Approval
applies the change to the center in the same transaction, keeps the old value in the center's
history and issues the change-approval notice (Art. 5). Art. 25 (the name) and Art. 12 (the
full-time director) hold for the new values as they held for the old ones.

The race at the end needs PostgreSQL: two 科技厅 users approve the same request at the same moment.
"""

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from attachments.services import attachment_add
from centers import services
from centers.models import Center, CenterCoBuilder, CenterHistory, ChangeRequest
from centers.validators import MESSAGE_ART25
from exports.models import Export
from notices.models import Kind, Notice, NoticeCounter
from sctic.demo import minimal_pdf
from sctic.workflow import MESSAGE_COMMENT_REQUIRED, MESSAGE_STALE, get_actions, perform
from tests.concurrency import race
from tests.factories import CenterFactory, ExpertFactory, OrganizationFactory, UserFactory

K = ChangeRequest.Kind
S = ChangeRequest.State

OLD_NAME = "四川省先进催化材料技术创新中心"
NEW_NAME = "四川省先进催化与过程强化技术创新中心"
OLD_ADDRESS = "成都市高新区天府大道北段1480号"
NEW_ADDRESS = "成都市双流区科学城南路88号"
OLD_DIRECTOR = "杨建国"
NEW_DIRECTOR = "吴建华"
OLD_DIRECTION = "聚焦催化材料关键技术。"
NEW_DIRECTION = "聚焦催化材料与过程强化关键技术及工程化。"
OLD_STRUCTURE = "综合管理部、研发部。"
NEW_STRUCTURE = "综合管理部、研发部、成果转化部。"
OTHER_MATTER = "引入产业基金增资扩股。"
OLD_COBUILDERS = ["四川大学", "中国科学院成都有机化学研究所"]
NEW_COBUILDERS = ["四川大学", "西南石油大学"]
REASON = "研发领域拓展至过程强化，理事会决议申请变更。"
RETURN_REASON = "请补充理事会决议原件及变更后的职责分工。"
REJECT_REASON = "变更事项需进一步论证，暂不同意。"
NUMBER = re.compile(r"^川科高〔\d{4}〕[1-9]\d*号$")

KINDS_THAT_CHANGE_A_FIELD = [K.NAME, K.REGISTERED_LOCATION, K.DIRECTOR, K.LEAD_UNIT, K.DIRECTION, K.STRUCTURE]

# How each request is walked to its state, and by whom.
STEPS = {
    S.DRAFT: [],
    S.SUBMITTED: [("submit", "center")],
    S.RETURNED: [("submit", "center"), ("return_for_revision", "supervisor")],
    S.SUPERVISOR_APPROVED: [("submit", "center"), ("supervisor_approve", "supervisor")],
    S.APPROVED: [("submit", "center"), ("supervisor_approve", "supervisor"), ("approve", "department")],
    S.REJECTED: [("submit", "center"), ("supervisor_approve", "supervisor"), ("reject", "department")],
    S.WITHDRAWN: [("withdraw", "center")],
}
COMMENTS = {"return_for_revision": RETURN_REASON, "reject": REJECT_REASON}


pytestmark = pytest.mark.usefixtures("english")


def zh(message) -> str:
    """What a user of the portal reads (zh-hans is the default language)."""
    with translation.override("zh-hans"):
        return translation.gettext(str(message))


# --- the center and its requests ---------------------------------------------------------------


@pytest.fixture
def center(unit_a, chengdu):
    """unit_a's center, supervised by chengdu, with every identity field filled."""
    made = CenterFactory(
        name=OLD_NAME,
        lead_unit=unit_a.organization,
        supervisor=chengdu.organization,
        registered_address=OLD_ADDRESS,
        director_name=OLD_DIRECTOR,
        research_direction=OLD_DIRECTION,
        organisation_structure=OLD_STRUCTURE,
    )
    for name in OLD_COBUILDERS:
        CenterCoBuilder.objects.create(center=made, name=name, role="共性技术研究")
    return made


@pytest.fixture
def other_center(unit_b, mianyang):
    """unit_b's center, supervised by mianyang."""
    return CenterFactory(
        name="四川省智能传感技术创新中心", lead_unit=unit_b.organization, supervisor=mianyang.organization
    )


@pytest.fixture
def new_lead(db):
    return OrganizationFactory(name="四川催化科技集团有限公司")


@pytest.fixture
def proposals(new_lead):
    """What each kind of request proposes."""
    return {
        K.NAME: {"proposed_value": NEW_NAME},
        K.REGISTERED_LOCATION: {"proposed_value": NEW_ADDRESS},
        K.DIRECTOR: {"proposed_value": NEW_DIRECTOR, "proposed_director_full_time": True},
        K.LEAD_UNIT: {"proposed_lead_unit": new_lead, "proposed_cobuilders": "\n".join(NEW_COBUILDERS)},
        K.DIRECTION: {"proposed_value": NEW_DIRECTION},
        K.STRUCTURE: {"proposed_value": NEW_STRUCTURE},
        K.OTHER: {"proposed_value": OTHER_MATTER},
    }


def attach_resolution(change, user):
    upload = SimpleUploadedFile(
        "理事会决议.pdf", minimal_pdf("Board resolution"), content_type="application/pdf"
    )
    return attachment_add(
        owner=change,
        kind=ChangeRequest.AttachmentKind.BOARD_RESOLUTION,
        upload=upload,
        mime_type="application/pdf",
        user=user,
    )


@pytest.fixture
def make_change(center, proposals, unit_a, chengdu, kjt):
    """``make_change(kind, state)``: unit_a's request with the board's resolution attached, walked
    through the real workflow (unit_a, chengdu, kjt) to ``state``."""

    def make(kind=K.NAME, state=S.DRAFT, *, on=None, resolution=True, actors=None, **fields):
        on = on or center
        actors = actors or {"center": unit_a, "supervisor": chengdu, "department": kjt}
        values = {"reason": REASON, **proposals[kind], **fields}
        change = ChangeRequest.objects.create(center=on, kind=kind, created_by=actors["center"], **values)
        if resolution:
            attach_resolution(change, actors["center"])
        for transition, who in STEPS[state]:
            perform(change, transition, actor=actors[who], comment=COMMENTS.get(transition, ""))
        assert change.state == state
        return change

    return make


def snapshot(center) -> dict:
    """The center's identity as stored now."""
    center = Center.objects.get(pk=center.pk)
    return {
        **{
            field: getattr(center, field)
            for field in Center.IDENTITY_FIELDS
            if field not in ("lead_unit", "supervisor")
        },
        "lead_unit": center.lead_unit_id,
        "supervisor": center.supervisor_id,
        "cobuilders": list(center.cobuilders.order_by("id").values_list("name", flat=True)),
    }


def reload(change) -> ChangeRequest:
    return ChangeRequest.objects.get(pk=change.pk)


def notices_on(change):
    return Notice.objects.filter(content_type=ContentType.objects.get_for_model(change), object_id=change.pk)


def body(response) -> str:
    return response.content.decode()


# --- Art. 20: the supervisor reviews before 科技厅 decides ----------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.RETURNED])
def test_art20_change_cannot_be_approved_before_the_supervisor_approved_it(make_change, center, kjt, state):
    change = make_change(K.NAME, state)
    before = snapshot(center)

    with pytest.raises(TransitionNotAllowed):
        perform(change, "approve", actor=kjt, comment="同意变更。")

    assert reload(change).state == state
    assert snapshot(center) == before
    assert not CenterHistory.objects.exists()
    assert not notices_on(change).exists()


def test_art20_department_is_not_offered_approval_before_the_supervisor_approved(make_change, kjt, login):
    change = make_change(K.NAME, S.SUBMITTED)

    response = login(kjt).post(
        f"/changes/{change.pk}/transitions/approve/", {"comment": "同意变更。", "expected_state": "submitted"}
    )

    assert response.status_code == 302
    assert reload(change).state == S.SUBMITTED
    assert Center.objects.get(pk=change.center_id).name == OLD_NAME


def test_art20_supervisor_approval_forwards_the_request_to_the_department(make_change, chengdu, kjt):
    change = make_change(K.NAME, S.SUBMITTED)

    perform(change, "supervisor_approve", actor=chengdu, comment="经审核，同意上报。")

    assert reload(change).state == S.SUPERVISOR_APPROVED
    assert {a.name for a in get_actions(change, kjt)} == {"return_for_revision", "approve", "reject"}
    log = StateLog.objects.for_(change).get(transition="supervisor_approve")
    assert (log.by, log.description) == (chengdu, "经审核，同意上报。")


# --- Art. 20: approval applies the change and keeps what was true before ------------------------


def expected_after(kind, new_lead) -> dict:
    return {
        K.NAME: {"name": NEW_NAME},
        K.REGISTERED_LOCATION: {"registered_address": NEW_ADDRESS},
        K.DIRECTOR: {"director_name": NEW_DIRECTOR, "director_full_time": True},
        K.LEAD_UNIT: {"lead_unit": new_lead.pk, "cobuilders": NEW_COBUILDERS},
        K.DIRECTION: {"research_direction": NEW_DIRECTION},
        K.STRUCTURE: {"organisation_structure": NEW_STRUCTURE},
    }[kind]


def expected_history(kind, lead_name, new_lead) -> tuple[str, str]:
    """(before, after) as the history keeps them."""
    return {
        K.NAME: (OLD_NAME, NEW_NAME),
        K.REGISTERED_LOCATION: (OLD_ADDRESS, NEW_ADDRESS),
        K.DIRECTOR: (OLD_DIRECTOR, NEW_DIRECTOR),
        K.LEAD_UNIT: ("\n".join([lead_name, *OLD_COBUILDERS]), "\n".join([new_lead.name, *NEW_COBUILDERS])),
        K.DIRECTION: (OLD_DIRECTION, NEW_DIRECTION),
        K.STRUCTURE: (OLD_STRUCTURE, NEW_STRUCTURE),
    }[kind]


@pytest.mark.parametrize("kind", KINDS_THAT_CHANGE_A_FIELD)
def test_art20_approval_applies_the_change_and_keeps_the_old_value_in_history(
    make_change, center, kjt, new_lead, unit_a, kind
):
    # The present director is not full-time: the approved change of director sets the Art. 12 flag too.
    Center.objects.filter(pk=center.pk).update(director_full_time=False)
    before = snapshot(center)
    change = make_change(kind, S.SUPERVISOR_APPROVED)

    perform(change, "approve", actor=kjt, comment="同意变更。")

    assert snapshot(center) == {**before, **expected_after(kind, new_lead)}
    old, new = expected_history(kind, unit_a.organization.name, new_lead)
    history = CenterHistory.objects.get(center=center)
    assert (history.kind, history.old_value, history.new_value) == (kind, old, new)
    assert history.effective_on == timezone.localdate()
    assert history.change_request == change
    change = reload(change)
    assert change.state == S.APPROVED
    assert change.previous_value == old
    assert change.decided_at is not None


def test_art20_approval_of_a_new_lead_unit_alone_keeps_the_co_builders(make_change, center, kjt, new_lead):
    change = make_change(K.LEAD_UNIT, S.SUPERVISOR_APPROVED, proposed_cobuilders="")

    perform(change, "approve", actor=kjt)

    after = snapshot(center)
    assert after["lead_unit"] == new_lead.pk
    assert after["cobuilders"] == OLD_COBUILDERS


def test_art20_approval_of_new_co_builders_alone_keeps_the_lead_unit(make_change, center, kjt, unit_a):
    change = make_change(K.LEAD_UNIT, S.SUPERVISOR_APPROVED, proposed_lead_unit=None)

    perform(change, "approve", actor=kjt)

    after = snapshot(center)
    assert after["lead_unit"] == unit_a.organization_id
    assert after["cobuilders"] == NEW_COBUILDERS


def test_art20_approval_of_another_major_matter_changes_no_field_but_is_recorded(make_change, center, kjt):
    before = snapshot(center)
    change = make_change(K.OTHER, S.SUPERVISOR_APPROVED)

    perform(change, "approve", actor=kjt)

    assert snapshot(center) == before
    history = CenterHistory.objects.get(center=center)
    assert (history.kind, history.new_value) == (K.OTHER, OTHER_MATTER)
    assert reload(change).state == S.APPROVED


def test_art20_approval_is_atomic_nothing_is_applied_when_the_notice_fails(
    make_change, center, kjt, monkeypatch
):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)
    before = snapshot(center)

    def broken(**_kwargs):
        raise RuntimeError("notice service down")

    monkeypatch.setattr(services, "decision_notice", broken)
    with pytest.raises(RuntimeError):
        perform(change, "approve", actor=kjt)

    assert snapshot(center) == before
    assert reload(change).state == S.SUPERVISOR_APPROVED
    assert reload(change).previous_value == ""
    assert not CenterHistory.objects.exists()
    assert not StateLog.objects.for_(change).filter(transition="approve").exists()


def test_art20_approved_name_change_shows_the_former_name_on_the_center_page(
    make_change, center, kjt, unit_a, login
):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)
    perform(change, "approve", actor=kjt)

    html = body(login(unit_a).get(f"/centers/{center.pk}/"))

    assert f'<h1 class="h3 mb-0">{NEW_NAME}</h1>' in html
    former = re.search(r"<p[^>]*data-former-name[^>]*>(.*?)</p>", html, re.S)
    assert former and OLD_NAME in former.group(1)
    assert timezone.localdate().strftime("%Y-%m-%d") in former.group(1)


def test_art20_approved_change_page_shows_the_value_before_the_change(make_change, kjt, unit_a, login):
    change = make_change(K.REGISTERED_LOCATION, S.APPROVED)

    html = body(login(unit_a).get(f"/changes/{change.pk}/"))

    current = re.search(r'id="current-value">(.*?)</div>\s*<div', html, re.S).group(1)
    proposed = re.search(r'id="proposed-value">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert OLD_ADDRESS in current and NEW_ADDRESS not in current
    assert NEW_ADDRESS in proposed


def test_art20_pending_change_page_shows_current_and_proposed_side_by_side(make_change, chengdu, login):
    change = make_change(K.DIRECTOR, S.SUBMITTED)

    html = body(login(chengdu).get(f"/changes/{change.pk}/"))

    current = re.search(r'id="current-value">(.*?)</div>\s*<div', html, re.S).group(1)
    proposed = re.search(r'id="proposed-value">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert OLD_DIRECTOR in current and NEW_DIRECTOR in proposed


def test_art20_approved_request_reads_approved_not_approved_for_construction(make_change, unit_a, login):
    change = make_change(K.NAME, S.APPROVED)

    html = body(login(unit_a).get(f"/changes/{change.pk}/"))

    badge = re.search(r'<span class="badge [^"]*state-badge" data-state="approved">(.*?)</span>', html)
    assert badge and badge.group(1) == "已批准"


# --- Art. 5, 20: the change-approval notice ------------------------------------------------------


def test_art20_approval_issues_the_numbered_change_approval_notice_with_its_pdf(
    make_change, kjt, kjt_org, unit_a, chengdu, django_capture_on_commit_callbacks
):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)

    with django_capture_on_commit_callbacks(execute=True):
        perform(change, "approve", actor=kjt, comment="同意变更。")

    notice = notices_on(change).get()
    assert notice.kind == Kind.CHANGE_APPROVAL
    assert notice.state == Notice.State.ISSUED
    assert NUMBER.match(notice.number), notice.number
    assert notice.issue_date == timezone.localdate()
    assert notice.issuer == kjt_org
    assert set(notice.addressee_orgs.all()) == {chengdu.organization, unit_a.organization}
    assert notice.addressees == f"{chengdu.organization.name}，{unit_a.organization.name}"
    # An official document is in Chinese whatever language the approving user reads the portal in.
    assert notice.title == f"四川省科学技术厅关于同意{OLD_NAME}变更名称的批复"
    assert f"由“{OLD_NAME}”变更为“{NEW_NAME}”" in notice.body
    assert notice.is_rendered
    with notice.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_art20_change_approval_notice_reaches_the_old_lead_unit_that_applied(
    make_change, kjt, unit_a, chengdu, new_lead
):
    change = make_change(K.LEAD_UNIT, S.SUPERVISOR_APPROVED)

    perform(change, "approve", actor=kjt)

    notice = notices_on(change).get()
    assert set(notice.addressee_orgs.all()) == {chengdu.organization, unit_a.organization, new_lead}


def test_art20_approval_with_hold_notice_keeps_an_unnumbered_draft(make_change, center, kjt, login):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)

    response = login(kjt).post(
        f"/changes/{change.pk}/transitions/approve/",
        {"comment": "同意变更。", "hold_notice": "on", "expected_state": "supervisor_approved"},
    )

    assert response.status_code == 302
    assert reload(change).state == S.APPROVED
    assert Center.objects.get(pk=center.pk).name == NEW_NAME  # the change itself is applied
    notice = notices_on(change).get()
    assert notice.state == Notice.State.DRAFT
    assert (notice.number, notice.sequence, notice.issue_date) == ("", None, None)
    assert not NoticeCounter.objects.exists()


def test_art20_change_approval_notice_is_listed_on_the_center_and_change_pages(
    make_change, center, kjt, unit_a, login
):
    change = make_change(K.NAME, S.APPROVED)
    notice = notices_on(change).get()
    client = login(unit_a)

    for url in (f"/centers/{center.pk}/", f"/changes/{change.pk}/"):
        html = body(client.get(url))
        assert f'href="/notices/{notice.pk}/" data-notice="change_approval"' in html, url


# --- Art. 20: rejection, return, withdrawal ---------------------------------------------------------


def test_art20_rejection_needs_a_reason(make_change, kjt, login):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "reject", actor=kjt, comment="  ")
    assert excinfo.value.message_dict == {"comment": [str(MESSAGE_COMMENT_REQUIRED)]}

    response = login(kjt).post(
        f"/changes/{change.pk}/transitions/reject/", {"comment": "", "expected_state": "supervisor_approved"}
    )
    assert response.status_code == 400
    assert reload(change).state == S.SUPERVISOR_APPROVED


def test_art20_rejection_changes_nothing_on_the_center(make_change, center, kjt, unit_a, login):
    before = snapshot(center)
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)

    perform(change, "reject", actor=kjt, comment=REJECT_REASON)

    assert snapshot(center) == before
    change = reload(change)
    assert change.state == S.REJECTED
    assert change.previous_value == ""
    assert not CenterHistory.objects.exists()
    assert not Notice.objects.filter(kind=Kind.CHANGE_APPROVAL).exists()
    log = StateLog.objects.for_(change).get(transition="reject")
    assert (log.by, log.description) == (kjt, REJECT_REASON)
    assert REJECT_REASON in body(login(unit_a).get(f"/changes/{change.pk}/"))


@pytest.mark.parametrize(
    ("source", "who"),
    [(S.SUBMITTED, "chengdu"), (S.SUPERVISOR_APPROVED, "kjt")],
    ids=["by-the-supervisor", "by-the-department"],
)
def test_art20_return_for_revision_shows_the_reason_to_the_center(
    request, make_change, center, unit_a, login, source, who
):
    change = make_change(K.NAME, source)
    client = login(request.getfixturevalue(who))

    refused = client.post(
        f"/changes/{change.pk}/transitions/return_for_revision/", {"comment": "", "expected_state": source}
    )
    assert refused.status_code == 400
    assert reload(change).state == source

    response = client.post(
        f"/changes/{change.pk}/transitions/return_for_revision/",
        {"comment": RETURN_REASON, "expected_state": source},
    )

    assert response.status_code == 302
    assert reload(change).state == S.RETURNED
    assert Center.objects.get(pk=center.pk).name == OLD_NAME
    html = body(login(unit_a).get(f"/changes/{change.pk}/"))
    reason = re.search(r'id="return-reason">(.*?)</div>\s*</div>', html, re.S)
    assert reason and RETURN_REASON in reason.group(1)
    assert f'href="/changes/{change.pk}/edit/"' in html  # the center may revise it


def test_art20_returned_request_is_revised_and_submitted_again(make_change, unit_a, chengdu, login):
    change = make_change(K.NAME, S.RETURNED)
    client = login(unit_a)

    response = client.post(
        f"/changes/{change.pk}/edit/",
        {
            "kind": K.NAME,
            "proposed_value": "四川省先进催化与绿色化工技术创新中心",
            "reason": REASON + "已补充。",
        },
    )
    assert response.status_code == 302
    perform(change, "submit", actor=unit_a)

    assert reload(change).state == S.SUBMITTED
    assert reload(change).proposed_value == "四川省先进催化与绿色化工技术创新中心"


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.RETURNED])
def test_art20_center_withdraws_its_request_before_the_supervisor_forwards_it(
    make_change, center, unit_a, state
):
    change = make_change(K.NAME, state)

    perform(change, "withdraw", actor=unit_a)

    assert reload(change).state == S.WITHDRAWN
    assert Center.objects.get(pk=center.pk).name == OLD_NAME
    # The kind is free again: a new request of it may be opened.
    make_change(K.NAME, S.DRAFT)


def test_art20_forwarded_request_can_no_longer_be_withdrawn(make_change, unit_a):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)

    with pytest.raises(TransitionNotAllowed):
        perform(change, "withdraw", actor=unit_a)

    assert reload(change).state == S.SUPERVISOR_APPROVED


@pytest.mark.parametrize("who", ["chengdu", "kjt", "unit_b"])
def test_art20_only_the_center_withdraws(request, make_change, who):
    change = make_change(K.NAME, S.SUBMITTED)

    with pytest.raises(PermissionDenied):
        perform(change, "withdraw", actor=request.getfixturevalue(who))

    assert reload(change).state == S.SUBMITTED


# --- Art. 6, 20: each supervisor acts on its own centers only ---------------------------------------


@pytest.mark.parametrize("who", ["mianyang", "jxt"])
@pytest.mark.parametrize(
    ("state", "transition", "comment"),
    [
        (S.SUBMITTED, "supervisor_approve", ""),
        (S.SUBMITTED, "return_for_revision", RETURN_REASON),
    ],
)
def test_art20_supervisor_cannot_act_on_another_supervisors_center(
    request, make_change, center, login, who, state, transition, comment
):
    change = make_change(K.NAME, state)
    outsider = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        perform(change, transition, actor=outsider, comment=comment)

    client = login(outsider)
    url = f"/changes/{change.pk}/transitions/{transition}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"comment": comment, "expected_state": state}).status_code == 404
    assert client.get(f"/changes/{change.pk}/").status_code == 404
    assert reload(change).state == state
    assert not StateLog.objects.for_(change).filter(transition=transition).exists()


def test_art20_supervisor_cannot_take_the_departments_decision(make_change, center, chengdu, login):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)

    with pytest.raises(PermissionDenied):
        perform(change, "approve", actor=chengdu)

    client = login(chengdu)
    url = f"/changes/{change.pk}/transitions/approve/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"comment": "同意。", "expected_state": "supervisor_approved"}).status_code == 403
    assert reload(change).state == S.SUPERVISOR_APPROVED
    assert Center.objects.get(pk=center.pk).name == OLD_NAME


def test_art20_center_cannot_forward_its_own_request(make_change, unit_a):
    change = make_change(K.NAME, S.SUBMITTED)

    with pytest.raises(PermissionDenied):
        perform(change, "supervisor_approve", actor=unit_a)

    assert reload(change).state == S.SUBMITTED


# --- Art. 25 and Art. 12: the new values obey the same rules ---------------------------------------


BAD_NAMES = ["成都市先进催化与过程强化技术创新中心", "四川省先进催化与过程强化研究中心", "四川省技术创新中心"]


@pytest.mark.parametrize("bad_name", BAD_NAMES)
def test_art25_new_name_breaking_the_naming_rule_is_refused_at_submit(make_change, unit_a, bad_name):
    change = make_change(K.NAME, S.DRAFT, proposed_value=bad_name)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert str(MESSAGE_ART25) in excinfo.value.messages
    assert reload(change).state == S.DRAFT


@pytest.mark.parametrize("bad_name", BAD_NAMES)
def test_art25_new_name_breaking_the_naming_rule_is_refused_by_the_form(center, unit_a, login, bad_name):
    response = login(unit_a).post(
        f"/centers/{center.pk}/changes/new/", {"kind": K.NAME, "proposed_value": bad_name, "reason": REASON}
    )

    assert response.status_code == 400
    assert escape(zh(MESSAGE_ART25)) in body(response)
    assert not ChangeRequest.objects.exists()


def test_art25_new_name_breaking_the_naming_rule_is_refused_at_approval(center, unit_a, kjt):
    """A request that reached 科技厅 with a bad name (made before the rule was checked) is not applied."""
    change = ChangeRequest.objects.create(
        center=center,
        kind=K.NAME,
        proposed_value="成都市先进催化技术创新中心",
        reason=REASON,
        created_by=unit_a,
        state=S.SUPERVISOR_APPROVED,
    )
    attach_resolution(change, unit_a)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "approve", actor=kjt)

    assert str(MESSAGE_ART25) in excinfo.value.messages
    assert Center.objects.get(pk=center.pk).name == OLD_NAME
    assert reload(change).state == S.SUPERVISOR_APPROVED


def test_art25_new_name_taken_by_another_center_is_refused_at_submit(
    make_change, center, other_center, unit_a
):
    change = make_change(K.NAME, S.DRAFT, proposed_value=other_center.name)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert str(services.MESSAGE_NAME_TAKEN % {"name": other_center.name}) in excinfo.value.messages
    assert reload(change).state == S.DRAFT


def test_art25_new_name_taken_meanwhile_is_refused_at_approval_with_the_message(
    make_change, center, unit_b, mianyang, kjt, login
):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)
    # Another center took the name after chengdu forwarded the request.
    CenterFactory(name=NEW_NAME, lead_unit=unit_b.organization, supervisor=mianyang.organization)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "approve", actor=kjt)
    assert str(services.MESSAGE_NAME_TAKEN % {"name": NEW_NAME}) in excinfo.value.messages

    response = login(kjt).post(
        f"/changes/{change.pk}/transitions/approve/",
        {"comment": "同意。", "expected_state": "supervisor_approved"},
    )
    assert response.status_code == 400
    assert escape(zh(services.MESSAGE_NAME_TAKEN) % {"name": NEW_NAME}) in body(response)
    assert Center.objects.get(pk=center.pk).name == OLD_NAME
    assert reload(change).state == S.SUPERVISOR_APPROVED
    assert not CenterHistory.objects.exists()


def test_art12_new_director_not_full_time_is_refused_at_submit(make_change, unit_a):
    change = make_change(K.DIRECTOR, S.DRAFT, proposed_director_full_time=False)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert "Art. 12: the new director must work for the center full-time." in excinfo.value.messages
    assert reload(change).state == S.DRAFT


def test_art12_new_director_not_full_time_is_refused_at_approval(center, unit_a, kjt):
    change = ChangeRequest.objects.create(
        center=center,
        kind=K.DIRECTOR,
        proposed_value=NEW_DIRECTOR,
        proposed_director_full_time=False,
        reason=REASON,
        created_by=unit_a,
        state=S.SUPERVISOR_APPROVED,
    )
    attach_resolution(change, unit_a)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "approve", actor=kjt)

    assert "Art. 12: the new director must work for the center full-time." in excinfo.value.messages
    assert Center.objects.get(pk=center.pk).director_name == OLD_DIRECTOR


def test_art12_submit_button_shows_why_it_is_blocked(make_change, unit_a, login):
    change = make_change(K.DIRECTOR, S.DRAFT, proposed_director_full_time=False)

    html = body(login(unit_a).get(f"/changes/{change.pk}/"))

    assert re.search(r'<button[^>]* disabled aria-describedby="blocked-submit" data-action="submit">', html)
    blocked = re.search(r'id="blocked-submit">(.*?)</div>', html, re.S).group(1)
    assert escape(zh("Art. 12: the new director must work for the center full-time.")) in blocked


# --- Art. 11, 20: the board's resolution and the written reason ---------------------------------


def test_art20_board_resolution_is_required_to_submit(make_change, unit_a):
    change = make_change(K.NAME, S.DRAFT, resolution=False)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)
    assert "Attach the board's resolution on the change (Art. 11)." in excinfo.value.messages
    assert reload(change).state == S.DRAFT

    attach_resolution(change, unit_a)
    perform(change, "submit", actor=unit_a)
    assert reload(change).state == S.SUBMITTED


def test_art20_a_supporting_document_is_not_the_board_resolution(make_change, unit_a):
    change = make_change(K.NAME, S.DRAFT, resolution=False)
    upload = SimpleUploadedFile("说明.pdf", minimal_pdf("Supporting"), content_type="application/pdf")
    attachment_add(owner=change, kind="supporting", upload=upload, mime_type="application/pdf", user=unit_a)

    with pytest.raises(ValidationError):
        perform(change, "submit", actor=unit_a)

    assert reload(change).state == S.DRAFT


def test_art20_board_resolution_is_still_required_at_approval(make_change, center, kjt):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)
    change.attachments.all().delete()

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "approve", actor=kjt)

    assert "Attach the board's resolution on the change (Art. 11)." in excinfo.value.messages
    assert Center.objects.get(pk=center.pk).name == OLD_NAME


def test_art20_written_reason_is_required_to_submit(make_change, unit_a):
    change = make_change(K.NAME, S.DRAFT, reason=" ")

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert "Art. 20: give the reason for the change in writing." in excinfo.value.messages


def test_art20_center_uploads_the_board_resolution_on_the_change_page(make_change, unit_a, login):
    change = make_change(K.NAME, S.DRAFT, resolution=False)
    upload = SimpleUploadedFile(
        "理事会决议.pdf", minimal_pdf("Board resolution"), content_type="application/pdf"
    )

    response = login(unit_a).post(
        f"/changes/{change.pk}/attachments/", {"kind": "board_resolution", "file": upload}
    )

    assert response.status_code == 302
    assert change.attachments.get().kind == "board_resolution"
    perform(change, "submit", actor=unit_a)
    assert reload(change).state == S.SUBMITTED


def test_art20_submitted_request_can_no_longer_be_edited_or_given_files(make_change, unit_a, login):
    change = make_change(K.NAME, S.SUBMITTED)
    client = login(unit_a)
    upload = SimpleUploadedFile("补充.pdf", minimal_pdf("More"), content_type="application/pdf")

    edit = client.post(
        f"/changes/{change.pk}/edit/",
        {"kind": K.NAME, "proposed_value": "四川省别的技术创新中心", "reason": REASON},
    )
    files = client.post(f"/changes/{change.pk}/attachments/", {"kind": "supporting", "file": upload})

    assert edit.status_code == 302 and files.status_code == 302
    assert reload(change).proposed_value == NEW_NAME
    assert change.attachments.count() == 1


# --- Art. 20: one open request per kind per center ------------------------------------------------


def test_art20_only_one_open_request_per_kind_the_form_says_so(make_change, center, unit_a, login):
    make_change(K.NAME, S.SUBMITTED)

    response = login(unit_a).post(
        f"/centers/{center.pk}/changes/new/",
        {"kind": K.NAME, "proposed_value": "四川省先进催化与绿色化工技术创新中心", "reason": REASON},
    )

    assert response.status_code == 400
    message = "This center already has an open change request of this kind: finish or withdraw it first."
    assert escape(zh(message)) in body(response)
    assert ChangeRequest.objects.filter(center=center).count() == 1


def test_art20_another_kind_may_be_open_at_the_same_time(make_change, center, unit_a, login):
    make_change(K.NAME, S.SUBMITTED)

    response = login(unit_a).post(
        f"/centers/{center.pk}/changes/new/",
        {"kind": K.REGISTERED_LOCATION, "proposed_value": NEW_ADDRESS, "reason": REASON},
    )

    assert response.status_code == 302
    assert ChangeRequest.objects.filter(center=center, kind=K.REGISTERED_LOCATION, state=S.DRAFT).exists()


def test_art20_only_one_open_request_per_kind_in_the_database(make_change, center, unit_a):
    make_change(K.NAME, S.RETURNED)

    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.create(
            center=center, kind=K.NAME, proposed_value=NEW_NAME, reason=REASON, created_by=unit_a
        )

    # Decided and withdrawn requests do not count.
    for state in (S.APPROVED, S.REJECTED, S.WITHDRAWN, S.CANCELLED):
        ChangeRequest.objects.create(
            center=center,
            kind=K.DIRECTION,
            proposed_value=NEW_DIRECTION,
            reason=REASON,
            created_by=unit_a,
            state=state,
        )
    ChangeRequest.objects.create(
        center=center, kind=K.DIRECTION, proposed_value=NEW_DIRECTION, reason=REASON, created_by=unit_a
    )


def test_art20_two_centers_may_each_have_an_open_request_of_the_same_kind(
    make_change, other_center, unit_b, mianyang, kjt
):
    make_change(K.REGISTERED_LOCATION, S.SUBMITTED)

    make_change(
        K.REGISTERED_LOCATION,
        S.SUBMITTED,
        on=other_center,
        actors={"center": unit_b, "supervisor": mianyang, "department": kjt},
    )

    assert ChangeRequest.objects.filter(state=S.SUBMITTED).count() == 2


# --- Art. 5.2, 20: a revoked center changes nothing -------------------------------------------------


def test_art20_revoked_center_cannot_submit_a_change(center, unit_a, kjt, login):
    perform(center, "revoke", actor=kjt, comment="运行主体法人实体已注销。")
    change = ChangeRequest.objects.create(
        center=center, kind=K.NAME, proposed_value=NEW_NAME, reason=REASON, created_by=unit_a
    )
    attach_resolution(change, unit_a)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert "Art. 20: only a center in construction and operation can change." in excinfo.value.messages
    assert reload(change).state == S.DRAFT
    response = login(unit_a).post(
        f"/centers/{center.pk}/changes/new/",
        {"kind": K.DIRECTOR, "proposed_value": NEW_DIRECTOR, "reason": REASON},
    )
    assert response.status_code == 302
    assert not ChangeRequest.objects.filter(kind=K.DIRECTOR).exists()


# --- two 科技厅 users approve the same request at once (PostgreSQL row locks) ------------------------


class Approve:
    """One 科技厅 user pressing “approve” on their own freshly loaded copy of the request."""

    def __init__(self, change_pk, user_pk):
        self.change_pk, self.user_pk = change_pk, user_pk

    def prepare(self):
        return ChangeRequest.objects.get(pk=self.change_pk), User.objects.get(pk=self.user_pk)

    def act(self, prepared):
        change, user = prepared
        return perform(change, "approve", actor=user, comment="同意变更。")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_art20_two_department_users_approving_at_once_apply_the_change_once(make_change, center, kjt):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)
    colleague = UserFactory(organization=kjt.organization, role=Role.DEPARTMENT)

    outcomes = race(Approve(change.pk, kjt.pk), Approve(change.pk, colleague.pk))

    won = [o for o in outcomes if isinstance(o, ChangeRequest)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1 and isinstance(lost[0], TransitionNotAllowed), outcomes
    assert str(lost[0]) == str(MESSAGE_STALE % {"object": "change request", "state": "Approved"})
    assert Center.objects.get(pk=center.pk).name == NEW_NAME
    assert CenterHistory.objects.filter(center=center).count() == 1
    notice = notices_on(change).get()
    assert NUMBER.match(notice.number), notice.number
    assert NoticeCounter.objects.get().last == 1  # one number allocated
    assert StateLog.objects.for_(change).filter(transition="approve").count() == 1
    assert reload(change).previous_value == OLD_NAME


# --- who may open the change pages -------------------------------------------------------------------


@pytest.fixture
def expert(db):
    return ExpertFactory(username="expert1")


def status(client, url) -> int:
    return client.get(url).status_code


@pytest.mark.parametrize(
    ("who", "detail", "edit", "new"),
    [
        ("unit_a", 200, 200, 200),  # the center's own users
        ("chengdu", 404, 404, 403),  # its supervisor does not see drafts
        ("kjt", 404, 404, 403),  # nor does 科技厅
        ("unit_b", 404, 404, 404),  # another unit
        ("mianyang", 404, 404, 404),  # another supervisor
        ("expert", 404, 404, 404),  # a wrong role
    ],
)
def test_art20_draft_request_pages_are_the_centers_own(
    request, make_change, center, client, who, detail, edit, new
):
    change = make_change(K.NAME, S.DRAFT)
    client.force_login(request.getfixturevalue(who))

    assert status(client, f"/changes/{change.pk}/") == detail
    assert status(client, f"/changes/{change.pk}/edit/") == edit
    assert status(client, f"/centers/{center.pk}/changes/new/") == new


@pytest.mark.parametrize(
    ("who", "detail", "edit", "approve_form"),
    [
        ("unit_a", 200, 302, 403),  # sees it; cannot edit what is forwarded; cannot decide
        ("chengdu", 200, 403, 403),
        ("kjt", 200, 403, 200),  # 科技厅 opens the decision page
        ("unit_b", 404, 404, 404),
        ("mianyang", 404, 404, 404),
        ("jxt", 404, 404, 404),
        ("expert", 404, 404, 404),
    ],
)
def test_art20_forwarded_request_pages_by_role(request, make_change, client, who, detail, edit, approve_form):
    change = make_change(K.NAME, S.SUPERVISOR_APPROVED)
    client.force_login(request.getfixturevalue(who))

    assert status(client, f"/changes/{change.pk}/") == detail
    assert status(client, f"/changes/{change.pk}/edit/") == edit
    assert status(client, f"/changes/{change.pk}/transitions/approve/") == approve_form


def test_art20_anonymous_visitors_are_sent_to_log_in(make_change, center, client):
    change = make_change(K.NAME, S.SUBMITTED)

    for url in (
        f"/changes/{change.pk}/",
        f"/changes/{change.pk}/edit/",
        f"/changes/{change.pk}/transitions/supervisor_approve/",
        f"/centers/{center.pk}/changes/new/",
        "/changes/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    response = client.post(
        f"/changes/{change.pk}/transitions/supervisor_approve/", {"expected_state": "submitted"}
    )
    assert response.status_code == 302
    assert reload(change).state == S.SUBMITTED


def test_art20_files_of_a_request_open_only_for_those_who_see_it(
    make_change, client, unit_a, unit_b, chengdu, mianyang
):
    change = make_change(K.NAME, S.SUBMITTED)
    resolution = change.attachments.get()

    for user, expected in ((unit_a, 200), (chengdu, 200), (unit_b, 404), (mianyang, 404)):
        client.force_login(user)
        assert client.get(f"/files/{resolution.pk}/").status_code == expected, user.username


# --- /changes/: the list and its export ---------------------------------------------------------


@pytest.fixture
def spread(make_change, other_center, unit_b, mianyang, kjt):
    """unit_a's requests (draft, submitted, approved) and unit_b's (draft, supervisor_approved)."""
    b = {"center": unit_b, "supervisor": mianyang, "department": kjt}
    return {
        "a_draft": make_change(K.DIRECTION, S.DRAFT),
        "a_submitted": make_change(K.REGISTERED_LOCATION, S.SUBMITTED),
        "a_approved": make_change(K.NAME, S.APPROVED),
        "b_draft": make_change(K.STRUCTURE, S.DRAFT, on=other_center, actors=b),
        "b_forwarded": make_change(K.DIRECTION, S.SUPERVISOR_APPROVED, on=other_center, actors=b),
    }


def listed(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/changes/(\d+)/"', html)}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("unit_a", {"a_draft", "a_submitted", "a_approved"}),
        ("unit_b", {"b_draft", "b_forwarded"}),
        ("chengdu", {"a_submitted", "a_approved"}),
        ("mianyang", {"b_forwarded"}),
        ("jxt", set()),
        ("kjt", {"a_submitted", "a_approved", "b_forwarded"}),
        ("expert", set()),
    ],
)
def test_art20_change_list_shows_only_the_users_requests(request, spread, client, who, expected):
    client.force_login(request.getfixturevalue(who))

    response = client.get("/changes/")

    assert response.status_code == 200
    assert listed(body(response)) == {spread[key].pk for key in expected}


def test_art20_change_list_filters_by_state_and_kind(spread, client, kjt):
    client.force_login(kjt)

    assert listed(body(client.get("/changes/?state=approved"))) == {spread["a_approved"].pk}
    assert listed(body(client.get("/changes/?kind=direction"))) == {spread["b_forwarded"].pk}
    # A filter never widens the scope: kjt does not see unit_b's draft even when asking for drafts.
    assert listed(body(client.get("/changes/?state=draft"))) == set()


@pytest.fixture
def export_changes(client, django_capture_on_commit_callbacks):
    """``export_changes(user, params)`` → rows of the Excel file, as dicts keyed by the header."""

    def run(user, params=""):
        client.force_login(user)
        with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
            response = client.post("/exports/new/changes/", {"params": params})
        export = Export.objects.filter(user=user).latest("pk")
        assert response.status_code == 302
        download = client.get(f"/exports/{export.pk}/download/")
        assert download.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
        header = [cell.value for cell in sheet[1]]
        return [
            dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)
        ]

    return run


@pytest.mark.parametrize(
    ("who", "params", "expected"),
    [
        ("unit_a", "", {"a_draft", "a_submitted", "a_approved"}),
        ("chengdu", "", {"a_submitted", "a_approved"}),
        ("mianyang", "", {"b_forwarded"}),
        ("kjt", "", {"a_submitted", "a_approved", "b_forwarded"}),
        ("kjt", "state=approved", {"a_approved"}),
        ("chengdu", "kind=direction", set()),  # unit_b's direction change is not chengdu's
    ],
)
def test_art20_change_export_holds_the_rows_of_the_list(
    request, spread, export_changes, who, params, expected
):
    rows = export_changes(request.getfixturevalue(who), params)

    center_col, kind_col, proposed_col = zh("Center"), zh("What is to change"), zh("Proposed")
    exported = {(row[center_col], row[kind_col], row[proposed_col]) for row in rows}
    with translation.override("zh-hans"):
        fresh = [ChangeRequest.objects.get(pk=spread[k].pk) for k in expected]
        wanted = {(c.center.name, c.get_kind_display(), c.proposal_text()) for c in fresh}
    assert exported == wanted


def test_art20_change_export_keeps_the_value_before_the_change(spread, export_changes, kjt):
    rows = export_changes(kjt, "state=approved")

    assert [row[zh("Value before the change")] for row in rows] == [OLD_NAME]


# --- /changes/ costs a constant number of queries ----------------------------------------------


@pytest.fixture
def grow_changes(unit_a, chengdu, new_lead):
    """``grow(n)``: n more centers of unit_a under chengdu, each with a decided request of every kind
    (lead unit changes name the new lead unit, drawn in the list)."""
    counter = {"n": 0}

    def grow(n):
        for _ in range(n):
            i = counter["n"] = counter["n"] + 1
            on = CenterFactory(
                name=f"四川省列表{i:03d}技术创新中心",
                lead_unit=unit_a.organization,
                supervisor=chengdu.organization,
            )
            kind = [K.LEAD_UNIT, K.NAME, K.DIRECTOR][i % 3]
            ChangeRequest.objects.create(
                center=on,
                kind=kind,
                proposed_value="" if kind == K.LEAD_UNIT else f"拟变更{i:03d}",
                proposed_lead_unit=OrganizationFactory(name=f"新牵头单位{i:03d}")
                if kind == K.LEAD_UNIT
                else None,
                reason=REASON,
                created_by=unit_a,
                state=S.SUBMITTED,
            )

    return grow


@pytest.mark.parametrize("who", ["unit_a", "chengdu", "kjt"])
@pytest.mark.parametrize("params", ["", "?kind=lead_unit", "?state=submitted"])
def test_art20_change_list_queries_do_not_grow_with_rows(
    request, grow_changes, client, settings, who, params
):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}
    client.force_login(request.getfixturevalue(who))
    url = f"/changes/{params}"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], body(response)

    grow_changes(5)
    client.get(url)  # warm caches (content types, sessions)
    few, _sql, few_html = count()
    grow_changes(45)
    many, many_sql, many_html = count()
    if few != many:
        print("\n".join(many_sql))
    assert few == many, f"{url}: {few} queries with 5 rows, {many} with 50 (SQL printed above)"
    assert len(listed(many_html)) > len(listed(few_html)) > 0
