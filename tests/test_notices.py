"""Official notices of 科技厅 in the portal (Art. 5: decisions by official document; Art. 10.3: the
approval or rejection of a center's construction is sent to the lead unit and the supervisor).

What the decisions issue, how the department edits a draft and revokes a notice, who may open a
notice and its PDF (404 for everyone else), the per-user list and its export, and the public
verification page, which tells no more than the number, title, date and issuer.
"""

import hashlib
import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape
from django_fsm_log.models import StateLog
from openpyxl import load_workbook

from centers.models import Center
from exports.models import Export
from notices import services
from notices.forms import NoticeForm
from notices.models import Kind, Notice, NoticeCounter
from notices.rendering import chinese_date
from notifications.models import Message
from sctic.demo import REASONS, give_opinions
from sctic.forms import CONFIRM_FIELD, MESSAGE_CONFIRM_IRREVERSIBLE
from sctic.workflow import get_actions, perform
from tests.factories import UserFactory

# The database is set up before any settings override (some tests reach it lazily).
pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^川科高〔\d{4}〕[1-9]\d*号$")
LEAD = "成都天府轨道交通装备研究院有限公司"
SUPERVISOR = "成都市科学技术局"
ADDED = "六、请创新中心于每年1月31日前报送上一年度建设运行工作总结。"


def notices_on(app):
    return Notice.objects.filter(content_type=ContentType.objects.get_for_model(app), object_id=app.pk)


def archived(notice) -> bytes:
    with notice.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(notice) -> str:
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(archived(notice))).pages)
    return re.sub(r"—\s*\d+\s*—", "", re.sub(r"\s+", "", text))


def told(notice) -> set[str]:
    """Usernames of those who got a message about ``notice``."""
    messages = Message.objects.filter(
        content_type=ContentType.objects.get_for_model(Notice), object_id=notice.pk
    ).select_related("recipient")
    return {m.recipient.username for m in messages}


def links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/notices/(\d+)/"', html)}


