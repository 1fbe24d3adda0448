"""Art. 10.3 and Art. 21: experts are drawn from the pool, and nobody from a party judges.

An expert taken out of the pool (profile marked out of the pool, account deactivated, or no longer
in the expert group) cannot be assigned, and a co-builder is a party whether it is matched to a
portal organization by name or by its unified social credit code. The rule lives in
``experts.selectors.candidates`` / ``experts.services.checked_experts``, which serve consultation
and evaluation alike.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.credit_code import check_character
from accounts.roles import Role
from applications.models import CoBuilder, IntentApplication
from applications.selectors import consultation_candidates
from experts.forms import ChooseExpertsForm as StartReviewForm
from experts.selectors import candidates
from experts.services import checked_experts
from sctic.workflow import perform
from tests.factories import ExpertFactory, OrganizationFactory

S = IntentApplication.State


pytestmark = pytest.mark.usefixtures("english")


def reload(app):
    return IntentApplication.objects.get(pk=app.pk)


def _take_out_by_profile(expert):
    expert.expert_profile.active = False
    expert.expert_profile.save()


def _take_out_by_account(expert):
    expert.is_active = False
    expert.save()


def _take_out_by_group(expert):
    expert.groups.remove(Group.objects.get(name=Role.EXPERT))


TAKE_OUT = {
    "profile_out_of_pool": _take_out_by_profile,
    "account_deactivated": _take_out_by_account,
    "no_longer_expert": _take_out_by_group,
}


@pytest.mark.parametrize("how", list(TAKE_OUT))
def test_art10_3_expert_taken_out_of_the_pool_cannot_be_assigned(make_application, kjt, experts, how):
    app = make_application("recommended")
    gone = ExpertFactory()
    TAKE_OUT[how](gone)

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=[*experts[:2], gone])

    errors = excinfo.value.message_dict["experts"]
    assert len(errors) == 1
    assert str(gone) in errors[0]
    assert reload(app).state == S.RECOMMENDED
    assert not app.expert_reviews.exists()
    assert gone.pk not in {c.user.pk for c in consultation_candidates(app)}


def test_art10_3_expert_taken_out_of_the_pool_is_not_offered(make_application, experts):
    app = make_application("recommended")
    gone = ExpertFactory()
    _take_out_by_profile(gone)

    form = StartReviewForm(obj=app)

    offered = {value for value, _label in form.fields["experts"].choices}
    assert gone.pk not in offered
    assert experts[0].pk in offered


def test_art10_3_cobuilder_matched_by_credit_code_is_a_conflict(make_application, kjt, experts):
    """The co-builder is registered in the portal under another name (e.g. its full registered
    name); its unified social credit code still identifies it."""
    app = make_application("recommended")
    registered = OrganizationFactory(name="四川省测试研究所有限责任公司")
    CoBuilder.objects.create(
        application=app,
        name="测试研究所",
        kind=CoBuilder.Kind.INSTITUTE,
        credit_code=registered.credit_code,
    )
    conflicted = ExpertFactory(organization=registered)

    by_pk = {c.user.pk: c for c in consultation_candidates(app)}
    assert registered.name in by_pk[conflicted.pk].conflict
    with pytest.raises(ValidationError) as excinfo:
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=[*experts[:2], conflicted])

    errors = excinfo.value.message_dict["experts"]
    assert len(errors) == 1
    assert str(conflicted) in errors[0]
    assert registered.name in errors[0]
    assert reload(app).state == S.RECOMMENDED


def test_art10_3_cobuilder_credit_code_matches_whatever_its_case(make_application):
    """A code stored in lower case (an import, an old record) still identifies the co-builder."""
    app = make_application("recommended")
    code = "91510100MA61R0XK5"
    registered = OrganizationFactory(
        name="四川省测试材料研究院有限公司", credit_code=code + check_character(code)
    )
    cobuilder = CoBuilder.objects.create(application=app, name="测试材料院", kind=CoBuilder.Kind.INSTITUTE)
    CoBuilder.objects.filter(pk=cobuilder.pk).update(credit_code=registered.credit_code.lower())
    conflicted = ExpertFactory(organization=registered)

    by_pk = {c.user.pk: c for c in consultation_candidates(app)}
    assert registered.name in by_pk[conflicted.pk].conflict


def test_art21_the_shared_mechanism_matches_parties_by_credit_code(experts):
    """What consultation uses is what evaluation uses: ``candidates`` itself knows credit codes."""
    registered = OrganizationFactory(name="四川省测试检测中心有限公司")
    conflicted = ExpertFactory(organization=registered)

    pool = candidates(
        field=experts[0].expert_profile.field,
        parties={},
        party_names={"测试检测中心"},
        party_credit_codes={registered.credit_code},
    )

    by_pk = {c.user.pk: c for c in pool}
    assert registered.name in by_pk[conflicted.pk].conflict
    assert not by_pk[experts[0].pk].conflict
    with pytest.raises(ValidationError) as excinfo:
        checked_experts([experts[0], conflicted], pool, minimum=1, too_few="%(count)d")
    assert len(excinfo.value.message_dict["experts"]) == 1


def test_art21_expert_out_of_the_pool_is_refused_by_the_shared_check(experts):
    pool = candidates(field=experts[0].expert_profile.field, parties={}, party_names=set())
    gone = experts[2]
    _take_out_by_profile(gone)

    with pytest.raises(ValidationError) as excinfo:
        checked_experts([experts[0], gone], pool, minimum=1, too_few="%(count)d")

    errors = excinfo.value.message_dict["experts"]
    assert len(errors) == 1
    assert str(gone) in errors[0]
