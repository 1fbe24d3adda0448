"""Art. 10.2: the supervisor ranks its recommendations of a year; which ranks are taken.

A rank is held by a recommendation while its application is recommended or decided on. An
application declined, withdrawn or returned to cultivation frees its rank. The rank check of
``recommend`` and the free rank the recommend form proposes use one definition
(``applications.selectors.taken_ranks``), so they never disagree.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications.forms import RecommendForm
from applications.models import IntentApplication, Recommendation
from applications.selectors import next_free_rank, taken_ranks
from sctic.demo import cultivate
from sctic.workflow import perform

S = IntentApplication.State
OPINION = "培育期间完成了建设运行方案和理事会筹建，同意推荐。"
REASON = "请进一步完善建设运行方案中的利益分配机制。"


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def cultivated(make_application, unit_a):
    def make():
        app = make_application("cultivating")
        cultivate(app, unit_a)
        app.refresh_from_db()
        return app

    return make


def reload(app):
    return IntentApplication.objects.get(pk=app.pk)


def recommend(app, supervisor, rank):
    return perform(app, "recommend", actor=supervisor, opinion=OPINION, rank=rank)


def proposed_rank(app):
    return RecommendForm(obj=reload(app)).initial["rank"]


def free_its_rank(app, how, *, kjt, chengdu, unit_a):
    """Bring a recommended application to a state that no longer holds its rank."""
    perform(app, "return_for_revision", actor=kjt, comment=REASON)  # back to cultivation
    if how == "declined":
        perform(app, "decline", actor=chengdu, comment=REASON)
    elif how == "withdrawn":
        perform(app, "withdraw", actor=unit_a)
    assert reload(app).state == {"declined": S.DECLINED, "withdrawn": S.WITHDRAWN}.get(how, S.CULTIVATING)


HOW = ["declined", "withdrawn", "returned_to_cultivation"]


@pytest.mark.parametrize("how", HOW)
def test_art10_2_application_no_longer_recommended_frees_its_rank(cultivated, kjt, chengdu, unit_a, how):
    first, second = cultivated(), cultivated()
    recommend(first, chengdu, rank=1)
    year = timezone.localdate().year
    assert proposed_rank(second) == 2

    free_its_rank(first, how, kjt=kjt, chengdu=chengdu, unit_a=unit_a)

    # "free" (the form's proposal) and "checked" (the transition) agree: rank 1 is free again.
    assert not taken_ranks(chengdu.organization_id, year).exists()
    assert next_free_rank(chengdu.organization_id, year) == 1
    assert proposed_rank(second) == 1
    recommend(second, chengdu, rank=proposed_rank(second))
    assert reload(second).state == S.RECOMMENDED
    assert reload(second).recommendation.rank == 1


@pytest.mark.parametrize("state", ["recommended", "under_review", "approved", "rejected"])
def test_art10_2_recommended_or_decided_application_keeps_its_rank(
    make_application, cultivated, chengdu, state
):
    held = make_application(state)
    rank = held.recommendation.rank
    other = cultivated()

    assert proposed_rank(other) != rank
    with pytest.raises(ValidationError) as excinfo:
        recommend(other, chengdu, rank=rank)
    assert "rank" in excinfo.value.message_dict
    assert reload(other).state == S.CULTIVATING

    recommend(other, chengdu, rank=proposed_rank(other))
    assert reload(other).state == S.RECOMMENDED


def test_art10_2_proposed_rank_is_always_accepted(cultivated, kjt, chengdu, unit_a):
    """Ranks 1–3 given, rank 2 freed by a decline: the form proposes 2 and the check accepts it."""
    apps = [cultivated() for _ in range(4)]
    for rank, app in enumerate(apps[:3], start=1):
        recommend(app, chengdu, rank=rank)
    free_its_rank(apps[1], "declined", kjt=kjt, chengdu=chengdu, unit_a=unit_a)

    assert proposed_rank(apps[3]) == 2
    recommend(apps[3], chengdu, rank=2)
    assert reload(apps[3]).recommendation.rank == 2


def test_art10_2_returned_application_is_not_offered_a_rank_taken_meanwhile(cultivated, kjt, chengdu, unit_a):
    first, second = cultivated(), cultivated()
    recommend(first, chengdu, rank=1)
    perform(first, "return_for_revision", actor=kjt, comment=REASON)
    recommend(second, chengdu, rank=1)  # first's rank was free while it was in cultivation

    assert proposed_rank(first) == 2
    with pytest.raises(ValidationError):
        recommend(first, chengdu, rank=1)
    recommend(first, chengdu, rank=proposed_rank(first))
    assert Recommendation.objects.get(application=first).rank == 2


def test_art10_2_returned_application_is_offered_its_own_rank_back(cultivated, kjt, chengdu):
    first, _second = cultivated(), cultivated()
    recommend(first, chengdu, rank=3)
    perform(first, "return_for_revision", actor=kjt, comment=REASON)

    assert proposed_rank(first) == 3
