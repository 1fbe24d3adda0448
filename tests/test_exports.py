"""Excel exports of the list pages: the same rows as the list, in the user's scope and filters, and
only for the user who asked (Celery runs eagerly in tests; the task is queued after the commit)."""

import io

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from accounts.regions import Region
from applications.models import IntentApplication
from exports.models import Export
from tests.factories import ApplicationFactory, CenterFactory

# The database is set up before any settings override (some tests reach it lazily).
pytestmark = pytest.mark.django_db

NAME, STATE, SUPERVISOR = _("Proposed center name"), _("State"), _("Supervisor")
CENTER_NAME = _("Name")


@pytest.fixture
def applications(unit_a, unit_b, chengdu, mianyang):
    """unit_a → chengdu and unit_b → mianyang, in several states each (factories: the export reads
    rows, it does not care how they got there)."""
    made = []
    for unit, bureau, states in (
        (unit_a, chengdu, ["draft", "submitted", "submitted", "returned", "cultivating", "declined"]),
        (unit_b, mianyang, ["draft", "submitted", "cultivating"]),
    ):
        for state in states:
            made.append(
                ApplicationFactory(
                    lead_unit=unit.organization,
                    supervisor=bureau.organization,
                    created_by=unit,
                    state=state,
                    complete=False,
                )
            )
    return made


def make_center(lead, supervisor, name, serial):
    return CenterFactory(lead_unit=lead, supervisor=supervisor, name=name)


@pytest.fixture
def export_as(client, django_capture_on_commit_callbacks):
    """``export_as(user, kind, params)`` → (Export, rows as dicts keyed by header), through the pages
    a user would use: POST the list's export button, open the status page, download the file."""

    def run(user, kind="applications", params=""):
        client.force_login(user)
        with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/exports/new/{kind}/", {"params": params})
        export = Export.objects.filter(user=user).latest("pk")
        assert response.status_code == 302
        assert response["Location"] == f"/exports/{export.pk}/"
        status = client.get(response["Location"])
        assert status.status_code == 200
        assert f'href="/exports/{export.pk}/download/"' in status.content.decode()
        download = client.get(f"/exports/{export.pk}/download/")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
        sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
        header = [cell.value for cell in sheet[1]]
        rows = [
            dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)
        ]
        assert export.row_count == len(rows)
        return export, rows

    return run


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def as_exported(rows) -> set[tuple]:
    name, state, supervisor = zh(NAME), zh(STATE), zh(SUPERVISOR)
    return {(row[name], row[state], row[supervisor]) for row in rows}


def in_database(queryset) -> set[tuple]:
    with translation.override("zh-hans"):
        return {(a.proposed_name, a.get_state_display(), a.supervisor.name) for a in queryset}


def test_art6_chengdu_export_matches_its_list_and_has_no_mianyang_rows(
    applications, export_as, chengdu, mianyang
):
    _export, rows = export_as(chengdu)
    expected = IntentApplication.objects.filter(supervisor=chengdu.organization).exclude(state="draft")
    assert as_exported(rows) == in_database(expected)
    assert len(rows) == 5
    assert {row[zh(SUPERVISOR)] for row in rows} == {chengdu.organization.name}
    mianyang_names = set(
        IntentApplication.objects.filter(supervisor=mianyang.organization).values_list(
            "proposed_name", flat=True
        )
    )
    assert not mianyang_names & {row[zh(NAME)] for row in rows}


def test_export_respects_the_state_filter(applications, export_as, chengdu):
    _export, rows = export_as(chengdu, params="state=submitted")
    expected = IntentApplication.objects.filter(supervisor=chengdu.organization, state="submitted")
    assert as_exported(rows) == in_database(expected)
    assert len(rows) == 2


def test_export_filters_never_widen_the_scope(applications, export_as, chengdu, mianyang):
    """Asking for mianyang's applications by filter gives chengdu nothing."""
    _export, rows = export_as(chengdu, params=f"supervisor={mianyang.organization_id}")
    assert rows == []


def test_art10_1_applicant_export_holds_its_own_applications_drafts_included(applications, export_as, unit_b):
    _export, rows = export_as(unit_b)
    assert as_exported(rows) == in_database(IntentApplication.objects.filter(lead_unit=unit_b.organization))
    assert len(rows) == 3


def test_art5_department_export_holds_every_submitted_application(applications, export_as, kjt):
    _export, rows = export_as(kjt)
    assert as_exported(rows) == in_database(IntentApplication.objects.exclude(state="draft"))
    assert len(rows) == 7


def test_department_export_respects_the_region_filter(applications, export_as, kjt, unit_b):
    _export, rows = export_as(kjt, params=f"region={Region.MIANYANG}")
    expected = IntentApplication.objects.filter(lead_unit=unit_b.organization).exclude(state="draft")
    assert as_exported(rows) == in_database(expected)


def test_art6_center_export_holds_only_the_supervisors_centers(
    export_as, chengdu, mianyang, unit_a_org, unit_b_org
):
    make_center(unit_a_org, chengdu.organization, "四川省轨道交通装备技术创新中心", 1)
    make_center(unit_b_org, mianyang.organization, "四川省智能传感技术创新中心", 2)
    _export, rows = export_as(chengdu, kind="centers")
    assert [row[zh(CENTER_NAME)] for row in rows] == ["四川省轨道交通装备技术创新中心"]
    _export, rows = export_as(mianyang, kind="centers", params="state=operating")
    assert [row[zh(CENTER_NAME)] for row in rows] == ["四川省智能传感技术创新中心"]


@pytest.mark.parametrize("other", ["mianyang", "kjt", "unit_a"])
def test_nobody_else_opens_someone_elses_export(request, applications, export_as, client, chengdu, other):
    export, _rows = export_as(chengdu)
    client.force_login(request.getfixturevalue(other))
    assert client.get(f"/exports/{export.pk}/").status_code == 404
    assert client.get(f"/exports/{export.pk}/download/").status_code == 404


def test_an_unknown_export_is_not_found(login, chengdu):
    assert login(chengdu).post("/exports/new/passwords/", {"params": ""}).status_code == 404
    assert not Export.objects.exists()
