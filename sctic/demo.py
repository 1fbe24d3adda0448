"""Small helpers shared by demo data and tests."""

from collections.abc import Callable

from accounts.credit_code import complete


def demo_get_or_create(key: str, create: Callable, *, adopt: Callable | None = None):
    """The demo object registered under ``key``, else the one ``create()`` makes, registered under
    ``key``; returns ``(object, created)`` like ``get_or_create``, ``(None, False)`` when ``create``
    returns None (nothing to seed).

    The key, not a name, finds the object again, so ``seed_demo`` stays idempotent whatever users
    did to its objects (renamed a center, edited a lead unit, walked an application on). ``adopt``
    finds the object a seed made before the registry existed (by a credit code, a username…):
    that object is registered instead of a second one being created. A registered object that was
    deleted since is made again.
    """
    from django.contrib.contenttypes.models import ContentType

    from sctic.models import DemoObject

    entry = DemoObject.objects.select_related("content_type").filter(key=key).first()
    found = entry.target() if entry else None
    if found is not None:
        return found, False
    obj = adopt() if adopt else None
    created = obj is None
    if created:
        obj = create()
    if obj is None:
        return None, False
    DemoObject.objects.filter(key=key).delete()
    DemoObject.objects.create(
        key=key, content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, adopted=not created
    )
    return obj, created


def demo_unregistered(queryset):
    """``queryset`` narrowed to what a seed may have made before the registry existed, oldest
    first: objects older than its first entry and not registered (under another key) since.
    For an ``adopt`` that cannot go by a credit code or a username; in a registered database it
    finds nothing, and a registered object that was deleted is made again."""
    from django.contrib.contenttypes.models import ContentType

    from sctic.models import DemoObject

    first = DemoObject.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is not None:
        queryset = queryset.filter(created_at__lt=first)
    model = ContentType.objects.get_for_model(queryset.model)
    registered = DemoObject.objects.filter(content_type=model).values("object_id")
    return queryset.exclude(pk__in=registered).order_by("pk")


def credit_code(kind: str, division: str, serial: int) -> str:
    """A valid unified social credit code: ``kind`` is "91" (enterprise), "12" (public institution)
    or "11" (government body); ``division`` a six-digit GB/T 2260 code."""
    org = f"{serial:08d}"[-8:]
    return complete(f"{kind}{division}{org}")


def minimal_pdf(text: str = "sctic") -> bytes:
    """A tiny, valid one-page PDF (for demo attachments and tests)."""
    safe = text.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 12 Tf 72 720 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# The path from a fresh draft to each state of an intent application (Art. 10), used by the demo
# data and the tests. "cultivate" and "opinions" are the lead unit's and the experts' work between
# transitions; every other step is a transition run through sctic.workflow.perform.
APPLICATION_PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "returned": ["submit", "return_for_revision"],
    "cultivating": ["submit", "accept_for_cultivation"],
    "recommended": ["submit", "accept_for_cultivation", "cultivate", "recommend"],
    "under_review": ["submit", "accept_for_cultivation", "cultivate", "recommend", "start_review"],
    "approved": [
        "submit",
        "accept_for_cultivation",
        "cultivate",
        "recommend",
        "start_review",
        "opinions",
        "approve",
    ],
    "rejected": [
        "submit",
        "accept_for_cultivation",
        "cultivate",
        "recommend",
        "start_review",
        "opinions",
        "reject",
    ],
    "declined": ["submit", "decline"],
    "withdrawn": ["submit", "withdraw"],
}

REASONS = {
    "return_for_revision": "请补充共建单位的分工与利益分配机制，并细化中期目标的量化指标。",
    "decline": "该方向与本地区产业布局重合度较低，本年度暂不纳入培育。",
    "reject": "经专家咨询论证，技术目标与现有平台重复，暂不批准建设。",
    "approve": "经专家咨询论证，同意建设。",
}


