"""The center's page and its governance records (Art. 3, 11–13), and the list of centers.

The page holds the center's identity — name and former names, lead unit and co-builders,
supervisor, field, region, the independent legal entity's credit code (Art. 3), registered
location, the full-time director (Art. 12) — and its governance: the board (Art. 11), the expert
committee (Art. 13), the charter, yearly work plans (Art. 11.4) and each cycle's construction plan
(Art. 11.5). Center users keep the governance records; the identity changes only through an
approved change request (Art. 20), never by an edit, not even a crafted POST.
"""

import io
import re
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from accounts.regions import Region
from attachments.models import Attachment
from attachments.services import attachment_add
from centers.models import (
    BoardMember,
    Center,
    CenterCycle,
    CenterHistory,
    ChangeRequest,
    CommitteeMember,
    WorkPlan,
)
from exports.models import Export
from notices.models import Kind, Notice
from notices.services import notice_draft
from reports.models import AnnualReport
from sctic.choices import TechnologyField
from sctic.demo import minimal_pdf
from sctic.workflow import perform
from tests.factories import CenterFactory, ExpertFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ADDRESS = "成都市高新区天府大道北段1480号"
NEW_NAME = "四川省先进轨道交通装备与系统技术创新中心"


def zh(message) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(str(message))


def pdf(name="文件.pdf", text="sctic"):
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


def attach(owner, kind, user, name="文件.pdf"):
    return attachment_add(owner=owner, kind=kind, upload=pdf(name), mime_type="application/pdf", user=user)


def notices_on(obj):
    return Notice.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def body(response) -> str:
    return response.content.decode()


# --- a center approved through the real workflow -------------------------------------------------


@pytest.fixture
def center(make_application, unit_a):
    """unit_a's center, made by 科技厅's approval of its application to chengdu (approval notice
    issued), with its registered location recorded."""
    application = make_application("approved")
    made = Center.objects.get(application=application)
    Center.objects.filter(pk=made.pk).update(registered_address=ADDRESS)
    made.refresh_from_db()
    return made


@pytest.fixture
def other_center(unit_b, mianyang):
    return CenterFactory(
        name="四川省智能传感技术创新中心", lead_unit=unit_b.organization, supervisor=mianyang.organization
    )


@pytest.fixture
def expert(db):
    return ExpertFactory(username="expert9")


@pytest.fixture
def governed(center, unit_a):
    """The center with its board, committee, work plan, charter and cycle plan recorded."""
    BoardMember.objects.create(
        center=center, name="王志强", organization=unit_a.organization.name, position="董事长", role="chair"
    )
    BoardMember.objects.create(center=center, name="李文华", organization="蜀都测试大学", position="副校长")
    CommitteeMember.objects.create(
        center=center, name="张院士", organization="西南交通大学", title="中国工程院院士", is_chair=True
    )
    CommitteeMember.objects.create(center=center, name="刘教授", organization="四川大学", title="教授")
    WorkPlan.objects.create(
        center=center, year=2026, summary="完成牵引传动中试线建设。", adopted_on=date(2026, 1, 15)
    )
    attach(center, "charter", unit_a, "中心章程.pdf")
    attach(center.current_cycle(), "construction_plan", unit_a, "第一周期建设运行方案.pdf")
    return center


@pytest.fixture
def renamed(governed, unit_a, chengdu, kjt):
    """The center after an approved Art. 20 change of name (the notice issued)."""
    change = ChangeRequest.objects.create(
        center=governed, kind="name", proposed_value=NEW_NAME, reason="研发领域拓展。", created_by=unit_a
    )
    attach(change, "board_resolution", unit_a, "理事会决议.pdf")
    for transition, actor in (("submit", unit_a), ("supervisor_approve", chengdu), ("approve", kjt)):
        perform(change, transition, actor=actor)
    governed.refresh_from_db()
    return governed, change


# --- the center page ---------------------------------------------------------------------------


