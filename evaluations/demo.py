"""Demo data for the three-year evaluation: the 2026 round (cycles of the centers approved in
mid-2023 end in 2026) with an evaluation in every state.

Centers are named here by the name they were seeded with, their demo key ("center:<name>")."""

from datetime import date
from functools import partial

from centers.models import Center, CenterCycle
from centers.services import cycle_dates
from experts.demo import write_group_opinion
from reports.demo import NARRATIVE, at, backdate, figures, walk
from reports.models import AnnualReport, ReportingSeason
from sctic.choices import TechnologyField
from sctic.demo import credit_code, demo_get_or_create
from sctic.workflow import perform

from .models import AREAS, EvaluationRound, RuleSet
from .services import expert_scores_submit, round_open, scoring_candidates

# Extra centers for the states that end a center's life (removal, absence, withdrawal) and for
# rectification, so that the established centers keep their reports and change requests.
EXTRA = [
    ("四川省锂电新材料技术创新中心", "unit_a", "chengdu", TechnologyField.ADVANCED_MATERIALS),
    ("四川省清洁能源装备技术创新中心", "unit_b", "mianyang", TechnologyField.ENERGY_CHEMICALS),
    ("四川省中药现代化技术创新中心", "inst_2", "jxt", TechnologyField.MEDICINE_HEALTH),
    ("四川省现代种业技术创新中心", "uni_2", "jxt", TechnologyField.MODERN_AGRICULTURE),
    ("四川省工业互联网安全技术创新中心", "inst_1", "chengdu", TechnologyField.DIGITAL_ECONOMY),
    ("四川省航空发动机部件技术创新中心", "unit_a", "chengdu", TechnologyField.AEROSPACE),
]
# Target state of each evaluation, by the center's seeded name (the catalyst center is renamed by
# the approved change request of centers.demo before the round opens).
TARGETS = {
    "四川省智能制造装备技术创新中心": "pending",
    "四川省高端装备结构材料技术创新中心": "submitted",
    "四川省工业软件技术创新中心": "under_review",
    "四川省新型显示技术创新中心": "good",
    "四川省先进催化材料技术创新中心": "excellent",
    "四川省锂电新材料技术创新中心": "rectifying",
    "四川省清洁能源装备技术创新中心": "rectified",
    "四川省中药现代化技术创新中心": "removed",
    "四川省现代种业技术创新中心": "absent",
    "四川省工业互联网安全技术创新中心": "withdrawn",
    "四川省航空发动机部件技术创新中心": "pass",
}
APPROVED_ON = date(2023, 6, 30)
WEAK = ("rectifying", "rectified", "removed")
SCORES = {
    "excellent": 95,
    "good": 82,
    "pass": 66,
    "fail": 45,
    "rectifying": 45,
    "rectified": 45,
    "removed": 45,
}


def seed(*, orgs, users, centers) -> None:
    """``centers``: the established centers by their seeded name."""
    centers = dict(centers)
    for index, spec in enumerate(EXTRA):
        centers[spec[0]], _ = demo_get_or_create(
            f"center:{spec[0]}",
            partial(_extra_center, index, *spec, orgs=orgs, users=users),
            adopt=Center.objects.filter(credit_code=_extra_code(index)).first,
        )
    demo_get_or_create(
        "evaluation-round:2026",
        partial(_round, centers, orgs=orgs, users=users),
        adopt=EvaluationRound.objects.filter(year=2026).first,
    )


def _round(centers, *, orgs, users):
    kjt = users["kjt"]
    rules = RuleSet.objects.order_by("created_at").first()
    evaluation_round = round_open(
        year=2026,
        rule_set=rules,
        materials_deadline=date(2026, 12, 20),
        scoring_deadline=date(2027, 1, 15),
        actor=kjt,
    )
    targets = {centers[name].pk: target for name, target in TARGETS.items()}
    for evaluation in evaluation_round.evaluations.select_related("center"):
        target = targets.get(evaluation.center_id, "pending")
        applicant = users[_applicant(evaluation.center, orgs)]
        _walk(evaluation, target, applicant=applicant, department=kjt)
    return evaluation_round


def _applicant(center, orgs) -> str:
    keys = {orgs[k].pk: k for k in ("unit_a", "unit_b")}
    keys.update({orgs["inst_2"].pk: "unit_c", orgs["uni_2"].pk: "unit_d", orgs["inst_1"].pk: "unit_e"})
    return keys[center.lead_unit_id]


def _extra_code(index: int) -> str:
    return credit_code("91", "510100", 41000 + index)


