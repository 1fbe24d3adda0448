"""Official notices in Debian's Chromium (issue 3): 科技厅 keeps the approval notice of Art. 10.3 as a
draft, edits its text, issues it under a number; the lead unit finds it among its notices; anyone
holding the PDF checks it on the public verification page.

Elements are found by ids, names, hrefs and ``data-*`` hooks, never by visible text.
"""

import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from notices.models import Notice
from sctic.demo import give_opinions
from tests.browser.test_art10_walkthrough import expect_state, log_in, log_out, shoot

ADDED_PARAGRAPH = "六、创新中心应于每年1月31日前报送上一年度建设运行情况。"


def test_notice_kept_as_draft_is_edited_issued_numbered_and_verifiable_by_anyone(
    page: Page, live_server, output_path, tmp_path, make_application, kjt, unit_a
):
    application = make_application("under_review")
    give_opinions(application)
    application_url = application.get_absolute_url()

    # Art. 10.3 — kjt approves, keeping the approval notice as a draft to edit first.
    log_in(page, live_server, kjt)
    page.goto(f"{live_server.url}{application_url}")
    page.click('a[data-action="approve"]')
    expect(page).to_have_url(f"{live_server.url}{application_url}transitions/approve/")
    page.fill("#id_comment", "经专家咨询论证，同意建设。")
    page.check("#id_hold_notice")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{application_url}")
    expect_state(page, "approved")

    notice = Notice.objects.get(kind="approval", object_id=application.pk)
    assert (notice.state, notice.number, notice.sequence) == ("draft", "", None)  # no number before issue
    notice_url = notice.get_absolute_url()
    page.click('[data-notice="approval"]')
    expect(page).to_have_url(f"{live_server.url}{notice_url}")
    expect_state(page, "draft")
    expect(page.locator('[data-action="pdf"]')).to_have_count(0)

    # The department edits the draft's body.
    page.click(f'a[href="{notice_url}edit/"]')
    expect(page).to_have_url(f"{live_server.url}{notice_url}edit/")
    body = page.locator("#id_body")
    body.fill(body.input_value().rstrip() + "\n" + ADDED_PARAGRAPH)
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{notice_url}")
    expect(page.locator("main .notice-text")).to_contain_text(ADDED_PARAGRAPH)
    notice.refresh_from_db()
    assert notice.body.endswith(ADDED_PARAGRAPH)
    assert notice.state == "draft"

    # Issuing gives the number 川科高〔YYYY〕N号 and archives the PDF.
    page.click('[data-action="issue"]')
    confirm = page.locator('[data-action-confirm="issue"]')
    expect(confirm).to_be_visible()
    with page.expect_navigation():
        confirm.click()
    expect(page).to_have_url(f"{live_server.url}{notice_url}")
    expect_state(page, "issued")
    notice.refresh_from_db()
    assert re.fullmatch(rf"川科高〔{timezone.localdate().year}〕[1-9]\d*号", notice.number)
    expect(page.locator("main")).to_contain_text(notice.number)
    expect(page.locator(f'a[href="{notice_url}edit/"]')).to_have_count(0)  # issued: no more edits
    pdf_link = page.locator('[data-action="pdf"]')
    expect(pdf_link).to_be_visible()
    shoot(page, output_path, "01-kjt-notice-issued")
    response = page.request.get(f"{live_server.url}{pdf_link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    original = tmp_path / f"{notice.code}.pdf"
    original.write_bytes(response.body())
    verify_href = page.locator('main a[href*="/notices/verify/"]').get_attribute("href")
    assert verify_href == notice.get_verify_url()
    log_out(page, live_server)

    # unit_a, the lead unit, finds it among its notices.
    log_in(page, live_server, unit_a)
    page.goto(f"{live_server.url}/notices/")
    row = page.locator("main table tbody tr", has=page.locator(f'a[href="{notice_url}"]'))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(notice.number)
    expect(row.locator('.state-badge[data-state="issued"]')).to_be_visible()
    row.locator(f'a[href="{notice_url}"]').click()
    expect(page).to_have_url(f"{live_server.url}{notice_url}")
    expect(page.locator("main .notice-text")).to_contain_text(ADDED_PARAGRAPH)
    log_out(page, live_server)

    # Anyone, not logged in, checks the document on the verification page.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{verify_href}")
    card = page.locator("#verify-notice")
    expect(card).to_contain_text(notice.number)
    expect(card).to_contain_text(notice.title)
    expect(page.locator("main")).not_to_contain_text(ADDED_PARAGRAPH)  # number, title, date, issuer only
    expect(page.locator(f'a[href="{notice_url}"]')).to_have_count(0)
    expect(page.locator("#verify-match, #verify-mismatch")).to_have_count(0)

    upload = page.locator('main form[enctype="multipart/form-data"]')
    upload.locator('input[type=file][name="file"]').set_input_files(str(original))
    with page.expect_navigation():
        upload.locator("button[type=submit][data-once]").click()
    expect(page.locator("#verify-match")).to_be_visible()
    expect(page.locator("#verify-mismatch")).to_have_count(0)
    shoot(page, output_path, "02-anonymous-verify-match")

    altered = tmp_path / "altered.pdf"
    content = bytearray(original.read_bytes())
    content[len(content) // 2] ^= 0x01  # one bit changed in the middle of the document
    altered.write_bytes(bytes(content))
    upload = page.locator('main form[enctype="multipart/form-data"]')
    upload.locator('input[type=file][name="file"]').set_input_files(str(altered))
    with page.expect_navigation():
        upload.locator("button[type=submit][data-once]").click()
    expect(page.locator("#verify-mismatch")).to_be_visible()
    expect(page.locator("#verify-match")).to_have_count(0)
    shoot(page, output_path, "03-anonymous-verify-mismatch")
