"""Small things users noticed: the notices box on object pages, message subjects as links, the
error pages, the revoked notice's verification page, person fields labelled "full name" (姓名)
and English left in the admin."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.functional import Promise
from django.views.defaults import server_error

from centers.models import BoardMember, Center, CommitteeMember
from notices.models import Notice, NoticeCounter
from notifications.models import Message
from sctic.demo import give_opinions
from sctic.workflow import perform
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def notices_on(obj):
    return Notice.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def notice_box(html: str) -> str:
    return re.search(r'(?s)<section class="card mb-3" aria-labelledby="notices-title">.*?</section>', html)[0]


@pytest.fixture
def approved(make_application, django_capture_on_commit_callbacks):
    """unit_a's application approved by 科技厅: the approval notice is issued and numbered."""
    with django_capture_on_commit_callbacks(execute=True):
        return make_application("approved")


@pytest.fixture
def held(make_application, kjt, login):
    """An application approved with "keep the notice as a draft": an unnumbered draft notice."""
    app = make_application("under_review")
    give_opinions(app)
    login(kjt).post(
        f"/applications/{app.pk}/transitions/approve/",
        {"comment": "同意建设。", "hold_notice": "on", "expected_state": "under_review"},
    )
    app.refresh_from_db()
    assert app.state == "approved"
    return app


# --- the notices box on an object page -------------------------------------------------------------


def test_art5_draft_notice_on_the_object_page_shows_its_state_once(held, kjt, login):
    notice = notices_on(held).get()
    assert notice.state == Notice.State.DRAFT and not notice.number

    client = login(kjt)
    client.cookies["django_language"] = "en"
    box = notice_box(client.get(f"/applications/{held.pk}/").content.decode())

    line = re.search(r'(?s)<div class="small text-secondary">(.*?)</div>', box)[1]
    assert 'data-state="draft"' in line
    assert re.sub(r"<[^>]+>", "", line).strip() == "Draft"  # once, not "draft · Draft"


def test_art10_3_issued_notice_on_the_object_page_shows_its_number_and_state(approved, unit_a, login):
    notice = notices_on(approved).get()
    box = notice_box(login(unit_a).get(f"/applications/{approved.pk}/").content.decode())

    assert f"{notice.number} · " in box
    assert 'data-state="issued"' in box


# --- message subjects are links --------------------------------------------------------------------


def test_message_subject_is_a_link_that_opens_in_a_new_tab_and_marks_it_read(unit_a, login):
    message = Message.objects.create(
        recipient=unit_a, subject="年度报告已逾期", body="请尽快提交。", url="/reports/"
    )
    client = login(unit_a)

    html = client.get("/messages/").content.decode()

    link = re.search(rf'<a [^>]*href="/messages/{message.pk}/read/"[^>]*>([^<]*)</a>', html)
    assert link and link[1] == "年度报告已逾期"
    assert f'action="/messages/{message.pk}/read/"' not in html  # no POST form per message
    assert 'action="/messages/read-all/"' in html and 'method="post"' in html  # "mark all" stays a POST
    response = client.get(f"/messages/{message.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/reports/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_mark_all_read_still_needs_a_post(unit_a, login):
    Message.objects.create(recipient=unit_a, subject="s", body="b")

    assert login(unit_a).get("/messages/read-all/").status_code == 405
    assert Message.objects.filter(read_at__isnull=True).count() == 1


# --- error pages -----------------------------------------------------------------------------------


def test_500_page_is_styled_bilingual_and_links_home_without_any_context(monkeypatch):
    """Django renders 500.html with no request context: it must not need context processors, the
    database or static-file tags."""
    request = RequestFactory().get("/centers/1/")

    response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "{%" not in html and "{{" not in html
    assert "<style>" in html
    assert 'href="/"' in html
    assert "服务器错误" in html and "Server error" in html
    assert "返回首页" in html and "Back to the home page" in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_404_page_links_home(unit_a, login, language):
    client = login(unit_a)
    client.cookies["django_language"] = language

    response = client.get("/centers/999999/")

    assert response.status_code == 404
    assert 'href="/" data-action="home"' in response.content.decode()


def test_403_page_links_home(rf, unit_a):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.user = unit_a
    with translation.override("en"):
        response = permission_denied(request, PermissionDenied())

    html = response.content.decode()
    assert response.status_code == 403
    assert 'href="/" data-action="home"' in html
    assert "You may not do this" in html


# --- the revoked notice's verification page --------------------------------------------------------


def test_art5_verification_of_a_revoked_notice_leads_with_the_revocation(approved, kjt):
    notice = notices_on(approved).get()
    perform(notice, "revoke", actor=kjt, comment="决定撤销。")
    notice.refresh_from_db()
    client = Client()
    client.cookies["django_language"] = "en"

    html = client.get(f"/notices/verify/{notice.code}/").content.decode()

    banner = re.search(r'(?s)<div class="alert alert-danger[^"]*" id="verify-revoked"[^>]*>(.*?)</div>', html)
    assert banner
    assert f"revoked on {notice.revoked_at.astimezone().date():%Y-%m-%d}" in banner[1]
    assert html.index('id="verify-revoked"') < html.index('id="verify-notice"')
    card = html[html.index('id="verify-notice"') :]
    assert "text-success" not in card[: card.index("</p>")]  # no green "genuine" lead for a revoked one
    assert notice.number in card
    assert "决定撤销" not in html  # the reason is not public


def test_art5_verification_of_an_issued_notice_has_no_revocation_banner(approved):
    notice = notices_on(approved).get()

    html = Client().get(f"/notices/verify/{notice.code}/").content.decode()

    assert 'id="verify-revoked"' not in html
    assert 'class="text-success fw-semibold' in html


# --- person fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [BoardMember, CommitteeMember])
def test_art11_13_person_name_fields_are_labelled_full_name(model):
    field = model._meta.get_field("name")

    with translation.override("en"):
        assert str(field.verbose_name) == "full name"
    with translation.override("zh-hans"):
        assert str(field.verbose_name) == "姓名"


def test_art11_13_governance_form_asks_for_the_members_full_name(approved, unit_a, login):
    center = Center.objects.get(application=approved)

    html = login(unit_a).get(f"/centers/{center.pk}/governance/").content.decode()

    labels = re.findall(r'<label[^>]*for="id_(?:board|committee)[^"]*-name"[^>]*>([^<]*)', html)
    assert labels and all("姓名" in label for label in labels)


# --- the admin -------------------------------------------------------------------------------------


def test_notice_counter_names_are_translatable():
    for text in (NoticeCounter._meta.verbose_name, NoticeCounter._meta.verbose_name_plural):
        assert isinstance(text, Promise)
    with translation.override("en"):
        assert str(NoticeCounter._meta.verbose_name_plural) == "notice counters"


def test_admin_user_add_form_explains_the_portals_fields(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True, organization=None))
    client.cookies["django_language"] = "en"

    html = client.get("/admin/accounts/user/add/").content.decode()

    assert "give the user a role (group)" in html
    assert "After you’ve created a user" not in html
