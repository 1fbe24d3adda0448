"""The objective data of annual reports (Art. 19, the main basis of the Art. 21 evaluation):
validated with clear messages on the center's edit form, exported to Excel exactly as stored and
only within the user's scope, and shown beside the previous years' figures on the report page."""

import html as html_lib
import io
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from accounts.regions import Region
from exports.models import Export
from reports.demo import figures
from reports.metrics import BY_NAME, METRICS
from reports.models import AnnualReport, default_due_date
from tests.factories import CenterFactory, OrganizationFactory
from tests.test_art19_reports import A_CENTER, complete_content, form_data, new_report, zh

pytestmark = pytest.mark.django_db

S = AnnualReport.State


def label(name) -> str:
    return zh(BY_NAME[name].label)


def unit(name) -> str:
    return zh(BY_NAME[name].unit)


@pytest.fixture
def center(unit_a, chengdu):
    return CenterFactory(name=A_CENTER, lead_unit=unit_a.organization, supervisor=chengdu.organization)


@pytest.fixture
def draft(center):
    return new_report(center)


# --- invalid figures on the edit form ------------------------------------------------------------------


def negative(name):
    return f"“{label(name)}”不能为负数，没有请填0。"


def not_a_number(name):
    return f"请输入数字（单位：{unit(name)}）。"


def too_large(name):
    return f"“{label(name)}”数值过大，请核对单位（{unit(name)}）和小数点。"


def too_many_decimals(name):
    return f"金额最多保留两位小数（{unit(name)}）。"


INVALID = [
    # (field, typed, expected message)
    pytest.param("rd_spending", "-5", negative("rd_spending"), id="negative-amount"),
    pytest.param("national_tasks", "-1", negative("national_tasks"), id="negative-count"),
    pytest.param("rd_spending", "一百万", not_a_number("rd_spending"), id="text-amount"),
    pytest.param(
        "invention_patents_granted", "12项", not_a_number("invention_patents_granted"), id="text-count"
    ),
    pytest.param("rd_staff", "60.5", not_a_number("rd_staff"), id="fraction-count"),
    pytest.param("transfer_amount", "1,200", not_a_number("transfer_amount"), id="thousands-separator"),
    pytest.param("rd_spending", "20000000", too_large("rd_spending"), id="large-amount"),
    pytest.param("total_revenue", "123456789012", too_large("total_revenue"), id="huge-amount-max-digits"),
    pytest.param("enterprises_served", "5000000", too_large("enterprises_served"), id="large-count"),
    pytest.param("rd_spending", "1234.567", too_many_decimals("rd_spending"), id="three-decimals"),
]


def field_errors(page: str, name: str) -> list[str]:
    """The error messages Django renders under the field ``name``."""
    block = re.search(rf'id="id_{name}_error">((?:<div>.*?</div>)+)</div>', page, re.S)
    return (
        [html_lib.unescape(item) for item in re.findall(r"<div>(.*?)</div>", block.group(1))] if block else []
    )


