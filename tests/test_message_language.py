"""Messages and their e-mails are written in each recipient's language (``User.language``, chosen
in the page footer), not in the language of the user whose action caused them.

Chinese is the default: a user who never chose reads Chinese; the same event reads in English
for a user who chose English. The English texts are the message ids; the Chinese ones come from
the catalogue (``locale/zh_Hans``)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from notifications import services
from notifications.models import Message
from notifications.services import Text, notify
from reports.reminders import report_reminders
from sctic.middleware import LANGUAGE_SESSION_KEY
from sctic.workflow import perform
from tests.factories import CenterFactory, UserFactory
from tests.test_art19_reports import A_CENTER, DUE, new_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_chengdu(chengdu):
    chengdu.language = "en"
    chengdu.save(update_fields=["language"])
    return chengdu


@pytest.fixture
def chinese_chengdu2(chengdu):
    return UserFactory(username="chengdu2", organization=chengdu.organization, role="supervisor")


# --- messages ----------------------------------------------------------------------------------


def test_art10_1_submission_is_told_to_each_supervisor_user_in_their_own_language(
    make_application, unit_a, english_chengdu, chinese_chengdu2
):
    draft = make_application("draft")
    with translation.override("zh-hans"):  # the applicant works in Chinese
        perform(draft, "submit", actor=unit_a)

    english = Message.objects.get(recipient=english_chengdu, object_id=draft.pk)
    chinese = Message.objects.get(recipient=chinese_chengdu2, object_id=draft.pk)
    assert "chose" in english.body and "It is now “Submitted to supervisor”" in english.body
    assert "办理了" not in english.body
    assert "办理了" in chinese.body and "已提交主管部门" in chinese.body
    assert "chose" not in chinese.body
    assert draft.proposed_name in english.subject and draft.proposed_name in chinese.subject


def test_art19_overdue_reminder_reads_in_each_center_users_language(unit_a, chengdu):
    unit_a.language = "en"
    unit_a.save(update_fields=["language"])
    unit_a2 = UserFactory(username="unit_a2", organization=unit_a.organization, role="applicant")
    center = CenterFactory(name=A_CENTER, lead_unit=unit_a.organization, supervisor=chengdu.organization)
    report = new_report(center)

    with translation.override("zh-hans"):
        report_reminders(DUE + timedelta(days=1))

    english = Message.objects.get(recipient=unit_a, object_id=report.pk)
    chinese = Message.objects.get(recipient=unit_a2, object_id=report.pk)
    assert english.subject == f"Annual report overdue: {A_CENTER}"
    assert chinese.subject == f"年度报告已逾期：{A_CENTER}"
    assert "Art. 19" in english.body and "has not been submitted" in english.body
    assert "has not been submitted" not in chinese.body


def test_text_parameters_are_translated_in_the_recipients_language_too(english_chengdu, chinese_chengdu2):
    subject = Text(
        gettext_lazy("%(object)s: %(action)s"), object="X", action=gettext_lazy("Simplified Chinese")
    )

    notify([english_chengdu, chinese_chengdu2], subject=subject, body=lambda: str(gettext_lazy("English")))

    assert english_chengdu.messages.get().subject == "X: Simplified Chinese"
    assert chinese_chengdu2.messages.get().subject == "X：简体中文"
    assert english_chengdu.messages.get().body == "English"
    assert chinese_chengdu2.messages.get().body == "英语"


def test_plain_text_subjects_are_kept_as_they_are(english_chengdu):
    notify([english_chengdu], subject="川科高〔2026〕12号", body="正文")

    assert english_chengdu.messages.get().subject == "川科高〔2026〕12号"


# --- e-mails -------------------------------------------------------------------------------------


def test_email_is_in_the_recipients_language_and_plain_text_is_not_html_escaped(
    english_chengdu, chinese_chengdu2, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [english_chengdu, chinese_chengdu2],
            subject="R&D <centers> “quoted”",
            body="R&D spending > 3% of revenue & 'growing'",
            url="/centers/1/",
        )

    by_recipient = {email.to[0]: email for email in mailoutbox}
    english, chinese = by_recipient[english_chengdu.email], by_recipient[chinese_chengdu2.email]
    assert english.body.startswith(f"Dear {english_chengdu},")
    assert "Open in the portal:" in english.body
    assert chinese.body.startswith(f"尊敬的{chinese_chengdu2}：")
    assert "Open in the portal:" not in chinese.body
    for email in (english, chinese):
        assert "R&D spending > 3% of revenue & 'growing'" in email.body
        assert "&amp;" not in email.body and "&gt;" not in email.body and "&#x27;" not in email.body
        assert email.subject.endswith("R&D <centers> “quoted”")


def test_email_follows_the_language_the_recipient_has_when_it_leaves(chinese_chengdu2, mailoutbox):
    """The e-mail's frame (greeting, link line) is rendered at sending, in the recipient's language."""
    notify([chinese_chengdu2], subject="s", body="b")
    chinese_chengdu2.language = "en"
    chinese_chengdu2.save(update_fields=["language"])

    services.deliver(chinese_chengdu2.messages.get().pk)

    assert mailoutbox[0].body.startswith("Dear ")


# --- choosing the language -----------------------------------------------------------------------


def test_choosing_a_language_in_the_footer_is_saved_on_the_user(login, chengdu):
    client = login(chengdu)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/messages/"})

    assert response.status_code == 302 and response["Location"] == "/messages/"
    assert response.cookies["django_language"].value == "en"
    chengdu.refresh_from_db()
    assert chengdu.language == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chengdu.refresh_from_db()
    assert chengdu.language == "zh-hans"


def test_an_unknown_language_changes_nothing(login, chengdu):
    login(chengdu).post(reverse("set_language"), {"language": "fr", "next": "/"})

    chengdu.refresh_from_db()
    assert chengdu.language == ""


def test_anonymous_choice_sets_only_the_cookie(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})

    assert response.cookies["django_language"].value == "en"


def test_browser_without_the_cookie_shows_the_language_the_user_chose(client, english_chengdu):
    client.force_login(english_chengdu)  # a new browser: no language cookie
    assert client.session[LANGUAGE_SESSION_KEY] == "en"

    response = client.get(reverse("notifications:inbox"))

    assert response["Content-Language"] == "en"
    assert "Mark all as read" in response.content.decode()


def test_the_cookie_wins_over_the_users_language(client, english_chengdu):
    client.force_login(english_chengdu)
    client.cookies["django_language"] = "zh-hans"

    response = client.get(reverse("notifications:inbox"))

    assert response["Content-Language"] == "zh-hans"


def test_user_who_never_chose_reads_chinese(client, chengdu):
    client.force_login(chengdu)

    response = client.get(reverse("notifications:inbox"))

    assert response["Content-Language"] == "zh-hans"
    assert LANGUAGE_SESSION_KEY not in client.session