def cultivate(app, applicant, *, serial=None):
    """Art. 10.2 deliverables: plan uploaded, board prepared, legal entity with a valid credit code."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from attachments.services import attachment_add

    app.board_prepared = True
    app.board_summary = "理事会由牵头单位、共建高校和研究所代表共7人组成，已召开筹备会议。"
    app.legal_entity_name = (
        app.proposed_name.removeprefix("四川省").removesuffix("技术创新中心") + "技术创新中心（四川）有限公司"
    )
    app.legal_entity_credit_code = credit_code(
        "91", "510100", 30000 + (serial if serial is not None else app.pk)
    )
    app.save()
    upload = SimpleUploadedFile(
        "建设运行方案.pdf", minimal_pdf("Construction and operation plan"), content_type="application/pdf"
    )
    attachment_add(
        owner=app, kind="construction_plan", upload=upload, mime_type="application/pdf", user=applicant
    )


def give_opinions(
    app, *, score=86, verdict="support", opinion="技术路线清晰，团队基础扎实，建议加强成果转化机制设计。"
):
    """Every expert still asked gives an opinion, through the service the form uses."""
    from applications.services import expert_review_submit

    for review in app.expert_reviews.filter(state__in=("invited", "accepted")).select_related("expert"):
        expert_review_submit(
            review,
            actor=review.expert,
            no_conflict_declared=True,
            score=score,
            verdict=verdict,
            opinion=opinion,
        )


def advance(app, target: str, *, applicant, supervisor, department, experts, score=86, group_opinion=False):
    """Walk ``app`` from draft to ``target`` through the real workflow; returns the application.
    ``group_opinion``: before the decision a 组长 writes the group opinion and 科技厅 approves it."""
    from django.utils import timezone

    from applications.selectors import next_free_rank
    from sctic.workflow import perform

    for step in APPLICATION_PATHS[target]:
        if step == "cultivate":
            cultivate(app, applicant)
        elif step == "opinions":
            approving = target == "approved"
            give_opinions(
                app,
                score=score if approving else 58,
                verdict="support" if approving else "oppose",
                opinion="技术路线清晰，团队基础扎实，建议加强成果转化机制设计。"
                if approving
                else "与现有平台方向重复，协同机制不够具体。",
            )
            if group_opinion:
                from experts.demo import write_group_opinion

                write_group_opinion(
                    app,
                    department=department,
                    conclusion="support" if approving else "oppose",
                    reasons="专家组认为技术路线清晰、团队基础扎实，建议加强成果转化机制设计。"
                    if approving
                    else "专家组认为该方向与现有平台重复，协同机制不够具体。",
                )
        elif step in ("submit", "withdraw"):
            perform(app, step, actor=applicant)
        elif step == "recommend":
            perform(
                app,
                step,
                actor=supervisor,
                opinion="该中心方向符合全省重点产业布局，培育期间完成了建设运行方案和理事会筹建，同意推荐。",
                rank=next_free_rank(app.supervisor_id, timezone.localdate().year),
            )
        elif step == "start_review":
            perform(
                app,
                step,
                actor=department,
                experts=list(experts),
                reason="按技术领域从专家库中指定（演示）。",
                comment="请各位专家于两周内提交咨询意见。",
            )
        elif step in ("approve", "reject"):
            perform(app, step, actor=department, comment=REASONS[step])
        else:
            perform(app, step, actor=supervisor, comment=REASONS.get(step, ""))
    return app


def complete_sections(name: str) -> dict:
    """The Art. 9 sections of an application, filled in (demo data and tests)."""
    field = name.removeprefix("四川省").removesuffix("技术创新中心")
    return {
        "summary": f"聚焦{field}领域关键核心技术攻关与成果转化，打造全省{field}技术供给平台。",
        "strategic_fit": f"服务成渝地区双城经济圈建设和全省“5+1”现代化产业体系，围绕{field}产业链补链强链。",
        "lead_unit_strength": "牵头单位拥有省级研发平台2个，近三年承担国家重点研发计划项目5项，授权发明专利120件。",
        "collaboration": "牵头单位负责总体设计与工程化验证，高校负责共性技术研究，研究所负责材料与检测；按投入比例共享知识产权收益。",
        "technology_goals": f"突破{field}领域3—5项关键技术，形成自主可控的技术体系。",
        "bottleneck_technologies": "高可靠核心部件设计与制造技术；关键工业软件。",
        "strength_technologies": "系统集成与工程化应用技术。",
        "short_term_goals": "一年内完成平台组建，启动3项攻关任务。",
        "mid_term_goals": "三年内突破关键技术3项，转化成果10项，孵化科技型企业3家。",
        "long_term_goals": "五年内建成具有全国影响力的技术创新中心，争创国家技术创新中心。",
        "talent_team": "技术带头人1名（国家级人才），核心技术团队45人，技术支撑服务团队20人，成果转化团队12人。",
        "director_name": "杨建国",
        "director_title": "研究员、博士生导师",
        "director_profile": "长期从事相关领域研究，主持国家级项目8项，具有丰富的科研与管理经验。",
        "director_full_time": True,
        "contact_person": "陈静",
        "contact_phone": "028-12345678",
    }
