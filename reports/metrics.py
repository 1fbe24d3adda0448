"""The objective data of an annual report (Art. 19 “必要的建设运行客观数据”), which the three-year
evaluation uses as its main basis (Art. 21). One definition serves the model fields, the form,
the report page's comparison with earlier years, the Excel export and the statistics."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# Upper bounds that catch a misplaced decimal point or a figure typed in 元 instead of 万元.
MAX_AMOUNT = Decimal("10000000")  # 万元 = 1000 亿元
MAX_COUNT = 1_000_000


@dataclass(frozen=True)
class Metric:
    name: str
    label: object  # lazy string
    unit: object  # lazy string
    amount: bool  # True: 万元 with two decimals; False: a whole count
    area: str  # the Art. 21 area it informs (evaluation rule sets refer to it)
    key: bool = False  # shown in the department's statistics
    evidence: bool = False  # reviewers ask for proof of this figure

    @property
    def maximum(self):
        return MAX_AMOUNT if self.amount else MAX_COUNT


YUAN = _("10k yuan")  # 万元
ITEMS = _("items")
PEOPLE = _("people")
ENTERPRISES = _("enterprises")

# Art. 21 areas
TASKS = "tasks"  # 承担国家、省重大战略科技任务
BREAKTHROUGHS = "breakthroughs"  # 实施关键技术攻关
LEADING = "leading"  # 引领行业技术进步
SERVICES = "services"  # 面向社会提供技术创新服务
INCUBATION = "incubation"  # 培育孵化科技型企业
GOVERNANCE = "governance"  # 建设运行与管理

METRICS: tuple[Metric, ...] = (
    Metric("rd_spending", _("R&D spending"), YUAN, True, GOVERNANCE, key=True, evidence=True),
    Metric("total_revenue", _("Total revenue"), YUAN, True, GOVERNANCE, key=True),
    Metric("service_revenue", _("Revenue from technology services"), YUAN, True, SERVICES, key=True),
    Metric("government_funding", _("Government funding received"), YUAN, True, GOVERNANCE),
    Metric(
        "national_tasks",
        _("National major S&T tasks undertaken"),
        ITEMS,
        False,
        TASKS,
        key=True,
        evidence=True,
    ),
    Metric("national_task_funding", _("Funding of national tasks"), YUAN, True, TASKS),
    Metric(
        "provincial_tasks", _("Provincial major S&T tasks undertaken"), ITEMS, False, TASKS, evidence=True
    ),
    Metric("provincial_task_funding", _("Funding of provincial tasks"), YUAN, True, TASKS),
    Metric("key_technologies_tackled", _("Key technologies tackled"), ITEMS, False, BREAKTHROUGHS),
    Metric(
        "key_technologies_achieved",
        _("Key technologies achieved"),
        ITEMS,
        False,
        BREAKTHROUGHS,
        key=True,
        evidence=True,
    ),
    Metric("invention_patents_filed", _("Invention patents filed"), ITEMS, False, LEADING),
    Metric(
        "invention_patents_granted",
        _("Invention patents granted"),
        ITEMS,
        False,
        LEADING,
        key=True,
        evidence=True,
    ),
    Metric("standards_led", _("Standards led"), ITEMS, False, LEADING, evidence=True),
    Metric("standards_joined", _("Standards joined"), ITEMS, False, LEADING),
    Metric("transfer_contracts", _("Technology transfer contracts"), ITEMS, False, SERVICES, evidence=True),
    Metric("transfer_amount", _("Amount of technology transfer contracts"), YUAN, True, SERVICES, key=True),
    Metric("enterprises_served", _("Enterprises given technology services"), ENTERPRISES, False, SERVICES),
    Metric(
        "enterprises_incubated",
        _("Technology-based enterprises incubated"),
        ENTERPRISES,
        False,
        INCUBATION,
        key=True,
        evidence=True,
    ),
    Metric("rd_staff", _("R&D staff"), PEOPLE, False, GOVERNANCE, key=True),
    Metric("rd_staff_full_time", _("of whom full-time"), PEOPLE, False, GOVERNANCE),
    Metric("high_level_talent", _("of whom high-level talent"), PEOPLE, False, GOVERNANCE),
    Metric("shared_instruments", _("Large instruments shared with others"), ITEMS, False, SERVICES),
    Metric("open_projects", _("Open projects funded"), ITEMS, False, SERVICES),
)

BY_NAME = {m.name: m for m in METRICS}
KEY_METRICS = tuple(m for m in METRICS if m.key)
EVIDENCE_METRICS = tuple(m for m in METRICS if m.evidence)

# Figures that cannot exceed another figure of the same report (part ≤ whole).
PARTS = (
    ("service_revenue", "total_revenue"),
    ("key_technologies_achieved", "key_technologies_tackled"),
    ("rd_staff_full_time", "rd_staff"),
    ("high_level_talent", "rd_staff"),
)
