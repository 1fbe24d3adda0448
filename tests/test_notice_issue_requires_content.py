"""Art. 5: 科技厅 decides by official notice, and a notice is issued only with its title (标题),
addressees (主送机关) and body (正文) — GB/T 9704 7.2, 7.3. A draft missing any of them, or holding
only spaces, line breaks or invisible characters there, is refused at ``issue`` with one message per
missing part; nothing is numbered. The issue button on the notice page shows why it is blocked."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from notices.forms import NoticeForm
from notices.models import MESSAGES_MISSING, Kind, Notice, NoticeCounter
from sctic.workflow import perform

TITLE = "四川省科学技术厅关于同意建设四川省先进催化材料技术创新中心的批复"
ADDRESSEES = "成都市科学技术局，四川先进催化材料有限公司"
BODY = "成都市科学技术局：\n经研究，同意建设四川省先进催化材料技术创新中心。"

# Nothing a reader would see: empty, spaces, a full-width space, line breaks, zero-width spaces.
BLANKS = ["", " ", "\u3000", " \r\n\t ", "\u200b", "\ufeff\u200b \n"]
PARTS = ["title", "addressees", "body"]


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def draft(kjt, kjt_org):
    def make(**fields):
        values = {"title": TITLE, "addressees": ADDRESSEES, "body": BODY, **fields}
        return Notice.objects.create(kind=Kind.APPROVAL, issuer=kjt_org, created_by=kjt, **values)

    return make


def refused(notice, actor) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        perform(notice, "issue", actor=actor)
    stored = Notice.objects.get(pk=notice.pk)
    assert stored.state == Notice.State.DRAFT
    assert (stored.number, stored.sequence, stored.issue_date) == ("", None, None)
    assert not NoticeCounter.objects.exists()
    return excinfo.value.messages


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("part", PARTS)
def test_art5_notice_missing_a_part_is_not_issued_and_the_message_names_it(draft, kjt, part, blank):
    notice = draft(**{part: blank})

    assert refused(notice, kjt) == [str(MESSAGES_MISSING[part])]


def test_art5_notice_missing_everything_lists_title_addressees_and_body(draft, kjt):
    notice = draft(title="  ", addressees="\u3000", body="\n\n")

    assert refused(notice, kjt) == [str(MESSAGES_MISSING[part]) for part in PARTS]


def test_art5_notice_missing_addressees_and_body_lists_both(draft, kjt):
    notice = draft(addressees="", body=" \u200b ")

    assert refused(notice, kjt) == [str(MESSAGES_MISSING["addressees"]), str(MESSAGES_MISSING["body"])]


def test_art5_complete_notice_is_issued_and_numbered(draft, kjt):
    notice = draft()

    perform(notice, "issue", actor=kjt)

    stored = Notice.objects.get(pk=notice.pk)
    assert stored.state == Notice.State.ISSUED and stored.number


def test_art5_issue_over_http_with_an_empty_body_says_what_is_missing(draft, kjt, login):
    notice = draft(body=" ")
    client = login(kjt)
    client.cookies["django_language"] = "en"

    response = client.post(
        f"/notices/{notice.pk}/transitions/issue/", {"expected_state": "draft"}, follow=True
    )

    assert response.status_code in (200, 400)
    assert escape(str(MESSAGES_MISSING["body"])) in response.content.decode()
    assert Notice.objects.get(pk=notice.pk).state == Notice.State.DRAFT


def test_art5_notice_page_shows_why_issue_is_blocked(draft, kjt, login):
    notice = draft(title="\u200b", addressees=" ")
    client = login(kjt)
    client.cookies["django_language"] = "en"

    html = client.get(f"/notices/{notice.pk}/").content.decode()

    assert escape(str(MESSAGES_MISSING["title"])) in html
    assert escape(str(MESSAGES_MISSING["addressees"])) in html


@pytest.mark.parametrize("part", PARTS)
def test_art5_draft_form_refuses_a_part_of_invisible_characters(draft, part):
    notice = draft()
    data = {"title": TITLE, "addressees": ADDRESSEES, "body": BODY, "attachments_line": "", "copy_to": ""}
    data[part] = "\u200b\u3000"

    form = NoticeForm(data, instance=notice)

    assert not form.is_valid()
    assert part in form.errors