@pytest.fixture
def decided(make_application, django_capture_on_commit_callbacks):
    """``decided("approved" | "rejected")``: unit_a's application to chengdu, decided by kjt through
    the workflow, with what is queued after the commit run (the notice's PDF, the e-mails)."""

    def run(state, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            app = make_application(state, **kwargs)
        return app

    return run


@pytest.fixture
def approved(decided):
    return decided("approved")


@pytest.fixture
def approval(approved):
    return notices_on(approved).get()


@pytest.fixture
def held(make_application, kjt, login, django_capture_on_commit_callbacks):
    """An application approved by kjt on the approve page with "keep the notice as a draft"."""
    app = make_application("under_review")
    give_opinions(app)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(kjt).post(
            f"/applications/{app.pk}/transitions/approve/",
            {"comment": "同意建设。", "hold_notice": "on", "expected_state": "under_review"},
        )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == "approved"
    return app


# --- Art. 10.3: the decision issues its notice ---------------------------------------------------


def test_art10_3_approval_issues_the_approval_notice_to_lead_unit_and_supervisor(
    decided, unit_a, chengdu, kjt_org, unit_b, mianyang
):
    colleagues = [
        UserFactory(organization=unit_a.organization, role="applicant"),
        UserFactory(organization=chengdu.organization, role="supervisor"),
    ]

    app = decided("approved")

    notice = notices_on(app).get()
    center = Center.objects.get(application=app)
    cycle = center.cycles.get()
    assert notice.kind == Kind.APPROVAL
    assert notice.state == Notice.State.ISSUED
    assert NUMBER.match(notice.number), notice.number
    assert notice.issue_date == timezone.localdate()
    assert notice.issuer == kjt_org
    assert notice.subject == app
    assert set(notice.addressee_orgs.all()) == {unit_a.organization, chengdu.organization}
    assert notice.addressees == f"{SUPERVISOR}，{LEAD}"
    assert app.proposed_name in notice.title
    for fact in (center.legal_entity_name, center.credit_code, chinese_date(cycle.start_date)):
        assert fact in notice.body
    assert notice.is_rendered
    assert notice.sha256 == hashlib.sha256(archived(notice)).hexdigest()
    assert notice.number in pdf_text(notice)
    assert told(notice) == {"unit_a", "chengdu", *(u.username for u in colleagues)}


def test_art10_3_rejection_issues_the_rejection_letter_with_the_reason(decided, unit_a, chengdu):
    app = decided("rejected")

    notice = notices_on(app).get()
    assert notice.kind == Kind.REJECTION
    assert notice.state == Notice.State.ISSUED and NUMBER.match(notice.number)
    assert set(notice.addressee_orgs.all()) == {unit_a.organization, chengdu.organization}
    assert f"主要意见：{REASONS['reject']}" in notice.body
    assert REASONS["reject"] in pdf_text(notice)
    assert not Center.objects.filter(application=app).exists()
    assert told(notice) == {"unit_a", "chengdu"}


def test_art10_3_approval_with_hold_notice_keeps_an_unnumbered_draft(held, unit_a, chengdu):
    notice = notices_on(held).get()

    assert notice.state == Notice.State.DRAFT
    assert (notice.number, notice.sequence, notice.issue_date) == ("", None, None)
    assert not notice.pdf and not NoticeCounter.objects.exists()
    assert set(notice.addressee_orgs.all()) == {unit_a.organization, chengdu.organization}
    assert told(notice) == set()  # nobody is told of a draft


def test_art5_kjt_edits_the_held_draft_and_issues_it(held, kjt, login, django_capture_on_commit_callbacks):
    notice = notices_on(held).get()
    client = login(kjt)
    assert client.get(f"/notices/{notice.pk}/edit/").status_code == 200

    response = client.post(
        f"/notices/{notice.pk}/edit/",
        {
            "title": notice.title,
            "addressees": notice.addressees,
            "body": f"{notice.body}\n{ADDED}",
            "attachments_line": "",
            "copy_to": "四川省经济和信息化厅",
        },
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.body.endswith(ADDED) and notice.state == Notice.State.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notices/{notice.pk}/transitions/issue/", {"expected_state": "draft"})

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.state == Notice.State.ISSUED and NUMBER.match(notice.number)
    assert notice.is_rendered
    text = pdf_text(notice)
    assert ADDED in text and "抄送：四川省经济和信息化厅。" in text
    assert told(notice) == {"unit_a", "chengdu"}


def test_art5_a_notice_cannot_be_edited_once_issued(approval, kjt, login):
    before = (approval.title, approval.body, approval.addressees)
    client = login(kjt)

    response = client.post(
        f"/notices/{approval.pk}/edit/",
        {
            "title": "改过的标题",
            "addressees": "改过的主送机关",
            "body": "改过的正文。",
            "attachments_line": "",
            "copy_to": "",
        },
    )

    assert response.status_code == 302
    approval.refresh_from_db()
    assert (approval.title, approval.body, approval.addressees) == before
    assert client.get(f"/notices/{approval.pk}/edit/").status_code == 302
    form = NoticeForm(
        {"title": "改过的标题", "addressees": "改过的主送机关", "body": "改过的正文。"}, instance=approval
    )
    assert not form.is_valid()  # the model refuses too, whatever view saves it


def test_art5_only_the_department_edits_a_draft(held, chengdu, unit_a, login):
    notice = notices_on(held).get()

    for user in (chengdu, unit_a):
        response = login(user).post(
            f"/notices/{notice.pk}/edit/", {"title": "x", "addressees": "x", "body": "x"}
        )
        assert response.status_code == 404  # they do not see drafts at all
    notice.refresh_from_db()
    assert notice.title != "x"


def test_art5_revoking_a_notice_needs_a_reason(approval, kjt, login):
    with pytest.raises(ValidationError):
        perform(approval, "revoke", actor=kjt)

    response = login(kjt).post(
        f"/notices/{approval.pk}/transitions/revoke/",
        {"comment": "  ", "expected_state": "issued", CONFIRM_FIELD: "on"},
    )

    assert response.status_code == 400
    approval.refresh_from_db()
    assert approval.state == Notice.State.ISSUED and approval.revocation_reason == ""


def test_art5_revocation_tells_the_addressees_with_the_reason(approval, kjt, login):
    reason = "牵头单位提供的材料存在重大失实，决定撤销本批复。"
    before = told(approval)

    response = login(kjt).post(
        f"/notices/{approval.pk}/transitions/revoke/",
        {"comment": reason, "expected_state": "issued", CONFIRM_FIELD: "on"},
    )

    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.state == Notice.State.REVOKED
    assert approval.revocation_reason == reason
    assert approval.number and approval.is_rendered  # the number and the archive stay
    revoked = Message.objects.filter(object_id=approval.pk, body__contains=reason)
    assert {m.recipient.username for m in revoked} == {"unit_a", "chengdu"} == before
    assert StateLog.objects.for_(approval).get(transition="revoke").description == reason


def test_art5_revoking_a_notice_is_confirmed_and_keeps_the_typed_reason(approval, kjt, login):
    """Art. 5: revoking cannot be undone; the page states what it does and asks for the tick. A POST
    without it does nothing and gives the reason back as typed."""
    reason = "批复所依据的材料存在重大失实，决定撤销。"
    [action] = [a for a in get_actions(approval, kjt) if a.name == "revoke"]
    assert action.irreversible and action.needs_page
    client = login(kjt)
    client.cookies["django_language"] = "en"
    url = f"/notices/{approval.pk}/transitions/revoke/"
    page = client.get(url).content.decode()
    assert 'data-irreversible="revoke"' in page and f'name="{CONFIRM_FIELD}"' in page

    refused = client.post(url, {"comment": reason, "expected_state": "issued"})

    assert refused.status_code == 400
    html = refused.content.decode()
    with translation.override("en"):
        assert escape(str(MESSAGE_CONFIRM_IRREVERSIBLE)) in html
    assert reason in html
    approval.refresh_from_db()
    assert approval.state == Notice.State.ISSUED and approval.revocation_reason == ""


def test_art5_only_the_department_revokes(approval, chengdu):
    with pytest.raises(PermissionDenied):
        perform(approval, "revoke", actor=chengdu, comment="撤销。")
    approval.refresh_from_db()
    assert approval.state == Notice.State.ISSUED


def test_art10_3_notice_is_shown_on_the_application_and_center_pages_of_the_lead_unit(
    approval, approved, unit_a, login
):
    client = login(unit_a)
    center = Center.objects.get(application=approved)

    application_page = client.get(f"/applications/{approved.pk}/").content.decode()
    center_page = client.get(f"/centers/{center.pk}/").content.decode()

    assert approval.pk in links(application_page)
    assert approval.pk in links(center_page)
    assert approval.number in center_page


def test_art5_a_held_draft_is_not_shown_on_the_application_page_but_to_kjt(held, unit_a, kjt, login):
    notice = notices_on(held).get()

    assert notice.pk not in links(login(unit_a).get(f"/applications/{held.pk}/").content.decode())
    assert notice.pk in links(login(kjt).get(f"/applications/{held.pk}/").content.decode())


# --- who may open a notice -----------------------------------------------------------------------------

EVERYONE = ["kjt", "chengdu", "unit_a", "jxt", "unit_b", "mianyang", "expert"]
OPENS = {"kjt": 200, "chengdu": 200, "unit_a": 200, "jxt": 200}  # jxt: copied; the rest: 404


def person(request, who):
    return request.getfixturevalue("experts")[0] if who == "expert" else request.getfixturevalue(who)


@pytest.fixture
def copied(approval, jxt_org):
    approval.copy_orgs.add(jxt_org)
    return approval


@pytest.mark.parametrize("who", EVERYONE)
def test_art5_issued_notice_and_its_pdf_open_only_for_department_addressees_and_copied(
    request, copied, client, who
):
    client.force_login(person(request, who))

    page = client.get(f"/notices/{copied.pk}/")
    pdf = client.get(f"/notices/{copied.pk}/pdf/")

    expected = OPENS.get(who, 404)
    assert (page.status_code, pdf.status_code) == (expected, expected)
    if expected == 200:
        assert copied.title in page.content.decode()
        assert pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content) == archived(copied)


def test_art5_anonymous_visitors_are_sent_to_log_in(approval, client):
    for url in (f"/notices/{approval.pk}/", f"/notices/{approval.pk}/pdf/", "/notices/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", EVERYONE)
def test_art5_a_draft_is_seen_only_by_the_department(request, held, jxt_org, client, who):
    notice = notices_on(held).get()
    notice.copy_orgs.add(jxt_org)
    client.force_login(person(request, who))

    page = client.get(f"/notices/{notice.pk}/")

    assert page.status_code == (200 if who == "kjt" else 404)
    assert client.get(f"/notices/{notice.pk}/pdf/").status_code == 404  # a draft has no PDF yet


# --- the list of one's notices ---------------------------------------------------------------------------


@pytest.fixture
def issue(kjt):
    """``issue(addressee_orgs, copy_orgs=(), draft=False)``: a notice on no object, issued as kjt
    (not rendered: these tests are about who sees which row)."""

    def run(addressee_orgs, copy_orgs=(), draft=False):
        notice = services.notice_draft(
            kind=Kind.RECTIFICATION,
            subject=None,
            actor=kjt,
            addressee_orgs=addressee_orgs,
            copy_orgs=copy_orgs,
            context={
                "name": "四川省列表测试技术创新中心",
                "deadline": "2027年12月31日",
                "supervisor": SUPERVISOR,
            },
        )
        return notice if draft else perform(notice, "issue", actor=kjt)

    return run


@pytest.fixture
def spread(issue, unit_a_org, unit_b_org, chengdu_org, mianyang_org, jxt_org):
    """Notices to unit_a, to unit_b, to both bureaus, copied to jxt, and a draft to unit_a."""
    return {
        "unit_a": issue([unit_a_org, chengdu_org]),
        "unit_b": issue([unit_b_org, mianyang_org]),
        "copied": issue([mianyang_org], copy_orgs=[jxt_org]),
        "draft": issue([unit_a_org], draft=True),
    }


LISTS = {
    "kjt": {"unit_a", "unit_b", "copied", "draft"},
    "unit_a": {"unit_a"},
    "chengdu": {"unit_a"},
    "unit_b": {"unit_b"},
    "mianyang": {"unit_b", "copied"},
    "jxt": {"copied"},
    "expert": set(),
}


@pytest.mark.parametrize("who", EVERYONE)
def test_art5_notice_list_shows_only_the_users_notices(request, spread, client, who):
    client.force_login(person(request, who))

    html = client.get("/notices/").content.decode()

    assert links(html) == {spread[name].pk for name in LISTS[who]}


@pytest.mark.parametrize("who", ["unit_a", "mianyang", "kjt"])
def test_art5_notice_export_lists_the_users_notices_only(
    request, spread, client, who, django_capture_on_commit_callbacks
):
    user = person(request, who)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/exports/new/notices/", {"params": ""})
    export = Export.objects.filter(user=user).latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    download = client.get(f"/exports/{export.pk}/download/")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} - {None, ""}

    assert len(titles) == len(LISTS[who]) == export.row_count
    assert numbers == {spread[name].number for name in LISTS[who] if name != "draft"}