def _extra_center(index, name, lead_key, supervisor_key, field, *, orgs, users):
    lead, supervisor = orgs[lead_key], orgs[supervisor_key]
    center = Center.objects.create(
        name=name,
        lead_unit=lead,
        supervisor=supervisor,
        technology_field=field,
        region=lead.region,
        legal_entity_name=name.removeprefix("四川省").removesuffix("技术创新中心")
        + "技术创新中心（四川）有限公司",
        credit_code=_extra_code(index),
        director_name="示范主任",
        approved_on=APPROVED_ON,
        research_direction="围绕产业链关键环节开展共性技术研发与成果转化。",
    )
    start, end = cycle_dates(APPROVED_ON)
    CenterCycle.objects.create(center=center, number=1, start_date=start, end_date=end)
    applicant = users[_applicant(center, orgs)]
    for year in (2023, 2024, 2025):
        season = ReportingSeason.objects.get(year=year)
        values = figures(
            index, year, scale=0.35 if TARGETS.get(name) in WEAK else 1.0
        )  # failing centers report little
        report = AnnualReport.objects.create(
            center=center, year=year, season=season, due_date=season.due_date, **NARRATIVE, **values
        )
        walk(report, "filed", applicant=applicant, supervisor=users[supervisor_key], department=users["kjt"])
        backdate(report, at(date(year + 1, 3, 20)))
    return center


def _walk(evaluation, target, *, applicant, department):
    if target == "pending":
        return
    if target == "absent":
        perform(evaluation, "mark_absent", actor=department, comment="未按期提交自评估材料，视为未参加评估。")
        return
    for area, _label in AREAS:
        setattr(evaluation, f"narrative_{area}", f"周期内围绕{_label}开展的主要工作和成效（示例）。")
    evaluation.save()
    perform(evaluation, "submit_self_assessment", actor=applicant)
    if target == "submitted":
        return
    if target == "withdrawn":
        perform(evaluation, "withdraw", actor=department, comment="创新中心书面申请中途退出绩效评估。")
        return
    eligible = [c.user for c in scoring_candidates(evaluation) if not c.conflict]
    if target == "under_review" and len(eligible) >= 3:
        # A recorded random draw (Art. 21): three experts and up to two reserves.
        perform(
            evaluation,
            "start_review",
            actor=department,
            method="random",
            count=3,
            reserves=min(2, len(eligible) - 3),
            seed=20261207,
            comment="请于规定时间内完成评分。",
        )
    else:
        perform(
            evaluation,
            "start_review",
            actor=department,
            experts=eligible[:3],
            reason="按技术领域从专家库中指定（演示）。",
            comment="请于规定时间内完成评分。",
        )
    codes = [i["code"] for i in evaluation.round.rules["indicators"] if i["method"] == "expert"]
    score = SCORES.get(target, 70)
    for position, assignment in enumerate(evaluation.experts.select_related("expert")):
        if target == "under_review" and position > 0:
            break
        expert_scores_submit(
            assignment,
            actor=assignment.expert,
            no_conflict_declared=True,
            scores=dict.fromkeys(
                codes, (score, "材料翔实，成效明显。" if score >= 60 else "目标完成度不足。")
            ),
        )
    if target == "under_review":
        _answers(evaluation, department=department)
        return
    write_group_opinion(evaluation, department=department)
    evaluation.refresh_from_db()
    grade = {"excellent": "excellent", "good": "good", "pass": "pass"}.get(target, "fail")
    reason = "" if evaluation.proposed_grade == grade else "综合专家意见和客观数据，评估组研究确定。"
    perform(evaluation, "grade", actor=department, grade=grade, comment=reason)
    if target == "rectified":
        evaluation.rectification_plan = "针对评估意见制定整改方案：补齐成果转化短板，完善管理制度。"
        evaluation.rectification_report = "整改措施已全部落实，成果转化合同额同比增长60%。"
        evaluation.save()
        perform(evaluation, "pass_rectification", actor=department, comment="整改到位，同意通过。")
    elif target == "removed":
        perform(evaluation, "fail_rectification", actor=department, comment="整改期满，主要问题仍未解决。")
    elif target == "rectifying":
        evaluation.rectification_plan = "拟用一年时间完成研发投入和成果转化两方面整改。"
        evaluation.save()


def _answers(evaluation, *, department):
    """Assignments in every state on the evaluation under review: one submitted (above), one
    declined (the first reserve, if any, is invited in their place and accepts), one withdrawn
    by the department."""
    waiting = list(evaluation.experts.filter(state="invited").select_related("expert").order_by("pk"))
    if len(waiting) < 2:
        return
    declining, withdrawn = waiting[:2]
    perform(
        declining, "decline", actor=declining.expert, reason="unavailable", comment="近期出差，无法参加。"
    )
    perform(withdrawn, "withdraw", actor=department, comment="该专家近期参与了该中心的项目验收，予以回避。")
    reserve = evaluation.experts.filter(state="invited").select_related("expert").first()
    if reserve is not None:
        perform(reserve, "accept", actor=reserve.expert)
