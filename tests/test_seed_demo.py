"""``manage.py seed_demo`` (DESIGN.md "Demo data"): the named users with the published password,
at least one intent application in every state, a center with a current cycle; idempotent; refuses
to run with DEBUG off unless --force; ``--scale N`` adds N centers. The output is a line of
summary and the demo-login table. Each seed run takes seconds, so the tests are few and check much
per run. tests/test_seed_rerun.py seeds again after users worked on the demo objects."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Organization, User
from accounts.regions import Region
from applications.models import IntentApplication
from centers.models import Center
from experts.models import ExpertProfile
from sctic.models import DemoObject

PASSWORD = "demo-pass-2026"

ROLES = {
    "kjt": "department",
    "chengdu": "supervisor",
    "mianyang": "supervisor",
    "jxt": "supervisor",
    "unit_a": "applicant",
    "unit_b": "applicant",
    **{f"expert{i}": "expert" for i in range(1, 8)},
}


def seed(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def assert_short_with_logins_at_the_end(output: str, site_url: str) -> None:
    """What a newcomer reads: a line of summary, then the demo logins and where to use them."""
    lines = output.strip().splitlines()
    assert lines[0].startswith("Demo data"), lines[0]
    assert len(lines) <= 25, output
    assert f"Demo logins (password for all: {PASSWORD}) at {site_url}/accounts/login/" in lines
    assert lines[-1].split()[0] == "expert7"
    assert "succeeded" not in output


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_creates_the_named_users_every_state_and_is_idempotent(settings, capfd):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8101"
    output = seed()
    assert_short_with_logins_at_the_end(output, "http://127.0.0.1:8101")
    assert "Demo data: seeded" in output

    # The users of DESIGN.md, all with the published password and their role group.
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(PASSWORD)
    for username, role in ROLES.items():
        user = User.objects.get(username=username)
        assert user.check_password(PASSWORD), username
        assert list(user.groups.values_list("name", flat=True)) == [role], username
        assert user.organization is not None, username
        assert username in output
    assert PASSWORD in output

    users = {u.username: u for u in User.objects.select_related("organization")}
    assert users["kjt"].organization.kind == Organization.Kind.DEPARTMENT
    assert users["chengdu"].organization.kind == Organization.Kind.MUNICIPAL_BUREAU
    assert users["chengdu"].organization.region == Region.CHENGDU
    assert users["mianyang"].organization.kind == Organization.Kind.MUNICIPAL_BUREAU
    assert users["mianyang"].organization.region == Region.MIANYANG
    assert users["jxt"].organization.kind == Organization.Kind.PROVINCIAL_DEPT
    assert users["unit_a"].organization.kind == Organization.Kind.UNIT
    assert users["unit_a"].organization.region == Region.CHENGDU
    assert users["unit_b"].organization.region == Region.MIANYANG
    experts = [users[f"expert{i}"] for i in range(1, 8)]
    assert ExpertProfile.objects.filter(user__in=experts).count() == 7
    from_unit_a = [e.username for e in experts if e.organization_id == users["unit_a"].organization_id]
    assert from_unit_a == ["expert7"]

    # At least one intent application in every state, each walked through the workflow.
    states = set(IntentApplication.objects.values_list("state", flat=True))
    assert states == set(IntentApplication.State.values)
    approved = IntentApplication.objects.get(state=IntentApplication.State.APPROVED)
    assert approved.center.cycles.filter(number=1).exists()
    assert any(cycle.is_current for center in Center.objects.all() for cycle in center.cycles.all())

    # Running it again changes nothing, and says so.
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert_short_with_logins_at_the_end(output, "http://127.0.0.1:8101")
    assert "nothing added" in output

    # A database seeded before the registry of demo objects existed: the seed finds its objects
    # (by credit code, username …) and registers them instead of creating them again.
    DemoObject.objects.all().delete()
    output = seed()
    assert row_counts() == before
    assert DemoObject.objects.filter(adopted=True).count() == before["sctic.DemoObject"]
    assert f"registered the {before['sctic.DemoObject']} objects of an earlier seed" in output

    # Nothing of the background work leaked to the console either.
    captured = capfd.readouterr()
    assert "succeeded" not in captured.out + captured.err


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_and_scale_adds_centers_with_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.exists()

    seed("--force", "--scale", "3")
    assert User.objects.filter(username__in=[*ROLES, "admin"]).count() == len(ROLES) + 1
    added = Center.objects.filter(name__startswith="四川省基准")
    assert added.count() == 3
    before = Center.objects.count()
    seed("--force", "--scale", "2")
    assert Center.objects.count() == before + 2
    for center in added:
        assert [cycle.is_current for cycle in center.cycles.all()] == [True]
