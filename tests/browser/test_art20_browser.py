"""An Art. 20 change of name walked through the UI in Debian's Chromium: the center asks in writing
with its board's resolution, its supervisor reviews and forwards the request, 科技厅 approves it on
the decision page; the center page then carries the new name with the former one, and the
change-approval notice with its PDF.

Elements are found by ids, names, hrefs and ``data-*`` hooks, never by visible text.
"""

import hashlib
import re

from playwright.sync_api import Page, expect

from centers.models import Center, CenterHistory, ChangeRequest
from notices.models import Notice
from sctic.demo import minimal_pdf
from tests.browser.test_art10_walkthrough import expect_state, log_in, log_out, press, shoot
from tests.factories import CenterFactory

OLD_NAME = "四川省先进催化材料技术创新中心"
NEW_NAME = "四川省先进催化与过程强化技术创新中心"
REASON = "研发领域由催化材料拓展至过程强化，经理事会审议通过，申请变更中心名称。"
CHANGE_URL = re.compile(r"/changes/(\d+)/$")


def test_art20_name_change_from_request_to_notice(
    page: Page, live_server, output_path, tmp_path, unit_a, chengdu, kjt
):
    center = CenterFactory(name=OLD_NAME, lead_unit=unit_a.organization, supervisor=chengdu.organization)
    center_url = center.get_absolute_url()

    # Art. 20 — unit_a asks in writing from its center's page.
    log_in(page, live_server, unit_a)
    page.goto(f"{live_server.url}{center_url}")
    page.click('[data-action="request-change"]')
    expect(page).to_have_url(f"{live_server.url}{center_url}changes/new/")
    page.select_option("#id_kind", ChangeRequest.Kind.NAME.value)
    page.fill("#id_proposed_value", NEW_NAME)
    page.fill("#id_reason", REASON)
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(CHANGE_URL)
    pk = int(CHANGE_URL.search(page.url).group(1))
    change_url = f"/changes/{pk}/"
    expect_state(page, "draft")
    expect(page.locator("#current-value")).to_contain_text(OLD_NAME)
    expect(page.locator("#proposed-value")).to_contain_text(NEW_NAME)
    # Art. 11 — without the board's resolution the request cannot go out yet.
    expect(page.locator('[data-action="submit"]')).to_be_disabled()

    resolution = tmp_path / "理事会决议.pdf"
    resolution.write_bytes(minimal_pdf("Board resolution on the new name"))
    upload = page.locator(f'form[action="{change_url}attachments/"]')
    upload.locator('select[name="kind"]').select_option(ChangeRequest.AttachmentKind.BOARD_RESOLUTION.value)
    upload.locator('input[type=file][name="file"]').set_input_files(str(resolution))
    with page.expect_navigation():
        upload.locator("button[type=submit][data-once]").click()
    expect(page).to_have_url(f"{live_server.url}{change_url}")
    expect(page.locator('main a[href^="/files/"]')).to_have_count(1)
    expect(page.locator('[data-action="submit"]')).to_be_enabled()
    shoot(page, output_path, "01-unit_a-change-draft")
    press(page, "submit")
    expect_state(page, "submitted")
    assert ChangeRequest.objects.get(pk=pk).state == "submitted"
    log_out(page, live_server)

    # Art. 20 — chengdu, the supervisor, reviews the request side by side and forwards it.
    log_in(page, live_server, chengdu)
    page.goto(f"{live_server.url}{change_url}")
    expect(page.locator("#current-value")).to_contain_text(OLD_NAME)
    expect(page.locator("#proposed-value")).to_contain_text(NEW_NAME)
    expect(page.locator('[data-action="approve"]')).to_have_count(0)  # not the supervisor's decision
    shoot(page, output_path, "02-chengdu-change-submitted")
    press(page, "supervisor_approve", "经审核，同意变更名称，报请科技厅批准。")
    expect_state(page, "supervisor_approved")
    log_out(page, live_server)

    # Art. 5.2, 20 — kjt approves on the decision page; the notice is issued with the decision.
    log_in(page, live_server, kjt)
    page.goto(f"{live_server.url}{change_url}")
    page.click('a[data-action="approve"]')
    expect(page).to_have_url(f"{live_server.url}{change_url}transitions/approve/")
    page.fill("#id_comment", "经研究，同意变更名称。")
    expect(page.locator("#id_hold_notice")).not_to_be_checked()
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{change_url}")
    expect_state(page, "approved")
    expect(page.locator("#current-value")).to_contain_text(OLD_NAME)  # now: the value before the change
    shoot(page, output_path, "03-kjt-change-approved")

    center.refresh_from_db()
    assert center.name == NEW_NAME
    history = CenterHistory.objects.get(center=center)
    assert (history.kind, history.old_value, history.new_value) == ("name", OLD_NAME, NEW_NAME)
    notice = Notice.objects.get(kind="change_approval", object_id=pk)
    assert notice.state == "issued"
    log_out(page, live_server)

    # The lead unit finds the new name, the former one and the notice on its center's page.
    log_in(page, live_server, unit_a)
    page.goto(f"{live_server.url}{center_url}")
    expect(page.locator("main h1")).to_have_text(NEW_NAME)
    former = page.locator("[data-former-name]")
    expect(former).to_have_count(1)
    expect(former).to_contain_text(OLD_NAME)
    expect(page.locator('tr[data-history="name"]')).to_contain_text(OLD_NAME)
    shoot(page, output_path, "04-unit_a-center-renamed")
    page.click('[data-notice="change_approval"]')
    expect(page).to_have_url(f"{live_server.url}{notice.get_absolute_url()}")
    notice.refresh_from_db()
    expect(page.locator("main")).to_contain_text(notice.number)
    pdf_link = page.locator('[data-action="pdf"]')
    expect(pdf_link).to_be_visible()
    shoot(page, output_path, "05-unit_a-change-approval-notice")
    response = page.request.get(f"{live_server.url}{pdf_link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    content = response.body()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == notice.sha256
    assert Center.objects.filter(name=OLD_NAME).count() == 0