@pytest.fixture
def notice_rows(kjt, kjt_org, unit_a_org, chengdu_org, unit_b_org):
    """``notice_rows(n)`` adds ``n`` issued notices (direct rows) to unit_a and chengdu, and ``n`` to
    unit_b, with their numbers."""
    counter = {"n": 0}
    today = timezone.localdate()

    def add(n):
        for _ in range(n):
            for addressees in ([unit_a_org, chengdu_org], [unit_b_org]):
                i = counter["n"] = counter["n"] + 1
                notice = Notice.objects.create(
                    kind=Kind.APPROVAL if i % 2 else Kind.REJECTION,
                    title=f"四川省科学技术厅关于同意建设四川省查询{i:03d}技术创新中心的批复",
                    addressees="，".join(o.name for o in addressees),
                    body="同意建设。",
                    issuer=kjt_org,
                    created_by=kjt,
                    state=Notice.State.ISSUED if i % 5 else Notice.State.REVOKED,
                    prefix="川科高",
                    year=today.year,
                    sequence=i,
                    number=f"川科高〔{today.year}〕{i}号",
                    issue_date=today,
                )
                notice.addressee_orgs.set(addressees)

    return add


@pytest.fixture
def one_page(settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.content.decode()


@pytest.mark.parametrize("who", ["kjt", "chengdu", "unit_a"])
@pytest.mark.parametrize("url", ["/notices/", "/notices/?state=issued", "/notices/?q=查询"])
def test_notice_list_queries_do_not_grow_with_rows(request, one_page, notice_rows, client, who, url):
    user = person(request, who)
    client.force_login(user)
    notice_rows(5)
    client.get(url)  # warm caches (content types, sessions)
    few, few_sql, few_html = count_queries(client, url)
    notice_rows(45)
    many, many_sql, many_html = count_queries(client, url)

    if few != many:
        print("\n".join(["--- 5 rows ---", *few_sql, "--- 50 rows ---", *many_sql]))
    assert few == many, f"{url}: {few} queries with 5 rows, {many} with 50"
    assert len(links(many_html)) > len(links(few_html)) > 0


# --- the public verification page ----------------------------------------------------------------------


def verify(code, upload=None):
    client = Client()  # nobody logged in
    if upload is None:
        return client.get(f"/notices/verify/{code}/")
    return client.post(
        f"/notices/verify/{code}/",
        {"file": SimpleUploadedFile("公文.pdf", upload, content_type="application/pdf")},
    )


def test_verification_shows_number_title_date_and_issuer_only(approval, approved):
    response = verify(approval.code)

    html = response.content.decode()
    assert response.status_code == 200
    for shown in (
        approval.number,
        approval.title,
        approval.issue_date.strftime("%Y-%m-%d"),
        "四川省科学技术厅",
    ):
        assert shown in html, shown
    center = Center.objects.get(application=approved)
    secrets = [LEAD, SUPERVISOR, approval.sha256, center.legal_entity_name, center.credit_code]
    secrets += [line.strip() for line in approval.body.splitlines() if line.strip()]
    for secret in secrets:
        assert secret not in html, secret
    assert f"/notices/{approval.pk}/pdf/" not in html


def test_verification_of_an_unknown_code_says_so_plainly(db):
    response = verify("no-such-code")

    assert response.status_code == 404
    html = response.content.decode()
    assert "没有核验码为“no-such-code”的公文" in html
    assert 'id="verify-unknown"' in html
    assert 'id="verify-notice"' not in html and 'enctype="multipart/form-data"' not in html


def test_verification_does_not_know_a_drafts_code(held):
    notice = notices_on(held).get()

    response = verify(notice.code)

    assert response.status_code == 404
    assert notice.title not in response.content.decode()


def test_verification_escapes_the_code_it_repeats(db):
    response = verify("%3Cscript%3Ealert(1)%3C%2Fscript%3E")

    assert response.status_code == 404
    assert "<script>alert(1)" not in response.content.decode()


def test_verification_of_the_archived_pdf_says_identical(approval):
    response = verify(approval.code, archived(approval))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="verify-match"' in html and "您上传的文件与存档原件逐字节一致。" in html
    assert 'id="verify-mismatch"' not in html


def test_verification_of_a_copy_changed_by_one_byte_says_not_identical(approval):
    data = bytearray(archived(approval))
    middle = len(data) // 2
    data[middle] = (data[middle] + 1) % 256

    response = verify(approval.code, bytes(data))

    html = response.content.decode()
    assert 'id="verify-mismatch"' in html and "您上传的文件与存档原件不一致" in html
    assert 'id="verify-match"' not in html


def test_verification_of_another_notices_pdf_says_not_identical(approval, decided, unit_b, mianyang):
    other = notices_on(
        decided(
            "approved",
            lead=unit_b.organization,
            supervisor=mianyang.organization,
            applicant=unit_b,
            supervisor_user=mianyang,
        )
    ).get()

    html = verify(approval.code, archived(other)).content.decode()

    assert 'id="verify-mismatch"' in html


def test_verification_shows_a_revoked_notice_as_revoked(approval, kjt):
    perform(approval, "revoke", actor=kjt, comment="决定撤销。")

    html = verify(approval.code).content.decode()

    assert approval.number in html
    assert 'id="verify-revoked"' in html  # the revocation first (tests/test_minor_ui.py)
    assert "决定撤销" not in html  # the reason is not public
    assert 'id="verify-match"' in verify(approval.code, archived(approval)).content.decode()


def test_verification_of_a_notice_whose_pdf_is_not_made_yet_matches_no_upload(kjt, chengdu_org):
    """An issued notice whose PDF is not made yet matches no upload (there is nothing to compare)."""
    notice = services.notice_draft(
        kind=Kind.REVOCATION,
        subject=None,
        actor=kjt,
        addressee_orgs=[chengdu_org],
        context={"name": "四川省核验测试技术创新中心", "supervisor": SUPERVISOR},
    )
    perform(notice, "issue", actor=kjt)  # the rendering is queued after a commit that never comes

    html = verify(notice.code, b"%PDF-1.7\n").content.decode()

    assert 'id="verify-mismatch"' in html
