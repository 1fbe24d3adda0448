"""Demo data for annual reports: established centers (approved in 2023) with filed reports for
2023 and 2024, and the 2025 season (due 2026-03-31) with a report in every state — one overdue.

Each center is registered under the name it was seeded with ("center:<name>", a demo key): users
may rename it through a change request, and the next seed still finds it."""

from datetime import date, datetime, time
from decimal import Decimal
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_fsm_log.models import StateLog

from centers.demo import governance
from centers.models import Center, CenterCycle
from centers.services import cycle_dates
from sctic.choices import TechnologyField
from sctic.demo import demo_get_or_create
from sctic.workflow import perform

from .metrics import METRICS
from .models import AnnualReport, ReportingSeason

# (name, lead unit key, applicant username, supervisor key, field, state of the 2025 report)
ESTABLISHED = [
    (
        "四川省智能制造装备技术创新中心",
        "unit_b",
        "unit_b",
        "mianyang",
        TechnologyField.EQUIPMENT_MANUFACTURING,
        "draft",
    ),
    (
        "四川省高端装备结构材料技术创新中心",
        "unit_a",
        "unit_a",
        "chengdu",
        TechnologyField.ADVANCED_MATERIALS,
        "returned",
    ),
    ("四川省工业软件技术创新中心", "inst_2", "unit_c", "jxt", TechnologyField.DIGITAL_ECONOMY, "submitted"),
    (
        "四川省新型显示技术创新中心",
        "uni_2",
        "unit_d",
        "jxt",
        TechnologyField.ELECTRONIC_INFORMATION,
        "supervisor_approved",
    ),
    (
        "四川省先进催化材料技术创新中心",
        "inst_1",
        "unit_e",
        "chengdu",
        TechnologyField.ENERGY_CHEMICALS,
        "filed",
    ),
]
APPROVED_ON = date(2023, 6, 30)

NARRATIVE = {
    "progress": "围绕建设运行方案确定的重点任务，本年度完成关键技术攻关2项，新建中试线1条，服务企业30余家。",
    "problems": "高层次人才引进难度较大，成果转化收益分配机制仍需完善。",
    "next_steps": "加快推进第二批攻关任务，完善成果转化激励办法，扩大仪器设备开放共享。",
}


# A year's figures of a typical provincial center (amounts in 万元).
BASE = {
    "rd_spending": 1800,
    "total_revenue": 6000,
    "service_revenue": 2000,
    "government_funding": 800,
    "national_tasks": 1,
    "national_task_funding": 1200,
    "provincial_tasks": 2,
    "provincial_task_funding": 600,
    "key_technologies_tackled": 4,
    "key_technologies_achieved": 2,
    "invention_patents_filed": 30,
    "invention_patents_granted": 15,
    "standards_led": 1,
    "standards_joined": 3,
    "transfer_contracts": 12,
    "transfer_amount": 800,
    "enterprises_served": 40,
    "enterprises_incubated": 3,
    "rd_staff": 80,
    "rd_staff_full_time": 55,
    "high_level_talent": 8,
    "shared_instruments": 20,
    "open_projects": 6,
}


def figures(index: int, year: int, scale: float = 1.0) -> dict:
    """Plausible figures that differ between centers (``index``) and grow from year to year."""
    factor = Decimal(str((0.7 + 0.15 * (index % 5)) * (1 + 0.12 * (year - 2023)) * scale))
    values = {}
    for metric in METRICS:
        value = Decimal(BASE[metric.name]) * factor
        values[metric.name] = (
            value.quantize(Decimal("0.01")) if metric.amount else int(value.to_integral_value())
        )
    return values


def backdate(obj, when: datetime) -> None:
    """Demo transitions happened on realistic days, not all at the moment of seeding."""
    ct = ContentType.objects.get_for_model(obj)
    StateLog.objects.filter(content_type=ct, object_id=obj.pk).update(timestamp=when)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def seed(*, orgs, users) -> dict:
    """The established centers, created with their governance and reports on the first run and
    found by their demo key afterwards; returns them by the name they were seeded with."""
    seasons = {
        year: ReportingSeason.objects.get_or_create(
            year=year, defaults={"due_date": date(year + 1, 3, 31), "opened_by": users["kjt"]}
        )[0]
        for year in (2023, 2024, 2025)
    }
    centers = {}
    for index, spec in enumerate(ESTABLISHED):
        centers[spec[0]], _ = demo_get_or_create(
            f"center:{spec[0]}",
            partial(_established, index, *spec, seasons=seasons, orgs=orgs, users=users),
            adopt=Center.objects.filter(credit_code=_center_code(index)).first,
        )
    return centers


def _established(
    index, name, lead_key, applicant_name, supervisor_key, field, state_2025, *, seasons, orgs, users
):
    lead, supervisor = orgs[lead_key], orgs[supervisor_key]
    center = Center.objects.create(
        name=name,
        lead_unit=lead,
        supervisor=supervisor,
        technology_field=field,
        region=lead.region,
        legal_entity_name=name.removeprefix("四川省").removesuffix("技术创新中心")
        + "技术创新中心（四川）有限公司",
        credit_code=_center_code(index),
        director_name=["赵立新", "钱海燕", "孙志强", "李明远", "周晓燕"][index],
        approved_on=APPROVED_ON,
    )
    start, end = cycle_dates(APPROVED_ON)
    CenterCycle.objects.create(center=center, number=1, start_date=start, end_date=end)
    governance(center)
    applicant, sup_user, kjt = users[applicant_name], users[supervisor_key], users["kjt"]
    for year in (2023, 2024, 2025):
        season = seasons[year]
        report = AnnualReport.objects.create(
            center=center,
            year=year,
            season=season,
            due_date=season.due_date,
            **NARRATIVE,
            **figures(index, year),
        )
        target = "filed" if year < 2025 else state_2025
        if target == "returned":  # returned with more time granted
            report.due_date = date(2026, 12, 20)
            report.save(update_fields=["due_date"])
        walk(report, target, applicant=applicant, supervisor=sup_user, department=kjt)
        if year < 2025 or target != "draft":
            when = at(date(year + 1, 3, 20))
            backdate(report, when)
            AnnualReport.objects.filter(pk=report.pk).update(
                submitted_at=when, first_submitted_at=when, submitted_late_days=report.days_late(when)
            )
    if state_2025 == "draft":
        AnnualReport.objects.filter(center=center, year=2025).update(**{m.name: None for m in METRICS[:6]})
    return center


def walk(report, target, *, applicant, supervisor, department):
    steps = {
        "draft": [],
        "submitted": [("submit", applicant, "")],
        "returned": [
            ("submit", applicant, ""),
            ("return_for_revision", supervisor, "请补充技术转移合同的佐证材料，并核对研发投入口径。"),
        ],
        "supervisor_approved": [("submit", applicant, ""), ("supervisor_approve", supervisor, "")],
        "filed": [
            ("submit", applicant, ""),
            ("supervisor_approve", supervisor, ""),
            ("file", department, ""),
        ],
    }[target]
    for transition, actor, comment in steps:
        perform(report, transition, actor=actor, comment=comment)


def _center_code(index: int) -> str:
    from sctic.demo import credit_code

    return credit_code("91", "510100", 40000 + index)
