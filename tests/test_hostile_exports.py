"""Issue 10: text a user wrote comes out of every Excel export as text, never as a formula.

Every registered exporter is covered (a new one without rows here fails the first test): its rows
hold formulas and markup in the fields users type, the export is built by the real service and
task, and the file is read back with openpyxl and as raw sheet XML. Numbers and dates stay typed.
"""

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from applications.models import IntentApplication
from centers.models import ChangeRequest
from evaluations import services as evaluation_services
from evaluations.models import Evaluation, Grade, RuleSet
from exports import registry
from exports.models import Export
from exports.services import export_request
from notices.models import Kind, Notice
from reports.models import AnnualReport
from tests.factories import ApplicationFactory, CenterFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

# What a hostile user types: formulas in every spelling a spreadsheet reads, and markup.
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "  =1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
]
MARKUP = "<script>alert(1)</script>"
PAYLOADS = [*FORMULAS, MARKUP]
LOOKS_LIKE_A_FORMULA = re.compile(r"\s*[=+\-@＝＋－＠]|[\t\r]")
FORMULA_ELEMENT = re.compile(rb"<(\w+:)?f[\s>/]")


def as_read(text: str) -> str:
    """``text`` as any XML reader gives it back: XML keeps no carriage return (XML 1.0 §2.11), a
    CR reads back as a line feed — still text, still marked as text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- rows of every exporter, with the hostile text in the fields users write --------------------


def center_named(text, supervisor):
    lead = OrganizationFactory(name=text)
    return CenterFactory(
        name=text, lead_unit=lead, supervisor=supervisor, legal_entity_name=text, director_name=text
    )


def application_rows(ctx):
    for text in PAYLOADS:
        ApplicationFactory(
            proposed_name=text,
            lead_unit=OrganizationFactory(name=text),
            supervisor=ctx.supervisor,
            state=IntentApplication.State.SUBMITTED,
            complete=False,
        )


def center_rows(ctx):
    for text in PAYLOADS:
        center_named(text, ctx.supervisor)


def change_rows(ctx):
    for text in PAYLOADS:
        ChangeRequest.objects.create(
            center=center_named(text, ctx.supervisor),
            kind=ChangeRequest.Kind.DIRECTOR,
            proposed_value=text,
            previous_value=text,
            reason=text,
            created_by=ctx.kjt,
            state=ChangeRequest.State.SUBMITTED,
        )


def evaluation_rows(ctx):
    """Art. 22: a graded round; the reason for each grade and the grader's name are typed."""
    for text in PAYLOADS:
        center_named(text, ctx.supervisor)
    evaluation_services.round_open(
        year=2027,
        rule_set=RuleSet.objects.order_by("created_at").first(),
        materials_deadline=date(2027, 10, 31),
        scoring_deadline=date(2027, 11, 30),
        actor=ctx.kjt,
    )
    for evaluation in Evaluation.objects.select_related("center"):
        text = evaluation.center.name
        Evaluation.objects.filter(pk=evaluation.pk).update(
            grade=Grade.FAIL,
            proposed_grade=Grade.FAIL,
            total_score=Decimal("55.50"),
            grade_reason=text,
            graded_by=UserFactory(full_name=text, organization=ctx.kjt.organization),
            rectification_deadline=date(2028, 12, 31),
            state=Evaluation.State.RECTIFYING,
        )


def report_rows(ctx):
    for text in PAYLOADS:
        AnnualReport.objects.create(
            center=center_named(text, ctx.supervisor), year=2025, due_date=date(2026, 3, 31)
        )


def notice_rows(ctx):
    for text in PAYLOADS:
        Notice.objects.create(
            kind=Kind.APPROVAL,
            title=text,
            addressees=text,
            body=text,
            copy_to=text,
            issuer=ctx.kjt.organization,
            created_by=ctx.kjt,
        )


ROWS = {
    "applications": application_rows,  # Art. 9, 10
    "centers": center_rows,  # Art. 11
    "changes": change_rows,  # Art. 20
    "evaluations": evaluation_rows,  # Art. 22
    "reports": report_rows,  # Art. 19
    "notices": notice_rows,
}
KINDS = sorted(registry._exporters)


class Context:
    def __init__(self, kjt, supervisor):
        self.kjt, self.supervisor = kjt, supervisor


