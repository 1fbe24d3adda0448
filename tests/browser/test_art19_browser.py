"""The Art. 19 annual report walked through the UI in Debian's Chromium: unit_a fills in and
submits its report, chengdu returns it with a reason, unit_a sees the reason, fixes a figure and
resubmits, chengdu approves, kjt files it from the list with the batch button.

Elements are found by ids, names, hrefs and ``data-*`` hooks, never by visible text.
Screenshots of each step land in ``test-results/<test>/`` (ignored by git).
"""

import re
from datetime import date

from django_fsm_log.models import StateLog
from playwright.sync_api import Page, expect

from reports.demo import NARRATIVE, figures
from reports.metrics import METRICS
from reports.models import AnnualReport
from reports.services import season_open
from tests.browser.test_art10_walkthrough import expect_state, log_in, log_out, press, shoot
from tests.factories import CenterFactory

CENTER_NAME = "四川省轨道交通装备技术创新中心"
RETURN_REASON = "技术转移合同数量与佐证材料不一致，请核对后重新填报。"
YEAR = 2025
DUE = date(2026, 3, 31)


def state_of(pk: int) -> str:
    return AnnualReport.objects.values_list("state", flat=True).get(pk=pk)


def test_art19_annual_report_from_draft_to_filed(page: Page, live_server, output_path, unit_a, chengdu, kjt):
    center = CenterFactory(name=CENTER_NAME, lead_unit=unit_a.organization, supervisor=chengdu.organization)
    # Last year's filed report, for the comparison on the report page.
    AnnualReport.objects.create(
        center=center,
        year=YEAR - 1,
        due_date=date(YEAR, 3, 31),
        state="filed",
        **NARRATIVE,
        **figures(0, YEAR - 1),
    )
    season_open(year=YEAR, due_date=DUE, actor=kjt)
    report = AnnualReport.objects.get(center=center, year=YEAR)
    report_url = report.get_absolute_url()
    values = figures(0, YEAR)

    # Art. 19 — unit_a opens its draft from the report list and fills it in.
    log_in(page, live_server, unit_a)
    page.click('#nav a[href="/reports/"]')
    expect(page).to_have_url(f"{live_server.url}/reports/")
    page.click(f'main table a[href="{report_url}"]')
    expect(page).to_have_url(f"{live_server.url}{report_url}")
    expect_state(page, "draft")
    expect(page.locator('[data-action="submit"]')).to_be_disabled()  # nothing filled in yet
    shoot(page, output_path, "01-unit_a-empty-draft")

    page.click('[data-action="edit"]')
    expect(page).to_have_url(f"{live_server.url}{report_url}edit/")
    for field, text in NARRATIVE.items():
        page.fill(f"#id_{field}", text)
    for metric in METRICS:
        page.fill(f"#id_{metric.name}", str(values[metric.name]))
    # A negative figure is refused with its message under the field; what was typed stays.
    page.fill("#id_transfer_contracts", "-3")
    page.click("main form button[type=submit][data-once]")
    expect(page.locator("#id_transfer_contracts")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_transfer_contracts_error")).to_be_visible()
    expect(page.locator("#id_progress")).to_have_value(NARRATIVE["progress"])
    shoot(page, output_path, "02-unit_a-edit-invalid")
    assert AnnualReport.objects.get(pk=report.pk).progress == ""

    page.fill("#id_transfer_contracts", "12")
    shoot(page, output_path, "02-unit_a-edit")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{report_url}")
    expect(page.locator('tr[data-metric="transfer_contracts"] td').first).to_have_text("12")
    report.refresh_from_db()
    assert report.missing() == []
    assert report.rd_spending == values["rd_spending"]

    press(page, "submit")
    expect_state(page, "submitted")
    assert state_of(report.pk) == "submitted"
    expect(page.locator('[data-action="edit"]')).to_have_count(0)
    shoot(page, output_path, "03-unit_a-submitted")
    log_out(page, live_server)

    # Art. 19 — chengdu finds it on its dashboard, compares with last year and returns it with a reason.
    log_in(page, live_server, chengdu)
    awaiting = page.locator('section[aria-labelledby="awaiting-title"]')
    awaiting.locator(f'a[href="{report_url}"]').click()
    expect(page).to_have_url(f"{live_server.url}{report_url}")
    expect(page.locator("table.figures thead th")).to_have_count(4)  # figure, 2025, 2024, evidence
    shoot(page, output_path, "04-chengdu-report")
    press(page, "return_for_revision", RETURN_REASON)
    expect_state(page, "returned")
    assert state_of(report.pk) == "returned"
    log_out(page, live_server)

    # unit_a sees the reason, corrects the figure and submits again.
    log_in(page, live_server, unit_a)
    page.goto(f"{live_server.url}{report_url}")
    expect_state(page, "returned")
    expect(page.locator("#return-reason")).to_contain_text(RETURN_REASON)
    shoot(page, output_path, "05-unit_a-returned")
    page.click('[data-action="edit"]')
    expect(page.locator("#id_transfer_contracts")).to_have_value("12")
    page.fill("#id_transfer_contracts", "9")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{report_url}")
    press(page, "submit")
    expect_state(page, "submitted")
    expect(page.locator("#return-reason")).to_have_count(0)
    report.refresh_from_db()
    assert (report.state, report.transfer_contracts) == ("submitted", 9)
    log_out(page, live_server)

    # chengdu approves.
    log_in(page, live_server, chengdu)
    page.goto(f"{live_server.url}{report_url}")
    press(page, "supervisor_approve", "已核对技术转移合同佐证材料，同意报备案。")
    expect_state(page, "supervisor_approved")
    assert state_of(report.pk) == "supervisor_approved"
    log_out(page, live_server)

    # Art. 19 — kjt files it (备案) from the list with the batch button.
    log_in(page, live_server, kjt)
    page.goto(f"{live_server.url}/reports/?state=supervisor_approved")
    row = page.locator("main table tbody tr", has=page.locator(f'a[href="{report_url}"]'))
    expect(row).to_have_count(1)
    row.locator(f'input[name="ids"][value="{report.pk}"]').check()
    shoot(page, output_path, "06-kjt-batch")
    with page.expect_navigation():
        page.click('[data-batch="file"]')
    expect(page).to_have_url(f"{live_server.url}/reports/?state=supervisor_approved")
    expect(page.locator(f'main table a[href="{report_url}"]')).to_have_count(0)
    report.refresh_from_db()
    assert report.state == "filed"
    assert report.filed_at is not None
    page.goto(f"{live_server.url}{report_url}")
    expect_state(page, "filed")
    expect(page.locator('tr[data-metric="rd_spending"] td').nth(0)).to_have_text(str(values["rd_spending"]))
    expect(page.locator('tr[data-metric="rd_spending"] td').nth(1)).to_have_text(
        str(figures(0, YEAR - 1)["rd_spending"])
    )
    shoot(page, output_path, "07-kjt-filed")
    assert [
        (log.transition, log.by) for log in StateLog.objects.for_(report).order_by("timestamp", "pk")
    ] == [
        ("submit", unit_a),
        ("return_for_revision", chengdu),
        ("submit", unit_a),
        ("supervisor_approve", chengdu),
        ("file", kjt),
    ]
