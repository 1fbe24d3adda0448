"""Django admin for administrators: every registered model's pages load; ``state`` cannot be edited
there; the transition actions go through ``sctic.workflow.perform`` (conditions, log, comment)."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django_fsm_log.models import StateLog

from applications.models import IntentApplication
from tests.factories import UserFactory

S = IntentApplication.State
CHANGELIST = reverse("admin:applications_intentapplication_changelist")


class PostedForm(HTMLParser):
    """The fields a browser would post from the form with ``form_id`` on a page."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.data: list[tuple[str, str]] = []
        self._inside = False
        self._select = None  # (name, multiple, first option value, anything selected)
        self._textarea = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
        if not self._inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value") or "on"))
                return
            self.data.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = [name, "multiple" in attrs, None, False]
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in attrs:
                self.data.append((self._select[0], value))
                self._select[3] = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select" and self._select:
            name, multiple, first, selected = self._select
            if not (multiple or selected) and first is not None:
                self.data.append((name, first))  # a browser posts the first option
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_data(response, form_id) -> dict[str, str | list[str]]:
    parser = PostedForm(form_id)
    parser.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    assert data, f"no form #{form_id} on the page"
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def form_errors(response):
    """What the admin said about a form it did not save (the message of a failed assertion)."""
    if response.context is None or "adminform" not in response.context:
        return response
    inlines = response.context["inline_admin_formsets"]
    return [response.context["adminform"].form.errors, *(inline.formset.errors for inline in inlines)]


def error_messages(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]


# --- pages ---------------------------------------------------------------------------------------


def test_every_registered_model_has_working_admin_pages(admin_client, superuser, make_application):
    make_application("approved")  # an application, its center and cycle, reviews, files, messages, logs
    make_application("submitted")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    failures = []
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        add_status = 200 if model_admin.has_add_permission(request) else 403  # 403: added in the portal
        pages = [(reverse(f"{prefix}_changelist"), 200), (reverse(f"{prefix}_add"), add_status)]
        obj = model._default_manager.first()
        if obj is not None:
            pages.append((reverse(f"{prefix}_change", args=[obj.pk]), 200))
        for url, expected in pages:
            status = admin_client.get(url).status_code
            if status != expected:
                failures.append((model._meta.label, url, status))
    assert failures == []


def test_admin_cannot_edit_the_state_directly(admin_client, make_application):
    """DESIGN.md "One way to move a state": the change form shows the state read-only; a posted
    state is ignored while the other fields are saved."""
    app = make_application("approved")
    center = app.center
    for obj, other_state in ((app, S.DRAFT), (center, "revoked")):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        page = admin_client.get(url)
        assert page.status_code == 200
        assert "state" not in page.context["adminform"].form.fields
        data = form_data(page, f"{obj._meta.model_name}_form")
        assert "state" not in data
        original = obj.state
        data.update(state=other_state, _save="Save")
        data["director_name"] = "王新主任"

        response = admin_client.post(url, data)

        assert response.status_code == 302, form_errors(response)
        obj.refresh_from_db()
        assert obj.director_name == "王新主任"  # the form was saved …
        assert obj.state == original  # … but not the state


# --- transition actions --------------------------------------------------------------------------


def test_admin_action_confirms_then_performs_the_transition_with_a_log(
    admin_client, superuser, make_application, unit_a
):
    app = make_application("submitted")
    selected = {"action": "perform_accept_for_cultivation", ACTION_CHECKBOX_NAME: [app.pk]}

    confirm = admin_client.post(CHANGELIST, selected)
    assert confirm.status_code == 200
    assert "admin/workflow_confirm.html" in [t.name for t in confirm.templates]
    assert app.proposed_name in confirm.content.decode()
    app.refresh_from_db()
    assert app.state == S.SUBMITTED  # nothing happens before the confirmation

    response = admin_client.post(
        CHANGELIST, {**selected, "apply": "1", "comment": "同意纳入培育（管理员代办）。"}
    )

    assert response.status_code == 302
    assert error_messages(response) == []
    app.refresh_from_db()
    assert app.state == S.CULTIVATING
    log = StateLog.objects.filter(object_id=app.pk).latest("timestamp")
    assert (log.transition, log.source_state, log.state) == (
        "accept_for_cultivation",
        S.SUBMITTED,
        S.CULTIVATING,
    )
    assert log.by == superuser
    assert log.description == "同意纳入培育（管理员代办）。"
    assert unit_a.messages.filter(object_id=app.pk, body__contains="管理员代办").exists()  # handlers ran


@pytest.mark.parametrize(
    ("state", "action", "comment"),
    [
        (S.DRAFT, "perform_accept_for_cultivation", ""),  # not possible in this state
        (S.SUBMITTED, "perform_return_for_revision", ""),  # Art. 10.2: a reason is required
        (S.SUBMITTED, "perform_approve", "同意。"),  # Art. 10.3: only after the expert consultation
    ],
)
def test_admin_action_that_is_not_allowed_reports_an_error_and_changes_nothing(
    admin_client, make_application, state, action, comment
):
    app = make_application(state)
    logs = StateLog.objects.filter(object_id=app.pk).count()

    response = admin_client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [app.pk], "apply": "1", "comment": comment}
    )

    assert response.status_code == 302
    errors = error_messages(response)
    assert len(errors) == 1
    assert errors[0].startswith(app.proposed_name)
    app.refresh_from_db()
    assert app.state == state
    assert StateLog.objects.filter(object_id=app.pk).count() == logs