def test_art3_11_13_center_page_shows_identity_and_governance(renamed, unit_a, chengdu, login):
    center, change = renamed
    former = CenterHistory.objects.get(center=center, kind="name")
    application = center.application

    html = body(login(unit_a).get(f"/centers/{center.pk}/"))

    assert f'<h1 class="h3 mb-0">{NEW_NAME}</h1>' in html
    former_line = re.search(r"<p[^>]*data-former-name[^>]*>(.*?)</p>", html, re.S).group(1)
    assert application.proposed_name in former_line
    assert former.effective_on.strftime("%Y-%m-%d") in former_line
    for value in (
        unit_a.organization.name,  # lead unit
        "蜀都测试大学",  # co-builder copied from the application
        chengdu.organization.name,  # supervisor
        zh(TechnologyField(center.technology_field).label),
        zh(Region(center.region).label),
        center.legal_entity_name,
        center.credit_code,  # Art. 3: an independent legal entity
        ADDRESS,
        center.director_name,
        "王志强",  # board
        "李文华",
        "张院士",  # expert committee
        "刘教授",
        "完成牵引传动中试线建设。",  # work plan
        "中心章程.pdf",  # charter
        "第一周期建设运行方案.pdf",  # the cycle's construction plan
    ):
        assert escape(value) in html, value
    assert escape(zh("full-time (Art. 12)")) in html
    cycle = center.current_cycle()
    assert cycle.start_date.strftime("%Y-%m-%d") in html and cycle.end_date.strftime("%Y-%m-%d") in html


def test_art12_center_page_does_not_call_a_part_time_director_full_time(center, unit_a, login):
    Center.objects.filter(pk=center.pk).update(director_full_time=False)

    html = body(login(unit_a).get(f"/centers/{center.pk}/"))

    assert escape(zh("full-time (Art. 12)")) not in html


def test_center_page_links_to_its_application_reports_changes_and_notices(renamed, unit_a, login):
    center, change = renamed
    report = AnnualReport.objects.create(center=center, year=2025, due_date=date(2026, 3, 31))
    notices = {n.kind: n for n in (*notices_on(center.application), *notices_on(change))}

    html = body(login(unit_a).get(f"/centers/{center.pk}/"))

    assert f'href="/applications/{center.application_id}/"' in html
    assert f'href="/reports/{report.pk}/"' in html
    assert f'href="/changes/{change.pk}/"' in html
    assert f'href="/notices/{notices[Kind.APPROVAL].pk}/" data-notice="approval"' in html
    assert f'href="/notices/{notices[Kind.CHANGE_APPROVAL].pk}/" data-notice="change_approval"' in html
    history = re.search(r'<tr data-history="name">(.*?)</tr>', html, re.S).group(1)
    assert center.application.proposed_name in history and NEW_NAME in history


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("unit_a", 200),
        ("chengdu", 200),
        ("kjt", 200),
        ("unit_b", 404),
        ("mianyang", 404),
        ("jxt", 404),
        ("expert", 404),
    ],
)
def test_art6_center_page_opens_for_its_unit_its_supervisor_and_the_department(
    request, center, client, who, expected
):
    client.force_login(request.getfixturevalue(who))

    assert client.get(f"/centers/{center.pk}/").status_code == expected


