"""Settings: production defaults pass Django's deployment checks, a missing SECRET_KEY stops the
site, migrations match the models, and the portal's fixed choices (language, time zone, user
model, role groups) hold."""

import io
import os
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role

BASE_DIR = Path(__file__).resolve().parent.parent


def _pytest_env_names() -> set[str]:
    """The variables pyproject's pytest ``env`` sets for the test run (test-only overrides)."""
    with open(BASE_DIR / "pyproject.toml", "rb") as f:
        entries = tomllib.load(f)["tool"]["pytest"]["ini_options"]["env"]
    return {entry.split("=", 1)[0] for entry in entries}


def production_env(**overrides) -> dict[str, str]:
    """The environment of a production start: none of the test overrides, no developer .env,
    no local database or broker settings; only what a deployment must set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _pytest_env_names() and k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")
    }
    env.update(
        SCTIC_IGNORE_DOTENV="1",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="sctic.example.gov.cn",
        DJANGO_SETTINGS_MODULE="sctic.settings",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_defaults_pass_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deployment_check_fails_when_https_redirect_is_turned_off():
    """The check above is not vacuous: turning one production default off makes it fail."""
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(SECURE_SSL_REDIRECT="0")
    )
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_site_refuses_to_start_without_secret_key_when_debug_is_off(secret_key):
    result = manage("check", env=production_env(SECRET_KEY=secret_key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_local_development_starts_without_secret_key():
    result = manage("check", env=production_env(SECRET_KEY=None, DEBUG="1"))
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 on missing migrations
    assert "No changes detected" in out.getvalue()


def test_default_language_is_simplified_chinese_and_time_is_beijing_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_pages_are_chinese_whatever_the_browser_asks(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"


def test_user_model_is_accounts_user():
    assert settings.AUTH_USER_MODEL == "accounts.User"
    assert get_user_model() is User


@pytest.mark.django_db
def test_migrate_creates_the_four_role_groups_with_their_exact_names():
    names = ["applicant", "supervisor", "department", "expert"]
    assert sorted(Role.values) == sorted(names)
    assert sorted(Group.objects.filter(name__in=names).values_list("name", flat=True)) == sorted(names)
