"""Art. 10.2 and 10.3: an intent application is sent back in two ways under one transition name,
``return_for_revision`` (DESIGN.md): the supervisor returns a submitted application to the lead unit
for revision (退回修改, Art. 10.2), 科技厅 returns a recommended one to cultivation (退回培育,
Art. 10.3). Each return speaks as itself everywhere: the transition page, the button on the
detail page, the "Done" message, the in-portal message and its e-mail, the timeline and the admin.
"""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from applications.models import IntentApplication
from centers.models import ChangeRequest
from notifications.models import Message
from notifications.services import language_of
from reports.models import AnnualReport
from sctic import workflow
from sctic.demo import cultivate
from sctic.views import timeline
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

S = IntentApplication.State
REASON = "请补充共建单位的分工与利益分配机制，并细化中期目标的量化指标。"
SUPERVISOR = ("Return for revision", "Art. 10.2")
DEPARTMENT = ("Return to cultivation", "Art. 10.3")

# state, who returns, what it is called there, what the other return is called, target, told
RETURNS = [
    pytest.param(S.SUBMITTED, "chengdu", SUPERVISOR, DEPARTMENT, S.RETURNED, "unit_a", id="supervisor"),
    pytest.param(S.RECOMMENDED, "kjt", DEPARTMENT, SUPERVISOR, S.CULTIVATING, "unit_a", id="department"),
]


def in_language(language, message) -> str:
    with translation.override(language):
        return translation.gettext(message)


@pytest.fixture
def client_as(login):
    def _as(user):
        client = login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def body(response) -> str:
    return response.content.decode()


def actions_section(html) -> str:
    found = re.search(r'<section class="card mb-3 actions".*?</section>', html, re.S)
    assert found, "no actions on the page"
    return found.group(0)


def timeline_entry(html, transition) -> str:
    found = re.search(rf'<li class="list-group-item" data-transition="{transition}">(.*?)</li>', html, re.S)
    assert found, f"no {transition} in the timeline"
    return found.group(1)


def url(app, name="return_for_revision"):
    return f"/applications/{app.pk}/transitions/{name}/"


# --- the label and article of the variant that leaves the state -------------------------------


def test_the_two_returns_are_declared_with_their_own_label_and_article():
    assert workflow.transition_label(IntentApplication, "return_for_revision", S.SUBMITTED) == SUPERVISOR[0]
    assert workflow.transition_label(IntentApplication, "return_for_revision", S.RECOMMENDED) == DEPARTMENT[0]
    for source, (label, article) in ((S.SUBMITTED, SUPERVISOR), (S.RECOMMENDED, DEPARTMENT)):
        action = workflow.any_action(IntentApplication, "return_for_revision", source)
        assert (action.label, str(action.article)) == (label, article)
    with translation.override("zh-hans"):
        assert workflow.transition_label(IntentApplication, "return_for_revision", S.SUBMITTED) == "退回修改"
        assert (
            workflow.transition_label(IntentApplication, "return_for_revision", S.RECOMMENDED) == "退回培育"
        )


@pytest.mark.parametrize(("state", "who", "own", "other", "target", "told"), RETURNS)
def test_the_transition_page_names_the_return_of_the_state(
    request, make_application, client_as, state, who, own, other, target, told
):
    app = make_application(state)

    response = client_as(request.getfixturevalue(who)).get(url(app))

    assert response.status_code == 200
    html = body(response)
    label, article = own
    assert f'<h1 class="h3">{label}</h1>' in html
    assert f"<title>{label} · " in html
    assert f"Under {article}" in html
    assert f"Confirm: {label}" in html
    assert other[0] not in html
    assert f"Under {other[1]}" not in html


@pytest.mark.parametrize(("state", "who", "own", "other", "target", "told"), RETURNS)
def test_the_button_on_the_detail_page_names_the_return_of_the_state(
    request, make_application, client_as, state, who, own, other, target, told
):
    app = make_application(state)

    html = actions_section(body(client_as(request.getfixturevalue(who)).get(app.get_absolute_url())))

    assert re.search(rf'data-action="return_for_revision"[^>]*>{own[0]}</', html), html
    assert other[0] not in html


@pytest.mark.parametrize(("state", "who", "own", "other", "target", "told"), RETURNS)
def test_the_done_message_names_the_return_that_was_made(
    request, make_application, client_as, state, who, own, other, target, told
):
    app = make_application(state)
    client = client_as(request.getfixturevalue(who))

    response = client.post(url(app), {"comment": REASON, "expected_state": state})

    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == target  # the object is in another state now; the message is still the one pressed
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"Done: {own[0]}."]


@pytest.mark.parametrize(("state", "who", "own", "other", "target", "told"), RETURNS)
def test_the_message_and_its_e_mail_name_the_return_that_was_made(
    request,
    make_application,
    client_as,
    mailoutbox,
    django_capture_on_commit_callbacks,
    state,
    who,
    own,
    other,
    target,
    told,
):
    app = make_application(state)
    recipient = request.getfixturevalue(told)
    client = client_as(request.getfixturevalue(who))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(app), {"comment": REASON, "expected_state": state})

    message = Message.objects.filter(recipient=recipient, object_id=app.pk).latest("pk")
    language = language_of(recipient)
    said, not_said = in_language(language, own[0]), in_language(language, other[0])
    assert said in message.subject and said in message.body
    assert not_said not in message.subject and not_said not in message.body
    # …and cites its own article, not the other return's.
    article, other_article = in_language(language, own[1]), in_language(language, other[1])
    assert article in message.subject and article in message.body
    assert other_article not in message.subject and other_article not in message.body
    mail = next(m for m in mailoutbox if m.to == [recipient.email] and said in m.subject)
    assert said in mail.body
    assert not_said not in mail.subject and not_said not in mail.body


