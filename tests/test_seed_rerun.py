"""`make run` a second time: ``seed_demo`` runs again on a database where users have worked on the
demo objects through the portal's workflow. It finds each seeded object by its demo key, not by a
name users can change, so it neither fails nor duplicates anything, and it keeps what users did.

`make run PORT=8101` makes SITE_URL (links in e-mails, the demo-login table) follow HOST and PORT
unless SITE_URL is set, and the seed's output stays a summary and the login table: no line per
background task. Those run in subprocesses, as `make run` runs them, with the real logging config.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organization, User
from applications.models import IntentApplication
from attachments.services import attachment_add
from centers.models import Center, CenterHistory, ChangeRequest
from reports.models import AnnualReport
from sctic.demo import minimal_pdf
from sctic.models import DemoObject
from sctic.workflow import perform
from tests.test_seed_demo import assert_short_with_logins_at_the_end, row_counts, seed
from tests.test_settings import BASE_DIR, _pytest_env_names

S = IntentApplication.State
SEEDED_NAME = "四川省智能制造装备技术创新中心"  # unit_b's center, supervised by mianyang
NEW_NAME = "四川省智能装备与机器人技术创新中心"
LEAD_UNIT = "西南智能制造研究院"  # unit_c's organization, lead unit of 四川省工业软件技术创新中心
LEAD_UNIT_NEW_NAME = "西南智能制造研究院有限公司"


def rename_through_an_approved_change_request(center, new_name):
    """Art. 20: the center applies, its supervisor and then 科技厅 approve; the name changes."""
    unit_b, mianyang, kjt = (User.objects.get(username=u) for u in ("unit_b", "mianyang", "kjt"))
    change = ChangeRequest.objects.create(
        center=center,
        kind=ChangeRequest.Kind.NAME,
        proposed_value=new_name,
        reason="研发领域拓展至机器人，理事会决议申请变更名称。",
        created_by=unit_b,
    )
    upload = SimpleUploadedFile(
        "理事会决议.pdf", minimal_pdf("Board resolution"), content_type="application/pdf"
    )
    attachment_add(
        owner=change, kind="board_resolution", upload=upload, mime_type="application/pdf", user=unit_b
    )
    perform(change, "submit", actor=unit_b)
    perform(change, "supervisor_approve", actor=mianyang)
    perform(change, "approve", actor=kjt, comment="同意变更。")


@pytest.mark.django_db
def test_seed_again_after_users_worked_on_the_demo_objects_changes_nothing(settings):
    settings.DEBUG = True
    seed()
    users = {u.username: u for u in User.objects.all()}

    # A center renamed through an approved Art. 20 change request.
    center = Center.objects.get(name=SEEDED_NAME)
    rename_through_an_approved_change_request(center, NEW_NAME)
    center.refresh_from_db()
    assert center.name == NEW_NAME
    assert CenterHistory.objects.filter(center=center, old_value=SEEDED_NAME, new_value=NEW_NAME).exists()

    # Applications walked on: one withdrawn, one resubmitted, a draft given another name.
    submitted = IntentApplication.objects.get(state=S.SUBMITTED)
    perform(submitted, "withdraw", actor=users["unit_b"])
    returned = IntentApplication.objects.get(state=S.RETURNED)
    perform(returned, "submit", actor=users["unit_a"])
    draft = IntentApplication.objects.get(state=S.DRAFT)
    draft.proposed_name = "四川省智能网联与自动驾驶技术创新中心"
    draft.save()

    # A report filed, and a seeded change request approved.
    report = AnnualReport.objects.get(year=2025, state="supervisor_approved")
    perform(report, "file", actor=users["kjt"])
    change = ChangeRequest.objects.get(state="supervisor_approved")
    perform(change, "approve", actor=users["kjt"], comment="同意变更。")

    # A lead unit's new name (edited in Django admin).
    lead = Organization.objects.get(name=LEAD_UNIT)
    lead.name = LEAD_UNIT_NEW_NAME
    lead.save()

    before = row_counts()
    output = seed()

    assert row_counts() == before
    assert Center.objects.get(pk=center.pk).name == NEW_NAME
    assert not Center.objects.filter(name=SEEDED_NAME).exists()
    assert Organization.objects.get(pk=lead.pk).name == LEAD_UNIT_NEW_NAME
    assert not Organization.objects.filter(name=LEAD_UNIT).exists()
    assert IntentApplication.objects.get(pk=submitted.pk).state == S.WITHDRAWN
    assert IntentApplication.objects.get(pk=returned.pk).state == S.SUBMITTED
    assert not IntentApplication.objects.filter(proposed_name="四川省智能网联汽车技术创新中心").exists()
    assert AnnualReport.objects.get(pk=report.pk).state == "filed"
    assert ChangeRequest.objects.get(pk=change.pk).state == "approved"
    assert "nothing added" in output
    # The login table names the organizations as they are now.
    assert re.search(rf"^  unit_c +applicant +{LEAD_UNIT_NEW_NAME}$", output, re.MULTILINE)


def rename_every_demo_object():
    """What users may do to names: every center, organization and application renamed."""
    for center in Center.objects.all():
        center.name = center.name.replace("技术创新中心", "创新中心（更名）")
        center.save(update_fields=["name"])
    for org in Organization.objects.all():
        org.name = f"{org.name}（更名）"
        org.save(update_fields=["name"])
    for app in IntentApplication.objects.all():
        app.proposed_name = app.proposed_name.replace("技术创新中心", "创新中心（更名）")
        app.save(update_fields=["proposed_name"])


def rename_the_applications():
    """The approved one too, whose center keeps its name."""
    for app in IntentApplication.objects.all():
        app.proposed_name = app.proposed_name.replace("技术创新中心", "创新中心（更名）")
        app.save(update_fields=["proposed_name"])


def edit_the_draft_change_request():
    change = ChangeRequest.objects.get(state="draft")
    change.proposed_value = "绵阳市涪城区科创园区创新路10号"
    change.save(update_fields=["proposed_value"])


@pytest.mark.parametrize(
    "users_did", [rename_every_demo_object, rename_the_applications, edit_the_draft_change_request]
)
@pytest.mark.django_db
def test_seed_again_on_a_database_seeded_before_the_registry_adopts_everything_whatever_users_did(
    settings, users_did
):
    """A database seeded before ``DemoObject`` existed has no demo keys: the seed adopts its
    objects by credit code, username, or who created them and when, never by a name or text
    users may have changed since. It adds nothing (a renamed approved application used to be
    seeded again, and approving it failed on its center's name)."""
    settings.DEBUG = True
    seed()
    seeded = dict(DemoObject.objects.values_list("key", "object_id"))
    users_did()
    DemoObject.objects.all().delete()  # as before the registry
    before = row_counts()

    output = seed()

    after = row_counts()
    assert after.pop("sctic.DemoObject") == len(seeded)
    before.pop("sctic.DemoObject")
    assert after == before
    assert dict(DemoObject.objects.values_list("key", "object_id")) == seeded
    assert f"registered the {len(seeded)} objects of an earlier seed; nothing added" in output


# --- `make run PORT=8101` and what it prints -------------------------------------------------------


def local_env(**overrides) -> dict[str, str]:
    """The environment of `make run` on a developer's machine: none of the test overrides, no
    .env, no broker (tasks run in-process, as they do for a newcomer), an SQLite database."""
    dropped = {*_pytest_env_names(), "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL", "HOST", "PORT"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("SCTIC_")}
    env.update(SCTIC_IGNORE_DOTENV="1", DEBUG="1", DJANGO_SETTINGS_MODULE="sctic.settings")
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def make_dry_run(*args) -> dict[str, str]:
    """The commands `make -n` would run, by the manage.py command they start."""
    result = subprocess.run(
        ["make", "-n", *args], cwd=BASE_DIR, env=local_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    commands = {}
    for line in result.stdout.splitlines():
        found = re.search(r"manage\.py (\w+)", line)
        if found:
            commands[found.group(1)] = line
    return commands


def site_url_of(env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


@needs_make
def test_make_run_passes_host_and_port_as_the_default_site_url():
    commands = make_dry_run("run", "PORT=8101")
    assert "SCTIC_DEFAULT_SITE_URL=http://127.0.0.1:8101 " in commands["seed_demo"]
    assert "SCTIC_DEFAULT_SITE_URL=http://127.0.0.1:8101 " in commands["runserver"]
    assert commands["runserver"].endswith("runserver 127.0.0.1:8101")

    commands = make_dry_run("run", "HOST=localhost", "PORT=8102")
    assert "SCTIC_DEFAULT_SITE_URL=http://localhost:8102 " in commands["seed_demo"]

    assert "SCTIC_DEFAULT_SITE_URL=http://127.0.0.1:8000 " in make_dry_run("seed")["seed_demo"]


def test_site_url_follows_the_default_unless_set():
    """SITE_URL in the environment wins over what `make run` passes (a .env's SITE_URL too: the
    settings load .env into the environment before reading it)."""
    assert site_url_of(local_env()) == "http://127.0.0.1:8000"
    assert site_url_of(local_env(SCTIC_DEFAULT_SITE_URL="http://127.0.0.1:8101")) == "http://127.0.0.1:8101"
    env = local_env(SCTIC_DEFAULT_SITE_URL="http://127.0.0.1:8101", SITE_URL="https://sctic.example.gov.cn")
    assert site_url_of(env) == "https://sctic.example.gov.cn"


@needs_make
def test_make_seed_twice_prints_a_summary_and_the_logins_at_the_port_served(tmp_path):
    """The seed as `make run PORT=8101` runs it, in a fresh database, then a second time. Eager
    Celery tasks (hundreds of e-mails, the notices' PDFs) log nothing to the console."""
    seed_line = make_dry_run("run", "PORT=8101")["seed_demo"]
    default_url = re.search(r"SCTIC_DEFAULT_SITE_URL=(\S+)", seed_line).group(1)
    env = local_env(
        SCTIC_DEFAULT_SITE_URL=default_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    manage("migrate", "--noinput", "-v0")
    for run in ("first", "second"):
        result = manage("seed_demo")
        assert result.stderr == "", f"{run} run: {result.stderr[:2000]}"
        assert_short_with_logins_at_the_end(result.stdout, "http://127.0.0.1:8101")
    assert "nothing added" in result.stdout
