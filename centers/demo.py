"""Demo data for center governance and Art. 20 change requests: governance records for the
established centers, a center with a former name, and change requests in every state.

Centers are named here by the name they were seeded with, which is their demo key ("center:<name>"):
the approved name change below renames one, and users may rename others."""

from datetime import date
from functools import partial

from django.core.files.uploadedfile import SimpleUploadedFile

from attachments.services import attachment_add
from sctic.demo import credit_code, demo_get_or_create, demo_unregistered, minimal_pdf
from sctic.workflow import perform

from .models import BoardMember, Center, CenterCoBuilder, ChangeRequest, CommitteeMember, WorkPlan

K = ChangeRequest.Kind

# (center's seeded name, kind, proposal, reason, target state); the target state is the demo key.
CHANGES = [
    (
        "四川省智能制造装备技术创新中心",
        K.REGISTERED_LOCATION,
        "绵阳市涪城区科创园区创新路8号",
        "整体搬迁至科创园区新址。",
        "draft",
    ),
    (
        "四川省高端装备结构材料技术创新中心",
        K.DIRECTOR,
        "吴建华",
        "原主任调任，理事会选举产生新主任。",
        "submitted",
    ),
    (
        "四川省工业软件技术创新中心",
        K.STRUCTURE,
        "设立工业软件测评部和成果转化部，撤并综合管理部。",
        "适应成果转化需要调整内设机构。",
        "returned",
    ),
    (
        "四川省新型显示技术创新中心",
        K.DIRECTION,
        "聚焦Micro-LED与柔性显示关键材料和工艺。",
        "根据产业技术发展趋势调整研发方向。",
        "supervisor_approved",
    ),
    (
        "四川省先进催化材料技术创新中心",
        K.NAME,
        "四川省先进催化与过程强化技术创新中心",
        "研发领域拓展至过程强化，名称需相应调整。",
        "approved",
    ),
    (
        "四川省工业软件技术创新中心",
        K.OTHER,
        "引入社会资本增资扩股。",
        "拟引入产业基金，股权结构发生重大变化。",
        "rejected",
    ),
    ("四川省智能制造装备技术创新中心", K.DIRECTOR, "郑海", "拟更换中心主任。", "withdrawn"),
]

STEPS = {
    "draft": [],
    "submitted": [("submit", "center")],
    "returned": [("submit", "center"), ("return_for_revision", "supervisor")],
    "supervisor_approved": [("submit", "center"), ("supervisor_approve", "supervisor")],
    "approved": [("submit", "center"), ("supervisor_approve", "supervisor"), ("approve", "department")],
    "rejected": [("submit", "center"), ("supervisor_approve", "supervisor"), ("reject", "department")],
    "withdrawn": [("submit", "center"), ("withdraw", "center")],
}
REASONS = {
    "return_for_revision": "请补充理事会决议原件及机构调整后的职责分工。",
    "reject": "股权结构重大调整需进一步论证，暂不同意。",
    "approve": "同意变更。",
}
# The center that 科技厅 revoked (Art. 5.2) and its credit code.
REVOKED = "四川省生物基材料技术创新中心"
REVOKED_CODE = credit_code("91", "510600", 40100)


def seed(*, users, orgs, centers, center_users) -> None:
    """``centers`` maps a center's seeded name to the center, ``center_users`` to the applicant
    user acting for it."""
    demo_get_or_create(
        f"center:{REVOKED}",
        lambda: revoked(lead=orgs["inst_1"], supervisor=orgs["chengdu"], department=users["kjt"]),
        adopt=lambda: Center.objects.filter(credit_code=REVOKED_CODE).first(),
    )
    for name, kind, proposal, reason, target in CHANGES:
        center = centers[name]
        demo_get_or_create(
            f"change:{target}",
            partial(_change, center, kind, proposal, reason, target, center_users[name], users, orgs),
            adopt=partial(_legacy_change, center, kind),
        )


def _legacy_change(center, kind):
    """The request a seed made before the demo registry existed: the center's oldest of that kind
    not registered yet (its proposal may have been edited since)."""
    return demo_unregistered(ChangeRequest.objects.filter(center=center, kind=kind)).first()


def _change(center, kind, proposal, reason, target, actor, users, orgs):
    # The supervisors' users are named like their organizations' keys (chengdu, mianyang, jxt).
    supervisor = next(users[key] for key, org in orgs.items() if org.pk == center.supervisor_id)
    people = {"center": actor, "supervisor": supervisor, "department": users["kjt"]}
    change = ChangeRequest.objects.create(
        center=center,
        kind=kind,
        proposed_value=proposal,
        proposed_director_full_time=kind == K.DIRECTOR,
        reason=reason,
        created_by=actor,
    )
    upload = SimpleUploadedFile(
        "理事会决议.pdf", minimal_pdf("Board resolution"), content_type="application/pdf"
    )
    attachment_add(
        owner=change, kind="board_resolution", upload=upload, mime_type="application/pdf", user=actor
    )
    for transition, who in STEPS[target]:
        perform(change, transition, actor=people[who], comment=REASONS.get(transition, ""))
    return change


def revoked(*, lead, supervisor, department):
    """A center that 科技厅 revoked (Art. 5.2), kept readable with its history."""
    from centers.services import cycle_dates

    from .models import CenterCycle

    center = Center.objects.create(
        name=REVOKED,
        lead_unit=lead,
        supervisor=supervisor,
        technology_field="advanced_materials",
        region=lead.region,
        legal_entity_name="生物基材料技术创新中心（四川）有限公司",
        credit_code=REVOKED_CODE,
        director_name="冯立",
        approved_on=date(2024, 3, 1),
    )
    start, end = cycle_dates(date(2024, 3, 1))
    CenterCycle.objects.create(center=center, number=1, start_date=start, end_date=end)
    return perform(
        center, "revoke", actor=department, comment="运行主体法人实体已注销，不再具备独立法人条件（第三条）。"
    )


def governance(center) -> None:
    if center.board_members.exists():
        return
    BoardMember.objects.bulk_create(
        [
            BoardMember(
                center=center,
                name="王建国",
                organization=center.lead_unit.name,
                position="董事长",
                role="chair",
                since=date(2023, 7, 1),
            ),
            BoardMember(
                center=center,
                name="李红",
                organization="蜀都理工大学",
                position="副校长",
                role="vice_chair",
                since=date(2023, 7, 1),
            ),
            BoardMember(
                center=center,
                name="陈刚",
                organization="四川省先进材料研究所",
                position="所长",
                role="member",
                since=date(2023, 7, 1),
            ),
        ]
    )
    CommitteeMember.objects.bulk_create(
        [
            CommitteeMember(
                center=center, name="刘院士", organization="中国工程院", title="院士", is_chair=True
            ),
            CommitteeMember(center=center, name="张教授", organization="川北工业大学", title="教授"),
        ]
    )
    WorkPlan.objects.bulk_create(
        WorkPlan(
            center=center,
            year=year,
            summary=f"{year}年：推进关键技术攻关，完善成果转化机制。",
            adopted_on=date(year, 1, 20),
        )
        for year in (2024, 2025, 2026)
    )
    if not center.cobuilders.exists():
        CenterCoBuilder.objects.create(center=center, name="蜀都理工大学", role="共性技术研究")
    if not center.research_direction:
        center.research_direction = "围绕产业链关键环节开展共性技术研发与成果转化。"
        center.organisation_structure = "理事会、中心主任、专家委员会；下设研发部、转化部、综合管理部。"
        center.save(update_fields=["research_direction", "organisation_structure"])