@pytest.mark.parametrize(("state", "who", "own", "other", "target", "told"), RETURNS)
def test_the_timeline_names_the_return_that_was_made(
    request, make_application, client_as, unit_a, state, who, own, other, target, told
):
    app = make_application(state)
    client_as(request.getfixturevalue(who)).post(url(app), {"comment": REASON, "expected_state": state})

    entry = next(e for e in timeline(app) if e.transition == "return_for_revision")
    assert entry.action_label == own[0]
    html = timeline_entry(body(client_as(unit_a).get(app.get_absolute_url())), "return_for_revision")
    assert own[0] in html
    assert other[0] not in html


def test_the_timeline_tells_both_returns_apart_on_one_application(
    make_application, chengdu, kjt, unit_a, client_as
):
    """Returned by its supervisor, resubmitted, cultivated, recommended and returned to cultivation
    by 科技厅: both returns are in the timeline, each under its own name, in order."""
    app = make_application(S.RETURNED)
    workflow.perform(app, "submit", actor=unit_a)
    workflow.perform(app, "accept_for_cultivation", actor=chengdu)
    cultivate(app, unit_a)
    workflow.perform(app, "recommend", actor=chengdu, opinion="同意推荐。", rank=1)
    workflow.perform(app, "return_for_revision", actor=kjt, comment=REASON)

    returns = [e for e in timeline(app) if e.transition == "return_for_revision"]
    assert [(e.source_state, e.action_label) for e in returns] == [
        (S.SUBMITTED, SUPERVISOR[0]),
        (S.RECOMMENDED, DEPARTMENT[0]),
    ]
    html = body(client_as(unit_a).get(app.get_absolute_url()))
    entries = re.findall(
        r'<li class="list-group-item" data-transition="return_for_revision">(.*?)</li>', html, re.S
    )
    assert len(entries) == 2
    assert SUPERVISOR[0] in entries[0] and DEPARTMENT[0] not in entries[0]
    assert DEPARTMENT[0] in entries[1] and SUPERVISOR[0] not in entries[1]


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


CHANGELIST = reverse("admin:applications_intentapplication_changelist")


def test_admin_action_names_both_returns(admin_client, make_application):
    make_application(S.SUBMITTED)

    html = body(admin_client.get(CHANGELIST))

    option = re.search(r'<option value="perform_return_for_revision">(.*?)</option>', html)
    assert option, "no return action"
    text = option.group(1)
    assert "Return for revision (from &ldquo;Submitted to supervisor&rdquo;)" in text or (
        "Return for revision (from “Submitted to supervisor”)" in text
    )
    assert "Return to cultivation" in text and "Recommended to the department" in text


def test_admin_action_confirms_each_return_under_its_own_name_and_performs_it(admin_client, make_application):
    submitted, recommended = make_application(S.SUBMITTED), make_application(S.RECOMMENDED)
    selected = {"action": "perform_return_for_revision", ACTION_CHECKBOX_NAME: [submitted.pk, recommended.pk]}

    confirm = body(admin_client.post(CHANGELIST, selected))

    assert re.search(
        rf"{re.escape(str(submitted))} — Submitted to supervisor → <strong>Return for revision</", confirm
    )
    assert re.search(
        rf"{re.escape(str(recommended))} — Recommended to the department → <strong>Return to cultivation</",
        confirm,
    )

    response = admin_client.post(CHANGELIST, {**selected, "apply": "1", "comment": REASON})

    assert response.status_code == 302
    submitted.refresh_from_db()
    recommended.refresh_from_db()
    assert (submitted.state, recommended.state) == (S.RETURNED, S.CULTIVATING)
    said = sorted(str(m) for m in get_messages(response.wsgi_request))
    assert said == ["Return for revision: 1 done.", "Return to cultivation: 1 done."]


def test_admin_confirmation_of_one_kind_of_return_is_titled_with_its_label(admin_client, make_application):
    app = make_application(S.RECOMMENDED)

    confirm = body(
        admin_client.post(
            CHANGELIST, {"action": "perform_return_for_revision", ACTION_CHECKBOX_NAME: [app.pk]}
        )
    )

    assert 'value="Return to cultivation"' in confirm
    assert "Return for revision" not in confirm


# --- the other lifecycles ---------------------------------------------------------------------


@pytest.mark.parametrize("model", [AnnualReport, ChangeRequest, IntentApplication])
def test_a_transition_name_that_leaves_several_states_has_a_label_per_meaning(model):
    """Where one name leaves several states with different meaning (another target), each variant
    has its own label; where the meaning is the same (back to the center, by its supervisor or by
    科技厅), one label serves."""
    named: dict[str, list] = {}
    for spec in workflow.state_field(model).get_all_transitions(model):
        named.setdefault(spec.name, []).append(spec)
    for name, specs in named.items():
        for a in specs:
            for b in specs:
                if a.target != b.target:
                    assert workflow.label(a) != workflow.label(b), (model.__name__, name, a.source, b.source)
                    assert a.custom.get("article") != b.custom.get("article"), (model.__name__, name)