def described_by_exists(page: str, name: str) -> bool:
    """Every id the input's aria-describedby names is on the page (screen readers read the error)."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    ids = re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
    return f"id_{name}_error" in ids and all(f'id="{i}"' in page for i in ids)


def typed_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return html_lib.unescape(value.group(1)) if value else ""


@pytest.mark.parametrize(("name", "typed", "message"), INVALID)
def test_art19_invalid_figure_gets_a_clear_message_and_nothing_is_saved(
    draft, unit_a, login, name, typed, message
):
    before = AnnualReport.objects.values().get(pk=draft.pk)

    response = login(unit_a).post(
        f"/reports/{draft.pk}/edit/", form_data(draft, **{name: typed, "progress": "新写的进展，尚未保存。"})
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert field_errors(page, name) == [message]
    # Only that field is wrong, and the form keeps what was typed, there and elsewhere.
    assert [m.name for m in METRICS if field_errors(page, m.name)] == [name]
    assert typed_value(page, name) == typed
    assert described_by_exists(page, name)
    assert "新写的进展，尚未保存。" in page
    assert AnnualReport.objects.values().get(pk=draft.pk) == before


PARTS = [
    pytest.param(
        "rd_staff_full_time", "rd_staff", {"rd_staff": "60", "rd_staff_full_time": "61"}, "60", id="full-time"
    ),
    pytest.param(
        "high_level_talent", "rd_staff", {"rd_staff": "60", "high_level_talent": "80"}, "60", id="talent"
    ),
    pytest.param(
        "service_revenue",
        "total_revenue",
        {"total_revenue": "100.00", "service_revenue": "100.01"},
        "100.00",
        id="service-revenue",
    ),
    pytest.param(
        "key_technologies_achieved",
        "key_technologies_tackled",
        {"key_technologies_tackled": "3", "key_technologies_achieved": "4"},
        "3",
        id="technologies",
    ),
]


@pytest.mark.parametrize(("part", "whole", "typed", "shown"), PARTS)
def test_art19_a_part_larger_than_its_whole_is_refused(draft, unit_a, login, part, whole, typed, shown):
    before = AnnualReport.objects.values().get(pk=draft.pk)

    response = login(unit_a).post(f"/reports/{draft.pk}/edit/", form_data(draft, **typed))

    assert response.status_code == 400
    page = response.content.decode()
    assert field_errors(page, part) == [f"不能大于“{label(whole)}”（{shown}）。"]
    assert {name: typed_value(page, name) for name in typed} == typed
    assert AnnualReport.objects.values().get(pk=draft.pk) == before


def test_art19_a_part_equal_to_its_whole_is_accepted(draft, unit_a, login):
    response = login(unit_a).post(
        f"/reports/{draft.pk}/edit/",
        form_data(draft, rd_staff="40", rd_staff_full_time="40", high_level_talent="40"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.rd_staff, draft.rd_staff_full_time, draft.high_level_talent) == (40, 40, 40)


def test_art19_valid_figures_are_saved(center, unit_a, login):
    report = new_report(center, complete=False)
    values = {
        **{m.name: "0" for m in METRICS},
        "rd_spending": "1234.56",
        "total_revenue": "9999999.99",
        "service_revenue": "0.5",
        "rd_staff": "1000000",
        "rd_staff_full_time": "999999",
        "national_tasks": "3",
    }
    narrative = {"progress": "完成攻关任务。", "problems": "人才不足。", "next_steps": "扩大开放共享。"}

    response = login(unit_a).post(f"/reports/{report.pk}/edit/", {**narrative, **values})

    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    report.refresh_from_db()
    assert report.rd_spending == Decimal("1234.56")
    assert report.total_revenue == Decimal("9999999.99")
    assert report.service_revenue == Decimal("0.50")
    assert (report.rd_staff, report.rd_staff_full_time, report.national_tasks) == (1000000, 999999, 3)
    assert report.shared_instruments == 0
    assert report.missing() == []


def test_art19_empty_figures_may_be_saved_and_are_asked_for_at_submission(center, unit_a, login):
    """The center can save a half-done report and come back; completeness is checked on submit."""
    report = new_report(center, complete=False)
    response = login(unit_a).post(f"/reports/{report.pk}/edit/", form_data(report, progress="先写一部分。"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.progress == "先写一部分。"
    assert report.rd_spending is None


def test_art19_edit_form_has_every_figure_with_its_unit(draft, unit_a, login):
    page = login(unit_a).get(f"/reports/{draft.pk}/edit/").content.decode()
    for metric in METRICS:
        tag = re.search(rf'<input[^>]*id="id_{metric.name}"[^>]*>', page)
        assert tag, metric.name
        assert 'min="0"' in tag.group(0)
        assert ('step="0.01"' in tag.group(0)) == metric.amount
        assert re.search(rf'id="id_{metric.name}_helptext"[^>]*>\s*{re.escape(zh(metric.unit))}', page), (
            metric.name
        )


# --- the Excel export -----------------------------------------------------------------------------------


@pytest.fixture
def dataset(unit_a, unit_b, chengdu, mianyang, kjt):
    """Reports of 2024 and 2025 for three chengdu centers (two in Chengdu, one in Deyang) and two
    mianyang centers, in every state, each with different figures."""
    deyang_unit = OrganizationFactory(name="德阳测试装备有限公司", region=Region.DEYANG)
    centers = [
        (CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization), unit_a, chengdu),
        (CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization), unit_a, chengdu),
        (CenterFactory(lead_unit=deyang_unit, supervisor=chengdu.organization), None, chengdu),
        (CenterFactory(lead_unit=unit_b.organization, supervisor=mianyang.organization), unit_b, mianyang),
        (CenterFactory(lead_unit=unit_b.organization, supervisor=mianyang.organization), unit_b, mianyang),
    ]
    states = ["draft", "submitted", "returned", "supervisor_approved", "filed"]
    made = []
    for i, (center, _applicant, _supervisor) in enumerate(centers):
        for year in (2024, 2025):
            state = states[(i + year) % len(states)]
            content = {**complete_content(year), **figures(i, year)}
            content["rd_spending"] = Decimal(f"{1000 + 17 * i}.{year % 100:02d}")
            made.append(
                AnnualReport.objects.create(
                    center=center, year=year, due_date=default_due_date(year), state=state, **content
                )
            )
    return made


@pytest.fixture
def export_as(client, django_capture_on_commit_callbacks):
    """``export_as(user, params)`` → the rows of the downloaded workbook, as dicts keyed by header."""

    def run(user, params=""):
        client.force_login(user)
        with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
            response = client.post("/exports/new/reports/", {"params": params})
        export = Export.objects.filter(user=user).latest("pk")
        assert response["Location"] == f"/exports/{export.pk}/"
        download = client.get(f"/exports/{export.pk}/download/")
        assert download.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
        header = [cell.value for cell in sheet[1]]
        return [
            dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)
        ]

    return run


def column(metric) -> str:
    return f"{zh(metric.label)}（{zh(metric.unit)}）"


def exported(rows) -> dict:
    center, year = zh(_("Center")), zh(_("Year"))
    return {(row[center], row[year]): row for row in rows}


def assert_figures_match(rows, queryset):
    by_key = exported(rows)
    expected = list(queryset.select_related("center"))
    assert set(by_key) == {(r.center.name, r.year) for r in expected}
    assert len(rows) == len(expected)
    for report in expected:
        row = by_key[(report.center.name, report.year)]
        for metric in METRICS:
            cell, stored = row[column(metric)], getattr(report, metric.name)
            # Figures are numbers in the sheet (summable), equal to what is stored.
            assert isinstance(cell, (int, float)), (metric.name, cell)
            if metric.amount:
                assert Decimal(str(cell)).quantize(Decimal("0.01")) == stored, (metric.name, cell, stored)
            else:
                assert cell == stored, (metric.name, cell, stored)
        with translation.override("zh-hans"):
            assert row[zh(_("State"))] == report.get_state_display()
            assert row[zh(_("Region"))] == report.center.get_region_display()


def test_art19_export_has_every_figure_of_the_filtered_reports(dataset, export_as, kjt):
    rows = export_as(kjt, f"year=2025&region={Region.CHENGDU}")
    expected = AnnualReport.objects.filter(year=2025, center__region=Region.CHENGDU)
    assert expected.count() == 2
    assert_figures_match(rows, expected)
    assert {column(m) for m in METRICS} <= set(rows[0])


def test_art19_export_of_all_years_for_the_department(dataset, export_as, kjt):
    rows = export_as(kjt)
    assert_figures_match(rows, AnnualReport.objects.all())


def test_art19_supervisor_exports_only_its_centers_and_never_drafts(dataset, export_as, chengdu):
    rows = export_as(chengdu)
    expected = AnnualReport.objects.filter(center__supervisor=chengdu.organization).exclude(state=S.DRAFT)
    assert_figures_match(rows, expected)
    assert {row[zh(_("Supervisor"))] for row in rows} == {chengdu.organization.name}
    assert zh(S.DRAFT.label) not in {row[zh(_("State"))] for row in rows}


def test_art19_supervisor_filter_cannot_widen_its_scope(dataset, export_as, chengdu, mianyang):
    assert export_as(chengdu, f"supervisor={mianyang.organization_id}") == []


def test_art19_supervisor_export_with_filters(dataset, export_as, chengdu):
    rows = export_as(chengdu, f"year=2024&region={Region.DEYANG}")
    expected = AnnualReport.objects.filter(
        center__supervisor=chengdu.organization, year=2024, center__region=Region.DEYANG
    ).exclude(state=S.DRAFT)
    assert_figures_match(rows, expected)


# --- the report page: each figure beside the previous years' ---------------------------------------------


def figure_cells(page: str, name: str) -> list[str]:
    row = re.search(rf'<tr data-metric="{name}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_art19_report_page_shows_each_figure_beside_the_previous_years(center, unit_a, chengdu, login):
    reports = {
        year: new_report(center, year=year, due_date=default_due_date(year), **figures(0, year))
        for year in (2022, 2023, 2024)
    }
    reports[2025] = new_report(center, year=2025, due_date=default_due_date(2025), **figures(0, 2025))
    AnnualReport.objects.filter(pk=reports[2023].pk).update(transfer_contracts=None)
    reports[2023].refresh_from_db()
    AnnualReport.objects.filter(pk=reports[2025].pk).update(state=S.SUBMITTED)

    for user in (unit_a, chengdu):
        page = login(user).get(reports[2025].get_absolute_url()).content.decode()
        header = re.search(
            r'<table class="table table-sm mb-0 figures">\s*<thead>(.*?)</thead>', page, re.S
        ).group(1)
        assert re.findall(r"<th[^>]*>(\d{4})</th>", header) == ["2025", "2024", "2023", "2022"]
        for metric in METRICS:
            cells = figure_cells(page, metric.name)
            expected = [
                "—" if getattr(reports[y], metric.name) is None else str(getattr(reports[y], metric.name))
                for y in (2025, 2024, 2023, 2022)
            ]
            assert cells[:4] == expected, metric.name


def test_art19_first_report_has_no_earlier_columns(draft, unit_a, login):
    page = login(unit_a).get(draft.get_absolute_url()).content.decode()
    cells = figure_cells(page, "rd_spending")
    assert cells[0] == str(draft.rd_spending)
    assert len(cells) == 2  # this year and the evidence column


def test_art19_later_years_are_not_shown_as_earlier(center, unit_a, login):
    old = new_report(center, year=2024, due_date=default_due_date(2024))
    new_report(center, year=2025, due_date=default_due_date(2025), rd_spending=Decimal("777.77"))
    page = login(unit_a).get(old.get_absolute_url()).content.decode()
    assert "777.77" not in page
