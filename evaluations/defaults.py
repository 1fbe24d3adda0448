"""The default evaluation rules (2022 edition): indicators under Art. 21's five areas plus
governance, weights adding up to 100, thresholds 90 / 75 / 60 (Art. 22). Installed by a data
migration and again after a database flush when no rule set exists (post_migrate)."""

NAME = "四川省技术创新中心绩效评估指标（2022版）"
NOTES = "依据《四川省技术创新中心建设运行管理办法》第二十一条、第二十二条。"

INDICATORS = [
    # code, area, name, weight, method, metric, aggregate, target
    ("national_tasks", "tasks", "承担国家重大科技任务", 10, "formula", "national_tasks", "sum", 4),
    ("provincial_tasks", "tasks", "承担省重大科技任务", 5, "formula", "provincial_tasks", "sum", 8),
    ("task_quality", "tasks", "重大任务完成质量", 5, "expert", "", "sum", None),
    (
        "technologies_achieved",
        "breakthroughs",
        "突破关键核心技术",
        10,
        "formula",
        "key_technologies_achieved",
        "sum",
        9,
    ),
    ("breakthrough_level", "breakthroughs", "关键技术攻关水平", 10, "expert", "", "sum", None),
    ("patents_granted", "leading", "发明专利授权", 8, "formula", "invention_patents_granted", "sum", 60),
    ("standards_led", "leading", "主持制定标准", 5, "formula", "standards_led", "sum", 6),
    ("industry_leadership", "leading", "引领行业技术进步", 7, "expert", "", "sum", None),
    ("transfer_amount", "services", "技术转移合同金额", 8, "formula", "transfer_amount", "sum", 3000),
    ("enterprises_served", "services", "服务企业数量", 5, "formula", "enterprises_served", "sum", 150),
    ("service_quality", "services", "技术创新服务成效", 5, "expert", "", "sum", None),
    (
        "enterprises_incubated",
        "incubation",
        "孵化科技型企业",
        8,
        "formula",
        "enterprises_incubated",
        "sum",
        15,
    ),
    ("rd_spending", "governance", "研发投入", 5, "formula", "rd_spending", "average", 2000),
    ("governance", "governance", "建设运行与管理", 9, "expert", "", "sum", None),
]


def ensure_default_rule_set(RuleSet, Indicator) -> None:
    """Create the default rule set when there is none at all (an edited or extra one is kept)."""
    if RuleSet.objects.exists():
        return
    rules = RuleSet.objects.create(name=NAME, version=1, notes=NOTES)
    for position, (code, area, name, weight, method, metric, aggregate, target) in enumerate(INDICATORS):
        Indicator.objects.create(
            rule_set=rules,
            code=code,
            area=area,
            name=name,
            weight=weight,
            method=method,
            metric=metric,
            aggregate=aggregate,
            target=target,
            position=position,
        )
