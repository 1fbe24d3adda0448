"""Batch filing (Art. 19) in Debian's Chromium: kjt ticks every report it may file with the
select-all box of the list (static/js/batch.js), files them and reads one summary.

Elements are found by ids, names and ``data-*`` hooks, never by visible text.
"""

from datetime import date

from playwright.sync_api import Page, expect

from reports.demo import NARRATIVE, figures, walk
from reports.models import AnnualReport
from tests.browser.test_art10_walkthrough import log_in, shoot
from tests.factories import CenterFactory

YEAR = 2025


def test_art19_select_all_ticks_the_reports_kjt_may_file_and_one_summary_follows(
    page: Page, live_server, output_path, unit_a, chengdu, kjt
):
    reports = []
    for state in ("supervisor_approved", "supervisor_approved", "supervisor_approved", "filed"):
        center = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
        report = AnnualReport.objects.create(
            center=center, year=YEAR, due_date=date(2099, 3, 31), **NARRATIVE, **figures(0, YEAR)
        )
        walk(report, state, applicant=unit_a, supervisor=chengdu, department=kjt)
        reports.append(report)
    approved, filed = reports[:3], reports[3]

    log_in(page, live_server, kjt)
    page.goto(f"{live_server.url}/reports/?year={YEAR}")
    select_all = page.locator("#batch-select-all")
    expect(select_all).to_be_visible()  # the script showed it
    boxes = page.locator('main table input[name="ids"]')
    expect(boxes).to_have_count(3)  # none on the filed report
    filed_row = page.locator("main table tbody tr", has=page.locator(f'a[href="{filed.get_absolute_url()}"]'))
    expect(filed_row.locator('input[name="ids"]')).to_have_count(0)

    select_all.check()
    for report in approved:
        expect(page.locator(f'input[name="ids"][value="{report.pk}"]')).to_be_checked()
    page.locator(f'input[name="ids"][value="{approved[0].pk}"]').uncheck()
    expect(select_all).not_to_be_checked()
    assert select_all.evaluate("box => box.indeterminate") is True
    page.locator(f'input[name="ids"][value="{approved[0].pk}"]').check()
    expect(select_all).to_be_checked()
    assert select_all.evaluate("box => box.indeterminate") is False
    shoot(page, output_path, "01-kjt-all-ticked")

    with page.expect_navigation():
        page.click('[data-batch="file"]')
    expect(page).to_have_url(f"{live_server.url}/reports/?year={YEAR}")
    expect(page.locator(".messages .alert")).to_have_count(1)
    expect(page.locator(".messages .alert-success")).to_contain_text("3")
    shoot(page, output_path, "02-kjt-filed")
    assert set(AnnualReport.objects.values_list("state", flat=True)) == {"filed"}
    expect(page.locator("#batch-select-all")).to_have_count(0)  # nothing left to file