@pytest.fixture
def build(kjt, django_capture_on_commit_callbacks):
    """``build(kind)`` → (exporter, the xlsx bytes), asked by kjt through the service and built
    by the task queued after the commit."""

    def run(kind):
        with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
            export = export_request(user=kjt, kind=kind, params="")
        export.refresh_from_db()
        assert export.status == Export.Status.DONE, export.error
        with export.file.open("rb") as handle:
            return registry.get(kind), handle.read()

    return run


def cells(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(min_row=2)]


def sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def expected_rows(exporter, user) -> list[list]:
    """What each column gives for each row of the export."""
    with translation.override("zh-hans"):
        return [
            [value(row) for _header, value in exporter.columns] for row in registry.rows(exporter, user, "")
        ]


def unmatched(expected, sheet_rows) -> list[dict]:
    """The expected rows whose text columns no row of the sheet holds exactly (each sheet row
    matches one expected row; the order of rows does not matter; an empty text is an empty cell)."""
    left = [[cell.value for cell in row] for row in sheet_rows]
    missing = []
    for row in expected:
        texts = {i: as_read(v) for i, v in enumerate(row) if isinstance(v, str)}
        match = next((r for r in left if all((r[i] or "") == v for i, v in texts.items())), None)
        if match is None:
            missing.append(texts)
        else:
            left.remove(match)
    return missing + [dict(enumerate(r)) for r in left]


# --- the tests ---------------------------------------------------------------------------------------


def test_every_registered_export_has_hostile_rows_here():
    assert set(ROWS) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_issue10_typed_formulas_and_markup_are_exported_as_text(kind, build, kjt, chengdu_org):
    ROWS[kind](Context(kjt, chengdu_org))

    exporter, data = build(kind)

    rows = cells(data)
    assert rows
    every = [cell for row in rows for cell in row]
    assert [c.coordinate for c in every if c.data_type == "f"] == []
    values = {c.value for c in every}
    for typed in PAYLOADS:  # exactly as typed: nothing prepended, nothing escaped
        assert as_read(typed) in values, (kind, typed)
    for cell in every:
        if isinstance(cell.value, str):
            assert cell.data_type == "s", cell.coordinate
            if LOOKS_LIKE_A_FORMULA.match(cell.value):
                assert cell.quotePrefix, (cell.coordinate, cell.value)  # Excel's "text" marker
    assert unmatched(expected_rows(exporter, kjt), rows) == []
    assert not FORMULA_ELEMENT.search(sheet_xml(data))


def column(exporter, header: str) -> int:
    with translation.override("en"):
        return [str(h) for h, _value in exporter.columns].index(header)


def test_art22_evaluation_export_keeps_numbers_and_dates_typed(build, kjt, chengdu_org):
    evaluation_rows(Context(kjt, chengdu_org))

    exporter, data = build("evaluations")

    for row in cells(data):
        year, total = row[column(exporter, "Round")], row[column(exporter, "Total score")]
        deadline = row[column(exporter, "Rectification deadline")]
        assert (year.value, year.data_type) == (2027, "n")
        assert (total.value, total.data_type) == (55.5, "n")
        assert deadline.is_date and deadline.value == datetime(2028, 12, 31)
        assert not deadline.quotePrefix and not total.quotePrefix
    assert not FORMULA_ELEMENT.search(sheet_xml(data))


def test_art11_center_export_keeps_numbers_and_dates_typed(build, kjt, chengdu_org):
    center_rows(Context(kjt, chengdu_org))

    exporter, data = build("centers")

    for row in cells(data):
        approved, number = row[column(exporter, "Approved on")], row[column(exporter, "Current cycle")]
        ends = row[column(exporter, "Cycle ends")]
        assert approved.is_date and approved.value == datetime(2025, 1, 1)
        assert ends.is_date and ends.value == datetime(2027, 12, 31)
        assert (number.value, number.data_type) == (1, "n")


def test_art11_control_characters_in_a_name_do_not_fail_the_export(build, kjt, chengdu_org):
    """A control character cannot be written to the sheet's XML; it is left out, the rest stays."""
    center_named("四川省\x0b轨道交通\x01装备技术创新中心", chengdu_org)

    exporter, data = build("centers")

    [row] = cells(data)
    assert row[column(exporter, "Name")].value == "四川省轨道交通装备技术创新中心"
