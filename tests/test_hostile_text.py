"""Issue 10: hostile markup typed into user-written fields comes out inert.

Pages show it HTML-escaped (never as live ``<script>``/``<img onerror>``); plain-text e-mails and
in-portal messages carry it verbatim (not ``&lt;``-mangled). Each check fails if a template marks
the text ``|safe`` (pages) or escapes a plain-text body (e-mails).
"""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.html import escape
from django_fsm_log.models import StateLog

from applications.models import IntentApplication
from notifications.models import Message

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"
FORMULA = '=HYPERLINK("http://x")'
LIVE = ("<script>alert(1)", "<img src=x onerror")

S = IntentApplication.State


@pytest.fixture
def client_as(login):
    def _as(user):
        client = login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def timeline_entry(html: str, transition: str) -> str:
    """The page's timeline item for ``transition`` (templates/workflow/timeline.html)."""
    timeline = html[html.index('class="card mb-3 timeline-card"') :]
    item = timeline[timeline.index(f'data-transition="{transition}"') :]
    return item[: item.index("</li>")]


def assert_inert(html: str, text: str = HOSTILE):
    assert escape(text) in html
    for live in LIVE:
        assert live not in html


@pytest.mark.parametrize("field", ["summary", "strategic_fit"])
@pytest.mark.parametrize("viewer", ["unit_a", "chengdu", "kjt"])
def test_application_section_text_is_escaped_on_the_detail_page(
    request, make_application, client_as, field, viewer
):
    app = make_application("submitted")
    IntentApplication.objects.filter(pk=app.pk).update(**{field: HOSTILE + FORMULA})

    page = client_as(request.getfixturevalue(viewer)).get(app.get_absolute_url())

    assert page.status_code == 200
    assert_inert(page.content.decode(), HOSTILE + FORMULA)


def test_co_builder_name_is_escaped_on_the_detail_page(make_application, client_as, unit_a):
    app = make_application("draft")
    app.cobuilders.update(name=HOSTILE)

    page = client_as(unit_a).get(app.get_absolute_url())

    assert page.status_code == 200
    assert_inert(page.content.decode())


@pytest.mark.parametrize("viewer", ["unit_a", "chengdu", "kjt"])
def test_lead_unit_name_is_escaped_on_the_list_page(request, make_application, client_as, unit_a_org, viewer):
    make_application("submitted")
    unit_a_org.name = HOSTILE
    unit_a_org.save(update_fields=["name"])

    page = client_as(request.getfixturevalue(viewer)).get(reverse("applications:list"))

    assert page.status_code == 200
    assert_inert(page.content.decode())


@pytest.mark.parametrize(
    ("state", "transition"),
    [("submitted", "return_for_revision"), ("submitted", "decline"), ("cultivating", "decline")],
)
def test_reason_is_escaped_on_the_page_and_verbatim_in_message_and_mail(
    make_application,
    client_as,
    chengdu,
    unit_a,
    mailoutbox,
    django_capture_on_commit_callbacks,
    state,
    transition,
):
    app = make_application(state)
    reason = HOSTILE + FORMULA

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(chengdu).post(
            reverse("applications:transition", args=[app.pk, transition]),
            {"comment": reason, "expected_state": state, "confirm_irreversible": "on"},
        )
    assert response.status_code in (200, 302)
    assert StateLog.objects.for_(app).filter(transition=transition).get().description == reason

    # (1)+(3) the detail page and its timeline show the reason escaped, never live.
    page = client_as(unit_a).get(app.get_absolute_url()).content.decode()
    assert_inert(page, reason)
    assert_inert(timeline_entry(page, transition), reason)

    # (2) the in-portal message and the e-mail are plain text: the reason verbatim.
    message = Message.objects.filter(recipient=unit_a, object_id=app.pk).latest("pk")
    assert reason in message.body
    mail = next(m for m in mailoutbox if m.to == [unit_a.email])
    assert reason in mail.body
    assert escape(HOSTILE) not in mail.body
    assert not getattr(mail, "alternatives", None)  # no HTML part that could render it

    # …and the inbox page shows the message body escaped.
    inbox = client_as(unit_a).get(reverse("notifications:inbox")).content.decode()
    assert_inert(inbox, reason)
