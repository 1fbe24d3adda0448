"""Excel exports read as a person expects: the file is named in the user's language after the list
(``年度报告-2025.xlsx``, RFC 5987 ``filename*`` with an ASCII ``filename`` fallback) for every export
kind; every yes/no column reads 是/否 (never True/False, never blank for "no"); the export page
leads back to the list it came from, with the same filters. The late submission (Art. 19) is in
the annual-report export.
"""

import io
import re
from datetime import date, datetime, time
from types import SimpleNamespace
from unittest import mock
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone, translation
from openpyxl import load_workbook

from exports import registry
from exports.models import Export
from exports.services import _cell
from reports.models import AnnualReport
from sctic.workflow import perform
from tests.factories import ApplicationFactory, CenterFactory
from tests.test_art19_reports import new_report

pytestmark = pytest.mark.django_db

KINDS = ["applications", "centers", "changes", "reports", "evaluations", "notices"]
LIST_PATHS = {
    "applications": "/applications/",
    "centers": "/centers/",
    "changes": "/changes/",
    "reports": "/reports/",
    "evaluations": "/evaluations/",
    "notices": "/notices/",
}
DISPOSITION = re.compile(r"""^attachment; filename="([ -~]+)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)$""")


def zh(text) -> str:
    """``text`` (a message id or a lazy string) in Chinese."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


@pytest.fixture
def export(client, django_capture_on_commit_callbacks):
    """``export(user, kind, params)`` → (Export, download response, rows as dicts by header)."""

    def run(user, kind="reports", params=""):
        client.force_login(user)
        with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/exports/new/{kind}/", {"params": params})
        assert response.status_code == 302
        made = Export.objects.filter(user=user).latest("pk")
        assert made.status == Export.Status.DONE, made.error
        download = client.get(f"/exports/{made.pk}/download/")
        assert download.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
        header = [cell.value for cell in sheet[1]]
        rows = [
            dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)
        ]
        return made, download, rows

    return run


def names(download) -> tuple[str, str]:
    """(ASCII fallback, real name) of a download's Content-Disposition."""
    match = DISPOSITION.match(download["Content-Disposition"])
    assert match, download["Content-Disposition"]
    return match.group(1), unquote(match.group(2), encoding="utf-8")


# --- file names -------------------------------------------------------------------------------------


def test_annual_report_export_is_named_in_chinese_after_the_year_filtered_on(export, kjt):
    _made, download, _rows = export(kjt, "reports", "year=2025&state=filed")
    fallback, name = names(download)
    assert name == f"{zh(registry.get('reports').title)}-2025.xlsx" == "年度报告-2025.xlsx"
    assert fallback == "reports-2025.xlsx"


def test_export_without_a_year_is_named_after_its_day(export, kjt):
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2026, 4, 5, 23, 30, tzinfo=ZoneInfo("UTC"))
    ):
        made, download, _rows = export(kjt, "reports", "state=filed")
    fallback, name = names(download)
    assert name == "年度报告-20260406.xlsx"  # 07:30 on 6 April in Chengdu
    assert fallback == "reports-20260406.xlsx"


@pytest.mark.parametrize("kind", KINDS)
def test_every_export_kind_is_named_after_its_list_in_the_users_language(export, kjt, kind):
    made, download, _rows = export(kjt, kind)
    fallback, name = names(download)
    stamp = timezone.localtime(made.created_at).strftime("%Y%m%d")
    assert name == f"{zh(registry.get(kind).title)}-{stamp}.xlsx"
    assert re.search(r"[\u4e00-\u9fff]", name), name  # Chinese, not the technical kind
    assert fallback == f"{kind}-{stamp}.xlsx"


def test_export_name_follows_the_users_language(export, kjt, client):
    made, _download, _rows = export(kjt, "reports", "year=2025")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _fallback, name = names(client.get(f"/exports/{made.pk}/download/"))
    assert name == "Annual reports-2025.xlsx"


# --- yes / no ---------------------------------------------------------------------------------------


def test_boolean_cells_read_yes_or_no_in_the_users_language():
    with translation.override("zh-hans"):
        assert (_cell(True), _cell(False)) == (zh("Yes"), zh("No"))
    with translation.override("en"):
        assert (_cell(True), _cell(False)) == ("Yes", "No")
    assert _cell(0) == 0 and _cell(1) == 1  # numbers stay numbers


