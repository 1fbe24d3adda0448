"""The in-app messages (notifications/): the unread count in the header, the user's own inbox,
marking read, and the e-mail settings where every category but deadlines can be turned off."""

import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from notifications.forms import OPTIONAL
from notifications.models import Category, EmailPreference, Message

pytestmark = pytest.mark.django_db


def write(user, subject, *, url="", read=False, category=Category.DECISION) -> Message:
    return Message.objects.create(
        recipient=user,
        subject=subject,
        body=f"{subject}的正文。",
        url=url,
        category=category,
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def inbox(unit_a, unit_b):
    """Three unread and one read message for unit_a, one unread for unit_b."""
    return {
        "a1": write(unit_a, "年度报告已退回", url="/reports/1/"),
        "a2": write(unit_a, "年度报告即将截止", url="/reports/2/", category=Category.DEADLINE),
        "a3": write(unit_a, "正式通知已印发", url="/notices/3/", category=Category.NOTICE),
        "a_read": write(unit_a, "已读的旧消息", read=True),
        "b1": write(unit_b, "绵阳单位的消息", url="/reports/9/"),
    }


def unread_badge(html: str) -> int:
    return int(re.search(r'href="/messages/" data-unread="(\d+)"', html).group(1))


def unread(user) -> set[int]:
    return set(Message.objects.filter(recipient=user, read_at__isnull=True).values_list("pk", flat=True))


# --- the header -----------------------------------------------------------------------------------


def test_header_shows_the_number_of_unread_messages(inbox, unit_a, unit_b, login):
    html = login(unit_a).get("/").content.decode()
    assert unread_badge(html) == 3
    assert re.search(r'rounded-pill text-bg-danger">3<span class="visually-hidden">', html)
    assert unread_badge(login(unit_b).get("/reports/").content.decode()) == 1


def test_header_shows_no_badge_without_unread_messages(unit_a, login):
    write(unit_a, "已读", read=True)
    html = login(unit_a).get("/").content.decode()
    assert unread_badge(html) == 0
    assert "rounded-pill text-bg-danger" not in html.split('href="/messages/"', 1)[1].split("</a>", 1)[0]


# --- the inbox --------------------------------------------------------------------------------------


def test_inbox_lists_only_the_users_own_messages(inbox, unit_a, login):
    response = login(unit_a).get("/messages/")
    assert response.status_code == 200
    listed = {m.pk for m in response.context["object_list"]}
    assert listed == {inbox[k].pk for k in ("a1", "a2", "a3", "a_read")}
    html = response.content.decode()
    assert "绵阳单位的消息" not in html
    assert f'data-message="{inbox["b1"].pk}"' not in html


def test_inbox_can_show_unread_only(inbox, unit_a, login):
    response = login(unit_a).get("/messages/?unread=1")
    assert {m.pk for m in response.context["object_list"]} == {inbox[k].pk for k in ("a1", "a2", "a3")}


def test_inbox_needs_a_login(client):
    response = client.get("/messages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


# --- marking read -----------------------------------------------------------------------------------


def test_opening_a_message_marks_it_read_and_goes_to_its_link(inbox, unit_a, login):
    client = login(unit_a)
    response = client.post(f"/messages/{inbox['a1'].pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/1/"
    assert unread(unit_a) == {inbox["a2"].pk, inbox["a3"].pk}
    assert unread_badge(client.get("/messages/").content.decode()) == 2


def test_a_message_subject_is_a_link_that_opens_it(inbox, unit_a, login):
    """A plain link (it opens in a new tab too): a GET marks the message read and goes to its link."""
    client = login(unit_a)
    html = client.get("/messages/").content.decode()
    assert f'href="/messages/{inbox["a1"].pk}/read/"' in html
    response = client.get(f"/messages/{inbox['a1'].pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/1/"
    assert inbox["a1"].pk not in unread(unit_a)


def test_reading_again_keeps_the_first_read_time(inbox, unit_a, login):
    first = inbox["a_read"].read_at
    login(unit_a).post(f"/messages/{inbox['a_read'].pk}/read/")
    inbox["a_read"].refresh_from_db()
    assert inbox["a_read"].read_at == first


@pytest.mark.parametrize("url", ["", "https://evil.example.org/", "//evil.example.org/x"])
def test_a_message_without_a_safe_link_opens_the_inbox(unit_a, login, url):
    message = write(unit_a, "外部链接", url=url)
    response = login(unit_a).post(f"/messages/{message.pk}/read/")
    assert response["Location"] == "/messages/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_another_users_message_is_not_found(inbox, unit_a, login):
    client = login(unit_a)
    assert client.post(f"/messages/{inbox['b1'].pk}/read/").status_code == 404
    assert client.post("/messages/999999/read/").status_code == 404
    inbox["b1"].refresh_from_db()
    assert inbox["b1"].read_at is None


def test_mark_all_read_marks_only_the_users_own(inbox, unit_a, unit_b, login):
    response = login(unit_a).post("/messages/read-all/")
    assert response.status_code == 302
    assert response["Location"] == "/messages/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已将3条消息标为已读。"]
    assert unread(unit_a) == set()
    assert unread(unit_b) == {inbox["b1"].pk}


# --- e-mail settings --------------------------------------------------------------------------------


def test_email_settings_offer_every_category_but_deadlines(unit_a, login):
    html = login(unit_a).get("/messages/settings/").content.decode()
    offered = set(re.findall(r'name="wanted" value="([^"]+)"', html))
    assert offered == {value for value, _label in OPTIONAL} == {"decision", "assignment", "notice"}
    assert "deadline" not in offered
    # nothing muted yet: every box is ticked
    assert len(re.findall(r'name="wanted" value="[^"]+"[^>]*checked', html)) == 3


def test_email_settings_save_the_muted_categories(unit_a, login):
    client = login(unit_a)
    response = client.post("/messages/settings/", {"wanted": ["assignment"]})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["邮件设置已保存。"]
    assert EmailPreference.objects.get(user=unit_a).muted == ["decision", "notice"]
    html = client.get("/messages/settings/").content.decode()
    assert re.findall(r'name="wanted" value="([^"]+)"[^>]*checked', html) == ["assignment"]

    client.post("/messages/settings/", {"wanted": ["decision", "assignment", "notice"]})
    assert EmailPreference.objects.get(user=unit_a).muted == []


def test_deadline_emails_cannot_be_muted(unit_a, login):
    client = login(unit_a)
    client.post("/messages/settings/", {})  # every box unticked
    preference = EmailPreference.objects.get(user=unit_a)
    assert sorted(preference.muted) == ["assignment", "decision", "notice"]
    assert preference.wants(Category.DEADLINE)

    response = client.post("/messages/settings/", {"wanted": ["deadline"]})
    assert response.status_code == 200  # not a choice: the form refuses it
    preference.refresh_from_db()
    assert "deadline" not in preference.muted
    # even a preference written by hand cannot turn deadlines off
    preference.muted = [*preference.muted, "deadline"]
    assert preference.wants(Category.DEADLINE)
    assert not preference.wants(Category.DECISION)


def test_settings_are_per_user(unit_a, unit_b, login):
    login(unit_a).post("/messages/settings/", {})
    assert not EmailPreference.objects.filter(user=unit_b).exclude(muted=[]).exists()