def test_center_page_sends_anonymous_visitors_to_log_in(center, client):
    response = client.get(f"/centers/{center.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("who", "shown"), [("unit_a", True), ("chengdu", False), ("kjt", False)])
def test_art11_only_center_users_get_the_edit_and_change_buttons(request, center, client, who, shown):
    client.force_login(request.getfixturevalue(who))

    html = body(client.get(f"/centers/{center.pk}/"))

    assert ('data-action="governance"' in html) is shown
    assert ('data-action="request-change"' in html) is shown
    assert (f'action="/centers/{center.pk}/documents/"' in html) is shown


# --- Art. 11, 13: governance records kept by the center ------------------------------------------


def management(prefix, total=0, initial=0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def governance_post(center, board=(), committee=(), plans=()) -> dict:
    """The governance form as the browser sends it: existing rows first, then new ones."""
    data = {}
    for prefix, rows, existing in (
        ("board", board, list(center.board_members.all())),
        ("committee", committee, list(center.committee_members.all())),
        ("plans", plans, list(center.work_plans.all())),
    ):
        data.update(management(prefix, total=len(rows), initial=len(existing)))
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{i}-{key}"] = value
    return data


def test_art11_13_center_users_record_board_committee_and_work_plans(center, unit_a, login):
    client = login(unit_a)
    assert client.get(f"/centers/{center.pk}/governance/").status_code == 200

    response = client.post(
        f"/centers/{center.pk}/governance/",
        governance_post(
            center,
            board=[
                {
                    "name": "王志强",
                    "organization": "牵头单位",
                    "position": "董事长",
                    "role": "chair",
                    "since": "2026-01-01",
                }
            ],
            committee=[{"name": "张院士", "organization": "西南交通大学", "title": "院士", "is_chair": "on"}],
            plans=[{"year": "2026", "summary": "完成中试线建设。", "adopted_on": "2026-01-15"}],
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/centers/{center.pk}/"
    board = center.board_members.get()
    assert (board.name, board.role, board.since) == ("王志强", "chair", date(2026, 1, 1))
    assert center.committee_members.get().is_chair
    assert center.work_plans.get().year == 2026


def test_art11_center_users_change_and_remove_governance_records(governed, unit_a, login):
    chair, member = governed.board_members.order_by("id")
    committee = list(governed.committee_members.order_by("-is_chair", "id"))
    plan = governed.work_plans.get()
    data = governance_post(
        governed,
        board=[
            {"id": chair.pk, "name": "王志强", "organization": chair.organization, "role": "chair"},
            {
                "id": member.pk,
                "name": member.name,
                "organization": member.organization,
                "role": "member",
                "DELETE": "on",
            },
        ],
        committee=[
            {
                "id": m.pk,
                "name": m.name,
                "organization": m.organization,
                "title": m.title,
                "is_chair": "on" if m.is_chair else "",
            }
            for m in committee
        ],
        plans=[{"id": plan.pk, "year": "2026", "summary": "完成中试线建设并投入运行。"}],
    )

    response = login(unit_a).post(f"/centers/{governed.pk}/governance/", data)

    assert response.status_code == 302
    assert list(governed.board_members.values_list("name", flat=True)) == ["王志强"]
    assert governed.work_plans.get().summary == "完成中试线建设并投入运行。"
    assert governed.committee_members.count() == 2


def test_art11_4_one_work_plan_a_year_the_form_keeps_what_was_typed(governed, unit_a, login):
    plan = governed.work_plans.get()
    data = governance_post(
        governed,
        board=[
            {"id": m.pk, "name": m.name, "organization": m.organization, "role": m.role}
            for m in governed.board_members.all()
        ],
        committee=[
            {
                "id": m.pk,
                "name": m.name,
                "organization": m.organization,
                "is_chair": "on" if m.is_chair else "",
            }
            for m in governed.committee_members.all()
        ],
        plans=[
            {"id": plan.pk, "year": "2026", "summary": plan.summary},
            {"year": "2026", "summary": "第二份二〇二六年度计划，年份重复。"},
        ],
    )
    data["board-2-name"] = "新增理事赵敏"  # a new board member typed in the same form
    data["board-2-organization"] = "四川省交通投资集团"
    data["board-2-role"] = "member"
    data["board-TOTAL_FORMS"] = "3"

    response = login(unit_a).post(f"/centers/{governed.pk}/governance/", data)

    assert response.status_code == 400
    html = body(response)
    assert "第二份二〇二六年度计划，年份重复。" in html  # what was typed stays in the form
    assert "新增理事赵敏" in html
    duplicate = zh("Two rows have the same %(fields)s; each may appear once.") % {"fields": zh("year")}
    assert (
        f'<div class="alert alert-danger">{escape(duplicate)}</div>' in html
    )  # the duplicate year is named by its label
    assert governed.work_plans.count() == 1
    assert not governed.board_members.filter(name="新增理事赵敏").exists()  # nothing was saved


@pytest.mark.parametrize(
    ("who", "expected"), [("chengdu", 403), ("kjt", 403), ("unit_b", 404), ("mianyang", 404), ("expert", 404)]
)
def test_art11_only_center_users_edit_governance(request, governed, client, who, expected):
    client.force_login(request.getfixturevalue(who))
    data = governance_post(governed, board=[{"name": "冒名理事", "organization": "某单位", "role": "member"}])

    assert client.get(f"/centers/{governed.pk}/governance/").status_code == expected
    assert client.post(f"/centers/{governed.pk}/governance/", data).status_code == expected
    assert (
        client.post(
            f"/centers/{governed.pk}/documents/", {"kind": "charter", "file": pdf("冒名章程.pdf")}
        ).status_code
        == expected
    )

    assert not BoardMember.objects.filter(name="冒名理事").exists()
    assert not Attachment.objects.filter(original_name="冒名章程.pdf").exists()


def test_art11_anonymous_visitors_cannot_edit_governance(governed, client):
    for url in (f"/centers/{governed.pk}/governance/", f"/centers/{governed.pk}/documents/"):
        response = client.post(url, {"kind": "charter", "file": pdf()})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert governed.attachments.count() == 1


def test_art11_governance_form_cannot_change_another_centers_board_member(
    governed, other_center, unit_a, login
):
    stranger = BoardMember.objects.create(center=other_center, name="他中心理事", organization="某单位")
    data = governance_post(
        governed, board=[{"id": stranger.pk, "name": "被篡改", "organization": "某单位", "role": "chair"}]
    )
    data["board-INITIAL_FORMS"] = "1"

    login(unit_a).post(f"/centers/{governed.pk}/governance/", data)

    stranger.refresh_from_db()
    assert (stranger.name, stranger.role, stranger.center_id) == ("他中心理事", "member", other_center.pk)
    assert not BoardMember.objects.filter(name="被篡改").exists()


def test_art11_governance_form_cannot_add_a_member_to_another_center(governed, other_center, unit_a, login):
    data = governance_post(governed, board=[{"name": "混入理事", "organization": "某单位", "role": "member"}])
    data["board-INITIAL_FORMS"] = "0"
    data["board-0-center"] = other_center.pk

    response = login(unit_a).post(f"/centers/{governed.pk}/governance/", data)

    assert response.status_code == 400
    assert not BoardMember.objects.filter(name="混入理事").exists()


# --- Art. 11.1, 11.5: the charter and the cycle's construction plan --------------------------


def test_art11_center_users_upload_the_charter_and_the_current_cycles_plan(center, unit_a, login):
    client = login(unit_a)
    cycle = center.current_cycle()

    charter = client.post(f"/centers/{center.pk}/documents/", {"kind": "charter", "file": pdf("章程.pdf")})
    plan = client.post(
        f"/centers/{center.pk}/documents/",
        {"cycle": cycle.pk, "kind": "construction_plan", "file": pdf("方案.pdf")},
    )

    assert charter.status_code == 302 and plan.status_code == 302
    assert center.attachments.get().kind == "charter"
    assert cycle.attachments.get().kind == "construction_plan"
    html = body(client.get(f"/centers/{center.pk}/"))
    for attachment in (center.attachments.get(), cycle.attachments.get()):
        assert f'href="/files/{attachment.pk}/"' in html


def test_art11_5_a_closed_cycles_plan_cannot_be_changed(center, unit_a, login):
    CenterCycle.objects.filter(center=center).update(closed_on=date(2026, 1, 1))
    closed = center.cycles.get()

    response = login(unit_a).post(
        f"/centers/{center.pk}/documents/", {"cycle": closed.pk, "kind": "construction_plan", "file": pdf()}
    )

    assert response.status_code == 302
    assert not closed.attachments.exists()
    assert not center.attachments.exists()


def test_art11_another_centers_cycle_cannot_be_given_a_plan(center, other_center, unit_a, login):
    foreign = other_center.current_cycle()

    login(unit_a).post(
        f"/centers/{center.pk}/documents/", {"cycle": foreign.pk, "kind": "construction_plan", "file": pdf()}
    )

    assert not foreign.attachments.exists()


# --- Art. 20: the identity is not edited directly, not even by a crafted POST --------------------


def crafted_identity(other_org, supervisor_org) -> dict:
    return {
        "name": "四川省篡改名称技术创新中心",
        "director_name": "冒名主任",
        "director_full_time": "",
        "registered_address": "篡改地址",
        "lead_unit": other_org.pk,
        "supervisor": supervisor_org.pk,
        "technology_field": TechnologyField.MEDICINE_HEALTH,
        "region": Region.MIANYANG,
        "credit_code": "91510100MA0000000X",
        "legal_entity_name": "篡改法人",
        "research_direction": "篡改方向",
        "organisation_structure": "篡改结构",
        "state": "revoked",
        "ended_on": "2026-01-01",
        "cobuilders-0-name": "篡改共建单位",
    }


def identity(center) -> dict:
    center = Center.objects.get(pk=center.pk)
    fields = [*Center.IDENTITY_FIELDS, "region", "credit_code", "legal_entity_name", "state", "ended_on"]
    return {
        **{f: getattr(center, f + ("_id" if f in ("lead_unit", "supervisor") else "")) for f in fields},
        "cobuilders": list(center.cobuilders.values_list("name", flat=True)),
    }


def test_art20_identity_fields_are_not_on_the_governance_form(governed, unit_a, login):
    html = body(login(unit_a).get(f"/centers/{governed.pk}/governance/"))

    names = set(re.findall(r'name="([^"]+)"', html))
    for field in (*Center.IDENTITY_FIELDS, "region", "credit_code", "legal_entity_name"):
        assert field not in names, field


def test_art20_crafted_post_to_governance_changes_no_identity_field(
    governed, unit_a, unit_b, mianyang, login
):
    before = identity(governed)
    data = governance_post(
        governed,
        board=[
            {"id": m.pk, "name": m.name, "organization": m.organization, "role": m.role}
            for m in governed.board_members.all()
        ],
        committee=[
            {
                "id": m.pk,
                "name": m.name,
                "organization": m.organization,
                "is_chair": "on" if m.is_chair else "",
            }
            for m in governed.committee_members.all()
        ],
        plans=[{"id": p.pk, "year": p.year, "summary": p.summary} for p in governed.work_plans.all()],
    )
    data.update(crafted_identity(unit_b.organization, mianyang.organization))

    response = login(unit_a).post(f"/centers/{governed.pk}/governance/", data)

    assert response.status_code == 302  # the governance records were saved …
    assert identity(governed) == before  # … and nothing else


def test_art20_crafted_post_to_documents_changes_no_identity_field(governed, unit_a, unit_b, mianyang, login):
    before = identity(governed)
    data = {
        "kind": "charter",
        "file": pdf("新章程.pdf"),
        **crafted_identity(unit_b.organization, mianyang.organization),
    }

    response = login(unit_a).post(f"/centers/{governed.pk}/documents/", data)

    assert response.status_code == 302
    assert governed.attachments.filter(original_name="新章程.pdf").exists()
    assert identity(governed) == before


def test_art20_crafted_post_to_a_change_request_changes_no_identity_field(
    governed, unit_a, unit_b, mianyang, login
):
    before = identity(governed)
    data = {
        "kind": "name",
        "proposed_value": NEW_NAME,
        "reason": "研发领域拓展。",
        **crafted_identity(unit_b.organization, mianyang.organization),
        "center": "999999",
        "created_by": unit_b.pk,
    }

    response = login(unit_a).post(f"/centers/{governed.pk}/changes/new/", data)

    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert (change.center_id, change.created_by, change.state) == (governed.pk, unit_a, "draft")
    assert change.proposed_value == NEW_NAME
    assert identity(governed) == before


# --- /centers/: filters, export, query counts ----------------------------------------------------


@pytest.fixture
def many(unit_a, unit_b, chengdu, mianyang, jxt):
    """Centers across supervisors, regions, fields, states and cycle end years."""

    def make(name, lead, supervisor, region, field, end_year, state="operating"):
        made = CenterFactory(
            name=name,
            lead_unit=lead,
            supervisor=supervisor,
            region=region,
            technology_field=field,
            state=state,
        )
        CenterCycle.objects.filter(center=made).update(end_date=date(end_year, 12, 31))
        return made

    a, b = unit_a.organization, unit_b.organization
    return {
        "rail": make(
            "四川省轨道交通技术创新中心",
            a,
            chengdu.organization,
            Region.CHENGDU,
            TechnologyField.EQUIPMENT_MANUFACTURING,
            2027,
        ),
        "sensor": make(
            "四川省智能传感技术创新中心",
            b,
            mianyang.organization,
            Region.MIANYANG,
            TechnologyField.ELECTRONIC_INFORMATION,
            2028,
        ),
        "software": make(
            "四川省工业软件技术创新中心",
            a,
            jxt.organization,
            Region.CHENGDU,
            TechnologyField.ELECTRONIC_INFORMATION,
            2028,
        ),
        "bio": make(
            "四川省生物基材料技术创新中心",
            b,
            chengdu.organization,
            Region.MIANYANG,
            TechnologyField.EQUIPMENT_MANUFACTURING,
            2027,
            state="revoked",
        ),
    }


def listed(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/centers/(\d+)/"', html)}


def ids(many, *keys) -> set[int]:
    return {many[k].pk for k in keys}


def test_center_list_filters_by_state_region_field_supervisor_and_cycle_end_year(many, kjt, chengdu, client):
    client.force_login(kjt)

    def shown(params):
        response = client.get(f"/centers/?{params}")
        assert response.status_code == 200
        return listed(body(response))

    assert shown("") == ids(many, "rail", "sensor", "software", "bio")
    assert shown("state=revoked") == ids(many, "bio")
    assert shown(f"region={Region.MIANYANG}") == ids(many, "sensor", "bio")
    assert shown(f"technology_field={TechnologyField.ELECTRONIC_INFORMATION}") == ids(
        many, "sensor", "software"
    )
    assert shown(f"supervisor={chengdu.organization_id}") == ids(many, "rail", "bio")
    assert shown("cycle_end_year=2028") == ids(many, "sensor", "software")
    assert shown(f"cycle_end_year=2027&region={Region.CHENGDU}") == ids(many, "rail")


def test_art6_center_list_filters_never_widen_a_supervisors_scope(many, chengdu, mianyang, client):
    client.force_login(chengdu)

    assert listed(body(client.get("/centers/"))) == ids(many, "rail", "bio")
    assert listed(body(client.get(f"/centers/?supervisor={mianyang.organization_id}"))) == set()


def test_center_list_of_a_unit_holds_its_own_centers(many, unit_a, client):
    client.force_login(unit_a)

    assert listed(body(client.get("/centers/"))) == ids(many, "rail", "software")


@pytest.fixture
def export_centers(client, django_capture_on_commit_callbacks):
    def run(user, params=""):
        client.force_login(user)
        with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
            response = client.post("/exports/new/centers/", {"params": params})
        assert response.status_code == 302
        export = Export.objects.filter(user=user).latest("pk")
        download = client.get(f"/exports/{export.pk}/download/")
        assert download.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
        header = [cell.value for cell in sheet[1]]
        return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]

    return run


@pytest.mark.parametrize(
    ("who", "params", "expected"),
    [
        ("kjt", "", {"rail", "sensor", "software", "bio"}),
        ("kjt", "cycle_end_year=2028", {"sensor", "software"}),
        ("kjt", "state=revoked", {"bio"}),
        ("chengdu", "", {"rail", "bio"}),
        ("jxt", "", {"software"}),
        ("unit_b", f"region={Region.MIANYANG}", {"sensor", "bio"}),
    ],
)
def test_center_export_holds_the_rows_of_the_filtered_list(
    request, many, export_centers, who, params, expected
):
    rows = export_centers(request.getfixturevalue(who), params)

    assert {row[zh("Name")] for row in rows} == {many[k].name for k in expected}
    by_name = {row[zh("Name")]: row for row in rows}
    for key in expected:
        row = by_name[many[key].name]
        assert row[zh("Unified social credit code")] == many[key].credit_code
        assert row[zh("Cycle ends")].year == many[key].current_cycle().end_date.year


# --- query counts: constant from 5 to 50 rows --------------------------------------------------


def count_queries(client, url) -> tuple[int, list[str], str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], body(response)


def assert_constant(client, url, grow, *, marker):
    grow(5)
    client.get(url)  # warm caches (content types, sessions) so that both counts see the same
    few, few_sql, few_html = count_queries(client, url)
    grow(45)
    many, many_sql, many_html = count_queries(client, url)
    if few != many:
        print(f"\n--- {url}: {few} queries with 5 rows ---\n" + "\n".join(few_sql))
        print(f"\n--- {url}: {many} queries with 50 rows ---\n" + "\n".join(many_sql))
    assert few == many, f"{url}: {few} queries with 5 rows, {many} with 50 (SQL printed above)"
    assert len(re.findall(marker, many_html)) > len(re.findall(marker, few_html)) > 0, (
        "the rows were not drawn"
    )


@pytest.fixture
def grow_governance(center, unit_a, kjt):
    """``grow(n)``: n more board and committee members, work plans, documents, closed cycles with
    plans, history rows, decided change requests with draft notices and annual reports."""
    counter = {"n": 0}

    def grow(n):
        for _ in range(n):
            i = counter["n"] = counter["n"] + 1
            BoardMember.objects.create(center=center, name=f"理事{i:03d}", organization="某单位")
            CommitteeMember.objects.create(center=center, name=f"委员{i:03d}", organization="某大学")
            WorkPlan.objects.create(center=center, year=1900 + i, summary=f"年度计划{i:03d}")
            attach(center, "other", unit_a, f"文件{i:03d}.pdf")
            cycle = CenterCycle.objects.create(
                center=center,
                number=100 + i,
                start_date=date(1800 + i, 1, 1),
                end_date=date(1802 + i, 12, 31),
                closed_on=date(1802 + i, 12, 31),
            )
            attach(cycle, "construction_plan", unit_a, f"方案{i:03d}.pdf")
            change = ChangeRequest.objects.create(
                center=center,
                kind="other",
                proposed_value=f"事项{i:03d}",
                reason="调整。",
                created_by=unit_a,
                state="approved",
            )
            CenterHistory.objects.create(
                center=center,
                kind="other",
                old_value="",
                new_value=f"事项{i:03d}",
                effective_on=date(2026, 1, 1),
                change_request=change,
            )
            notice_draft(
                kind=Kind.CHANGE_APPROVAL,
                subject=change,
                actor=kjt,
                addressee_orgs=[center.supervisor, center.lead_unit],
                context={
                    "name": center.name,
                    "change": "其他重大事项",
                    "old": "",
                    "new": "",
                    "reason": "",
                    "supervisor": "",
                },
            )
            AnnualReport.objects.create(
                center=center, year=1900 + i, due_date=date(1901 + i, 3, 31), state="filed"
            )

    return grow


@pytest.mark.parametrize("who", ["unit_a", "chengdu", "kjt"])
def test_center_page_queries_do_not_grow_with_its_records(request, center, grow_governance, client, who):
    client.force_login(request.getfixturevalue(who))

    assert_constant(client, f"/centers/{center.pk}/", grow_governance, marker=r"理事\d{3}")


@pytest.fixture
def grow_centers(unit_a, chengdu, jxt):
    counter = {"n": 0}

    def grow(n):
        for _ in range(n):
            i = counter["n"] = counter["n"] + 1
            lead = (
                unit_a.organization
                if i % 2
                else OrganizationFactory(name=f"列表单位{i:03d}", region=Region.MIANYANG)
            )
            supervisor = chengdu.organization if i % 3 else jxt.organization
            CenterFactory(name=f"四川省列表{i:03d}技术创新中心", lead_unit=lead, supervisor=supervisor)

    return grow


@pytest.fixture
def _one_page(settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


@pytest.mark.usefixtures("_one_page")
@pytest.mark.parametrize("who", ["unit_a", "chengdu", "kjt"])
@pytest.mark.parametrize(
    "params",
    [
        "",
        "?state=operating",
        f"?region={Region.CHENGDU}",
        "?cycle_end_year=2027",
        "?technology_field=equipment_manufacturing",
    ],
)
def test_center_list_queries_do_not_grow_with_rows(request, grow_centers, client, who, params):
    client.force_login(request.getfixturevalue(who))

    assert_constant(client, f"/centers/{params}", grow_centers, marker=r'href="/centers/\d+/"')


def test_supervisor_filter_lists_only_supervising_organizations(kjt, chengdu, jxt, unit_a, client):
    client.force_login(kjt)

    html = body(client.get("/centers/"))

    options = set(
        re.findall(r'<option value="(\d+)"', re.search(r'name="supervisor".*?</select>', html, re.S).group(0))
    )
    assert options == {str(chengdu.organization_id), str(jxt.organization_id)}
    assert str(unit_a.organization_id) not in options