def test_art19_overdue_column_reads_yes_or_no(export, kjt, unit_a, chengdu):
    today = timezone.localdate()
    late = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
    in_time = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
    AnnualReport.objects.create(center=late, year=2025, due_date=date(2020, 3, 31))
    AnnualReport.objects.create(center=in_time, year=2025, due_date=today.replace(year=today.year + 1))
    _made, _download, rows = export(kjt, "reports")
    overdue = {row[zh("Center")]: row[zh("Overdue")] for row in rows}
    assert overdue == {late.name: zh("Yes"), in_time.name: zh("No")}


def test_yes_no_columns_of_other_exports_read_yes_or_no(export, kjt, unit_a, chengdu):
    for engineering in (True, False):
        ApplicationFactory(
            lead_unit=unit_a.organization,
            supervisor=chengdu.organization,
            created_by=unit_a,
            state="submitted",
            complete=False,
            is_engineering_center=engineering,
        )
    _made, _download, rows = export(kjt, "applications")
    column = zh("Provincial engineering research center (Art. 5.2)")
    assert sorted(row[column] for row in rows) == sorted([zh("Yes"), zh("No")])


@pytest.mark.parametrize("kind", ["applications", "centers", "reports"])
def test_no_export_shows_true_or_false(export, kjt, unit_a, chengdu, kind):
    center = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
    AnnualReport.objects.create(center=center, year=2025, due_date=date(2026, 3, 31))
    ApplicationFactory(
        lead_unit=unit_a.organization, supervisor=chengdu.organization, created_by=unit_a, state="submitted"
    )
    _made, _download, rows = export(kjt, kind)
    values = [value for row in rows for value in row.values()]
    assert values, "nothing exported"
    assert not [v for v in values if isinstance(v, bool) or v in ("True", "False")]


@pytest.mark.parametrize(
    ("header", "attribute"),
    [
        ("Recommended for a national center", "national_recommendation"),
        ("Adjusted from the proposal", "grade_adjusted"),
    ],
)
def test_art22_evaluation_yes_no_columns_read_yes_or_no(header, attribute):
    """The evaluation export's yes/no columns give the cell a bool, which reads 是/否."""
    exporter = registry.get("evaluations")
    with translation.override("en"):
        value = next((value for head, value in exporter.columns if str(head) == header), None)
    if value is None:
        pytest.skip(f"the evaluation export has no column {header!r}")
    with translation.override("zh-hans"):
        assert _cell(value(SimpleNamespace(**{attribute: True}))) == zh("Yes")
        assert _cell(value(SimpleNamespace(**{attribute: False}))) == zh("No")


# --- the late submission in the export (Art. 19) -----------------------------------------------------


def test_art19_report_export_holds_the_first_submission_and_its_days_late(export, kjt, unit_a, chengdu):
    center = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
    report = new_report(center, due_date=date(2026, 3, 31))
    submitted = datetime.combine(date(2026, 4, 5), time(9, 15), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with mock.patch("django.utils.timezone.now", return_value=submitted):
        perform(report, "submit", actor=unit_a)
    draft = new_report(CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization))
    _made, _download, rows = export(kjt, "reports")
    by_center = {row[zh("Center")]: row for row in rows}
    late = by_center[center.name]
    assert late[zh("First submitted")] == datetime(2026, 4, 5, 9, 15)
    assert late[zh("Submitted late (days after the due date)")] == 5
    assert late[zh("Overdue")] == zh("No")
    assert by_center[draft.center.name][zh("Submitted late (days after the due date)")] is None


# --- back to the list ---------------------------------------------------------------------------------


def test_export_page_leads_back_to_the_list_with_its_filters(export, kjt, client):
    made, _download, _rows = export(kjt, "reports", "year=2025&state=filed&q=轨道")
    html = client.get(f"/exports/{made.pk}/").content.decode()
    href = re.search(r'<a href="([^"]+)" id="export-back"', html).group(1)
    path, _, query = href.replace("&amp;", "&").partition("?")
    assert path == "/reports/"
    assert sorted(query.split("&")) == sorted(["year=2025", "state=filed", "q=%E8%BD%A8%E9%81%93"])
    assert client.get(href.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_every_export_page_leads_back_to_its_list(export, kjt, client, kind):
    made, _download, _rows = export(kjt, kind)
    html = client.get(f"/exports/{made.pk}/").content.decode()
    assert re.search(rf'<a href="{re.escape(LIST_PATHS[kind])}" id="export-back"', html)
