"""Art. 20: a change request asks to change the center's name, registered location or another major
matter. A request that proposes what the center already has changes nothing: it is refused when
the center submits it and when 科技厅 would approve it (the center may have changed meanwhile), for
every kind that has a current value, also when the proposal differs only in spacing, line breaks
or full-width characters, with a message that says so; the form says it before the draft is
saved. Nothing is applied and no history is written."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.html import escape

from attachments.services import attachment_add
from centers.forms import ChangeRequestForm
from centers.models import MESSAGE_NO_CHANGE, Center, CenterCoBuilder, CenterHistory, ChangeRequest
from notices.models import Notice
from sctic.demo import minimal_pdf
from sctic.workflow import perform
from tests.factories import CenterFactory, OrganizationFactory

K = ChangeRequest.Kind
S = ChangeRequest.State

NAME = "四川省先进催化材料技术创新中心"
ADDRESS = "成都市高新区天府大道北段1480号"
DIRECTOR = "杨建国"
DIRECTION = "聚焦催化材料关键技术。\n推动工程化应用。"
STRUCTURE = "综合管理部、研发部。"
COBUILDERS = ["四川大学", "中国科学院成都有机化学研究所"]
REASON = "理事会决议申请变更。"


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def center(unit_a, chengdu):
    made = CenterFactory(
        name=NAME,
        lead_unit=unit_a.organization,
        supervisor=chengdu.organization,
        registered_address=ADDRESS,
        director_name=DIRECTOR,
        director_full_time=True,
        research_direction=DIRECTION,
        organisation_structure=STRUCTURE,
    )
    for name in COBUILDERS:
        CenterCoBuilder.objects.create(center=made, name=name, role="共性技术研究")
    return made


def same_as_now(center) -> dict:
    """For each kind, a proposal of exactly what the center has now."""
    return {
        K.NAME: {"proposed_value": NAME},
        K.REGISTERED_LOCATION: {"proposed_value": ADDRESS},
        K.DIRECTOR: {"proposed_value": DIRECTOR, "proposed_director_full_time": True},
        K.LEAD_UNIT: {"proposed_lead_unit": center.lead_unit, "proposed_cobuilders": "\n".join(COBUILDERS)},
        K.DIRECTION: {"proposed_value": DIRECTION},
        K.STRUCTURE: {"proposed_value": STRUCTURE},
    }


# The same values as typed in a browser: CRLF line breaks, stray and doubled spaces, full-width
# digits and spaces, co-builders in another order or with the lead unit left empty.
AS_TYPED = {
    K.NAME: {"proposed_value": f"  {NAME}\u3000"},
    K.REGISTERED_LOCATION: {"proposed_value": "成都市高新区天府大道北段１４８０号 "},
    K.DIRECTOR: {"proposed_value": " 杨建国", "proposed_director_full_time": True},
    K.LEAD_UNIT: {
        "proposed_lead_unit": None,
        "proposed_cobuilders": "\r\n".join(reversed(COBUILDERS)) + "\r\n",
    },
    K.DIRECTION: {"proposed_value": "聚焦催化材料关键技术。 \r\n\r\n  推动工程化应用。\r\n"},
    K.STRUCTURE: {"proposed_value": "综合管理部、研发部。\r\n"},
}

KINDS = list(AS_TYPED)


def attach_resolution(change, user):
    upload = SimpleUploadedFile(
        "理事会决议.pdf", minimal_pdf("Board resolution"), content_type="application/pdf"
    )
    attachment_add(
        owner=change,
        kind=ChangeRequest.AttachmentKind.BOARD_RESOLUTION,
        upload=upload,
        mime_type="application/pdf",
        user=user,
    )


def make(center, user, kind, state=S.DRAFT, **fields):
    change = ChangeRequest.objects.create(
        center=center, kind=kind, reason=REASON, created_by=user, state=state, **fields
    )
    attach_resolution(change, user)
    return change


def snapshot(center):
    center = Center.objects.get(pk=center.pk)
    return (
        [getattr(center, f) for f in Center.IDENTITY_FIELDS if f not in ("lead_unit", "supervisor")],
        center.lead_unit_id,
        sorted(center.cobuilders.values_list("name", flat=True)),
    )


def refused(excinfo) -> bool:
    return any(m.startswith(str(MESSAGE_NO_CHANGE).split("%", 1)[0]) for m in excinfo.value.messages)


@pytest.mark.parametrize("kind", KINDS)
def test_art20_change_to_the_current_value_is_refused_at_submit(center, unit_a, kind):
    change = make(center, unit_a, kind, **same_as_now(center)[kind])

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert refused(excinfo), excinfo.value.messages
    assert ChangeRequest.objects.get(pk=change.pk).state == S.DRAFT


@pytest.mark.parametrize("kind", KINDS)
def test_art20_change_to_the_current_value_as_typed_is_refused_at_submit(center, unit_a, kind):
    change = make(center, unit_a, kind, **AS_TYPED[kind])

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert refused(excinfo), excinfo.value.messages
    assert ChangeRequest.objects.get(pk=change.pk).state == S.DRAFT


@pytest.mark.parametrize("kind", KINDS)
def test_art20_change_to_the_current_value_is_refused_at_approval(center, unit_a, kjt, kind):
    """Forwarded by the supervisor, then found to change nothing: 科技厅 cannot apply it."""
    change = make(center, unit_a, kind, S.SUPERVISOR_APPROVED, **AS_TYPED[kind])
    before = snapshot(center)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "approve", actor=kjt)

    assert refused(excinfo), excinfo.value.messages
    assert ChangeRequest.objects.get(pk=change.pk).state == S.SUPERVISOR_APPROVED
    assert snapshot(center) == before
    assert not CenterHistory.objects.exists()
    assert not Notice.objects.exists()


def test_art20_lead_unit_alone_proposed_as_it_is_changes_nothing(center, unit_a):
    change = make(center, unit_a, K.LEAD_UNIT, proposed_lead_unit=center.lead_unit)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert refused(excinfo), excinfo.value.messages


def test_art20_message_names_the_current_value(center, unit_a):
    change = make(center, unit_a, K.REGISTERED_LOCATION, proposed_value=ADDRESS)

    with pytest.raises(ValidationError) as excinfo:
        perform(change, "submit", actor=unit_a)

    assert str(MESSAGE_NO_CHANGE) % {"current": ADDRESS} in excinfo.value.messages


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (K.NAME, {"proposed_value": "四川省先进催化与过程强化技术创新中心"}),
        (K.REGISTERED_LOCATION, {"proposed_value": "成都市高新区天府大道北段1481号"}),
        (K.DIRECTION, {"proposed_value": "聚焦催化材料关键技术。\n推动产业化应用。"}),
        (K.LEAD_UNIT, {"proposed_lead_unit": None, "proposed_cobuilders": "四川大学\n西南石油大学"}),
        (K.OTHER, {"proposed_value": "引入产业基金增资扩股。"}),
    ],
)
def test_art20_a_real_change_is_still_submitted(center, unit_a, kind, fields):
    change = make(center, unit_a, kind, **fields)

    perform(change, "submit", actor=unit_a)

    assert ChangeRequest.objects.get(pk=change.pk).state == S.SUBMITTED


def test_art12_same_director_becoming_full_time_is_a_change(center, unit_a):
    """The director's full-time status is part of the director kind: the same person who now
    works for the center full-time (Art. 12) is a change, not the current value."""
    Center.objects.filter(pk=center.pk).update(director_full_time=False)
    change = make(center, unit_a, K.DIRECTOR, proposed_value=DIRECTOR, proposed_director_full_time=True)

    perform(change, "submit", actor=unit_a)

    assert ChangeRequest.objects.get(pk=change.pk).state == S.SUBMITTED


def test_art20_lead_unit_of_another_organization_is_a_change(center, unit_a):
    change = make(
        center, unit_a, K.LEAD_UNIT, proposed_lead_unit=OrganizationFactory(name="四川催化科技集团")
    )

    perform(change, "submit", actor=unit_a)

    assert ChangeRequest.objects.get(pk=change.pk).state == S.SUBMITTED


@pytest.mark.parametrize("kind", KINDS)
def test_art20_form_refuses_a_proposal_of_the_current_value(center, kind):
    fields = {key: (value.pk if hasattr(value, "pk") else value) for key, value in AS_TYPED[kind].items()}
    data = {"kind": kind, "reason": REASON, **{k: ("" if v is None else v) for k, v in fields.items()}}
    if data.get("proposed_director_full_time") is True:
        data["proposed_director_full_time"] = "on"

    form = ChangeRequestForm(data=data, center=center)

    assert not form.is_valid()
    assert any(m.startswith(str(MESSAGE_NO_CHANGE).split("%", 1)[0]) for m in sum(form.errors.values(), []))


def test_art20_change_page_shows_why_submit_is_blocked(center, unit_a, login):
    change = make(center, unit_a, K.NAME, proposed_value=NAME)

    html = login(unit_a).get(f"/changes/{change.pk}/").content.decode()

    with translation.override("zh-hans"):
        message = str(MESSAGE_NO_CHANGE) % {"current": NAME}
    assert escape(message) in html
