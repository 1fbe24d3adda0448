"""Demo data: the users of DESIGN.md and at least one object in every state of every lifecycle.

Idempotent: running it again changes nothing that exists. Each seeded object is registered under a
demo key (``sctic.models.DemoObject``) and found again by it, not by its name, so a second run
works whatever users did to the demo objects meanwhile. Refuses to run with DEBUG off unless
``--force``. ``--scale N`` adds N more centers for benchmarks.

The output is what a newcomer needs: one line of summary, then the demo logins and the address to
use them at (``SITE_URL``, which ``make run`` derives from HOST and PORT).
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organization, User
from accounts.regions import Region
from accounts.roles import Role
from applications.models import CoBuilder, IntentApplication
from centers import demo as centers_demo
from centers.models import Center, CenterCycle
from centers.services import cycle_dates
from evaluations import demo as evaluations_demo
from experts.models import ExpertProfile
from notices.models import Kind, Notice
from notices.services import notice_draft
from reports import demo as reports_demo
from sctic.choices import TechnologyField
from sctic.demo import advance, complete_sections, credit_code, demo_get_or_create, demo_unregistered
from sctic.models import DemoObject
from sctic.workflow import perform

PASSWORD = "demo-pass-2026"
S = IntentApplication.State
K = Organization.Kind

ORGANIZATIONS = {
    # key: (name, short name, kind, region, credit code)
    "kjt": ("四川省科学技术厅", "科技厅", K.DEPARTMENT, Region.CHENGDU, credit_code("11", "510000", 801)),
    "chengdu": (
        "成都市科学技术局",
        "成都市科技局",
        K.MUNICIPAL_BUREAU,
        Region.CHENGDU,
        credit_code("11", "510100", 802),
    ),
    "mianyang": (
        "绵阳市科学技术局",
        "绵阳市科技局",
        K.MUNICIPAL_BUREAU,
        Region.MIANYANG,
        credit_code("11", "510700", 803),
    ),
    "jxt": (
        "四川省经济和信息化厅",
        "经信厅",
        K.PROVINCIAL_DEPT,
        Region.CHENGDU,
        credit_code("11", "510000", 804),
    ),
    "unit_a": (
        "成都天府轨道交通装备研究院有限公司",
        "天府轨交院",
        K.UNIT,
        Region.CHENGDU,
        credit_code("91", "510100", 10001),
    ),
    "unit_b": (
        "绵阳科创智能传感股份有限公司",
        "科创传感",
        K.UNIT,
        Region.MIANYANG,
        credit_code("91", "510700", 10002),
    ),
    "uni_1": ("蜀都理工大学", "蜀都理工", K.UNIT, Region.CHENGDU, credit_code("12", "510100", 20001)),
    "uni_2": ("川北工业大学", "川北工大", K.UNIT, Region.NANCHONG, credit_code("12", "511300", 20002)),
    "inst_1": ("四川省先进材料研究所", "材料所", K.UNIT, Region.DEYANG, credit_code("12", "510600", 20003)),
    "inst_2": ("西南智能制造研究院", "智造院", K.UNIT, Region.MIANYANG, credit_code("12", "510700", 20004)),
}

USERS = [
    # username, full name, organization key, role
    ("kjt", "张明", "kjt", Role.DEPARTMENT),
    ("chengdu", "李华", "chengdu", Role.SUPERVISOR),
    ("mianyang", "王芳", "mianyang", Role.SUPERVISOR),
    ("jxt", "赵强", "jxt", Role.SUPERVISOR),
    ("unit_a", "陈静", "unit_a", Role.APPLICANT),
    ("unit_b", "刘洋", "unit_b", Role.APPLICANT),
    # Staff of the lead units of the established centers (reports demo).
    ("unit_c", "马骏", "inst_2", Role.APPLICANT),
    ("unit_d", "黄蓉", "uni_2", Role.APPLICANT),
    ("unit_e", "郭峰", "inst_1", Role.APPLICANT),
]

EXPERTS = [
    ("expert1", "周教授", "uni_1", TechnologyField.EQUIPMENT_MANUFACTURING, "教授"),
    ("expert2", "吴研究员", "inst_1", TechnologyField.ADVANCED_MATERIALS, "研究员"),
    ("expert3", "郑教授", "uni_2", TechnologyField.ELECTRONIC_INFORMATION, "教授"),
    ("expert4", "孙研究员", "inst_2", TechnologyField.EQUIPMENT_MANUFACTURING, "研究员"),
    ("expert5", "钱教授", "uni_1", TechnologyField.ELECTRONIC_INFORMATION, "教授"),
    ("expert6", "冯研究员", "inst_1", TechnologyField.ENERGY_CHEMICALS, "研究员"),
    # Works for unit_a: the portal keeps this expert off unit_a's applications (conflict of interest).
    ("expert7", "何高工", "unit_a", TechnologyField.EQUIPMENT_MANUFACTURING, "正高级工程师"),
]

# One application per state: (name, unit, supervisor, field, target state, engineering center?)
APPLICATIONS = [
    (
        "四川省智能网联汽车技术创新中心",
        "unit_a",
        "chengdu",
        TechnologyField.EQUIPMENT_MANUFACTURING,
        S.DRAFT,
        False,
    ),
    (
        "四川省智能传感器技术创新中心",
        "unit_b",
        "mianyang",
        TechnologyField.ELECTRONIC_INFORMATION,
        S.SUBMITTED,
        False,
    ),
    (
        "四川省轨道交通智能运维技术创新中心",
        "unit_a",
        "chengdu",
        TechnologyField.EQUIPMENT_MANUFACTURING,
        S.RETURNED,
        False,
    ),
    (
        "四川省工业物联网技术创新中心",
        "unit_b",
        "mianyang",
        TechnologyField.DIGITAL_ECONOMY,
        S.CULTIVATING,
        False,
    ),
    (
        "四川省高速列车关键部件技术创新中心",
        "unit_a",
        "chengdu",
        TechnologyField.EQUIPMENT_MANUFACTURING,
        S.RECOMMENDED,
        True,
    ),
    (
        "四川省微纳传感材料技术创新中心",
        "unit_b",
        "jxt",
        TechnologyField.ADVANCED_MATERIALS,
        S.UNDER_REVIEW,
        False,
    ),
    (
        "四川省先进轨道交通技术创新中心",
        "unit_a",
        "chengdu",
        TechnologyField.EQUIPMENT_MANUFACTURING,
        S.APPROVED,
        True,
    ),
    (
        "四川省智能仪表技术创新中心",
        "unit_b",
        "mianyang",
        TechnologyField.ELECTRONIC_INFORMATION,
        S.REJECTED,
        False,
    ),
    (
        "四川省轨道交通新材料技术创新中心",
        "unit_a",
        "chengdu",
        TechnologyField.ADVANCED_MATERIALS,
        S.DECLINED,
        False,
    ),
    (
        "四川省柔性电子技术创新中心",
        "unit_b",
        "mianyang",
        TechnologyField.ELECTRONIC_INFORMATION,
        S.WITHDRAWN,
        False,
    ),
]


class Command(BaseCommand):
    help = "Create demo organizations, users and objects in every state (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--scale", type=int, default=0, help="add this many more centers (benchmarks)")

    def handle(self, *args, force=False, scale=0, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with a published password; with DEBUG off, pass --force."
            )
        # Demo addresses are fictitious: keep their e-mails out of the console.
        with (
            _quiet_background_tasks(),
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        ):
            last = DemoObject.objects.order_by("pk").values_list("pk", flat=True).last() or 0
            # The tasks queued on commit (e-mails, notice PDFs) run eagerly at the end of this block.
            with transaction.atomic():
                self._seed(scale)
        self._print_summary(DemoObject.objects.filter(pk__gt=last))
        self._print_logins()

    def _seed(self, scale):
        self.orgs = {key: self._organization(key, *spec) for key, spec in ORGANIZATIONS.items()}
        self.users = {username: self._user(username, name, org, role) for username, name, org, role in USERS}
        for username, name, org, field, title in EXPERTS:
            self.users[username] = self._user(username, name, org, Role.EXPERT, expert=(field, title))
        self._admin()
        self.applications = {spec[4]: self._application(*spec) for spec in APPLICATIONS}
        self._notices()
        # The established centers by the name they were seeded with (a demo key, not their name now).
        centers = reports_demo.seed(orgs=self.orgs, users=self.users)
        centers_demo.seed(
            users=self.users,
            orgs=self.orgs,
            centers=centers,
            center_users={
                name: self.users[applicant] for name, _lead, applicant, *_rest in reports_demo.ESTABLISHED
            },
        )
        evaluations_demo.seed(orgs=self.orgs, users=self.users, centers=centers)
        if scale:
            self._scale(scale)

    # ------------------------------------------------------------------------------------------
    def _organization(self, key, name, short, kind, region, code):
        org, _ = demo_get_or_create(
            f"organization:{key}",
            lambda: Organization.objects.create(
                name=name, short_name=short, kind=kind, region=region, credit_code=code
            ),
            adopt=lambda: Organization.objects.filter(credit_code=code).first(),
        )
        return org

    def _user(self, username, full_name, org_key, role, *, expert=None):
        def create():
            user = User(
                username=username,
                full_name=full_name,
                organization=self.orgs[org_key],
                email=f"{username}@example.org",
            )
            user.set_password(PASSWORD)
            user.save()
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            if expert:
                field, title = expert
                ExpertProfile.objects.create(user=user, field=field, professional_title=title)
            return user

        user, _ = demo_get_or_create(
            f"user:{username}", create, adopt=lambda: User.objects.filter(username=username).first()
        )
        return user

    def _admin(self):
        def create():
            admin = User(
                username="admin",
                full_name="系统管理员",
                is_staff=True,
                is_superuser=True,
                email="admin@example.org",
            )
            admin.set_password(PASSWORD)
            admin.save()
            return admin

        self.users["admin"], _ = demo_get_or_create(
            "user:admin", create, adopt=lambda: User.objects.filter(username="admin").first()
        )

    def _application(self, name, unit, supervisor, field, target, engineering):
        """The application in state ``target`` (one per state: the state is its demo key)."""
        app, _ = demo_get_or_create(
            f"application:{target}",
            lambda: self._new_application(name, unit, supervisor, field, target, engineering),
            adopt=lambda: self._legacy_application(unit),
        )
        return app

    def _legacy_application(self, unit):
        """The application a seed made before the registry existed. Users may have renamed it,
        edited it and walked it on since, so not its name or state but who created it for which
        lead unit, and when: seeds made each unit's applications in the order of APPLICATIONS, and
        the earlier ones are registered by now."""
        return demo_unregistered(
            IntentApplication.objects.filter(created_by=self.users[unit], lead_unit=self.orgs[unit])
        ).first()

    def _new_application(self, name, unit, supervisor, field, target, engineering):
        applicant = self.users[unit]
        app = IntentApplication.objects.create(
            lead_unit=self.orgs[unit],
            supervisor=self.orgs[supervisor],
            created_by=applicant,
            proposed_name=name,
            technology_field=field,
            is_engineering_center=engineering,
            engineering_center_name="四川省轨道交通装备工程技术研究中心" if engineering else "",
            **(complete_sections(name) if target != S.DRAFT else {"summary": "草稿：正在组织材料。"}),
        )
        if target != S.DRAFT:
            CoBuilder.objects.create(
                application=app,
                name=self.orgs["uni_1"].name,
                kind=CoBuilder.Kind.UNIVERSITY,
                credit_code=self.orgs["uni_1"].credit_code,
                role="共性技术研发与人才培养",
            )
            CoBuilder.objects.create(
                application=app,
                name=self.orgs["inst_1"].name,
                kind=CoBuilder.Kind.INSTITUTE,
                credit_code=self.orgs["inst_1"].credit_code,
                role="关键材料研制与检测验证",
            )
        advance(
            app,
            target,
            applicant=applicant,
            supervisor=self.users[supervisor],
            department=self.users["kjt"],
            # Not expert1/2/5/6: they work for the co-builders (conflict of interest, Art. 10.3).
            experts=[self.users["expert3"], self.users["expert4"]],
            group_opinion=True,
        )
        if target == S.UNDER_REVIEW:
            # One expert has accepted the invitation, the other has not answered yet.
            review = app.expert_reviews.get(expert=self.users["expert3"])
            perform(review, "accept", actor=review.expert)
        return app

    def _notices(self):
        """Notices in every state: the decisions' issued notices; one revoked for a wrong addressee
        line and its corrected draft awaiting issue."""
        demo_get_or_create(
            "notice:revoked-rejection",
            self._revoke_rejection,
            adopt=lambda: Notice.objects.filter(state=Notice.State.REVOKED).first(),
        )

    def _revoke_rejection(self):
        kjt = self.users["kjt"]
        rejected = self.applications[S.REJECTED]
        wrong = Notice.objects.filter(
            kind=Kind.REJECTION, object_id=rejected.pk, state=Notice.State.ISSUED
        ).first()
        if wrong is None:
            return None
        perform(wrong, "revoke", actor=kjt, comment="主送机关表述不规范，收回后重新印发。")
        notice_draft(
            kind=Kind.REJECTION,
            subject=rejected,
            actor=kjt,
            addressee_orgs=[rejected.supervisor, rejected.lead_unit],
            context={
                "name": rejected.proposed_name,
                "lead_unit": rejected.lead_unit.name,
                "supervisor": rejected.supervisor.name,
                "reason": "经专家咨询论证，技术目标与现有平台重复。",
            },
        )
        return wrong

    def _scale(self, count):
        """N more centers (with a current cycle) spread over regions, fields and supervisors."""
        added = i = 0
        while added < count:
            code = credit_code("91", "510100", 50000 + i)
            _center, created = demo_get_or_create(
                f"bench-center:{i + 1:04d}",
                lambda i=i, code=code: self._bench_center(i, code),
                adopt=lambda code=code: Center.objects.filter(credit_code=code).first(),
            )
            added += created
            i += 1
        self.stdout.write(f"Added {count} centers for benchmarks.")

    def _bench_center(self, i, code):
        supervisors = [self.orgs["chengdu"], self.orgs["mianyang"], self.orgs["jxt"]]
        regions, fields = list(Region), list(TechnologyField)
        approved_on = timezone.localdate() - timedelta(days=365 * 3)
        lead = Organization.objects.create(
            name=f"基准测试单位{i + 1:04d}", kind=K.UNIT, region=regions[i % len(regions)], credit_code=code
        )
        center = Center.objects.create(
            name=f"四川省基准{i + 1:04d}技术创新中心",
            lead_unit=lead,
            supervisor=supervisors[i % 3],
            technology_field=fields[i % len(fields)],
            region=lead.region,
            legal_entity_name=lead.name,
            credit_code=lead.credit_code,
            director_name="基准主任",
            approved_on=approved_on,
        )
        start, end = cycle_dates(approved_on)
        CenterCycle.objects.create(center=center, number=1, start_date=start, end_date=end)
        return center

    def _print_summary(self, registered):
        """One line: what this run seeded, else that everything was there already."""
        created = registered.filter(adopted=False).count()
        adopted = registered.filter(adopted=True).count()
        there = DemoObject.objects.count() - created
        if created:
            also = f" ({there} were already there)" if there else ""
            self.stdout.write(
                f"Demo data: seeded {created} objects{also} and walked them through their workflows: "
                "applications, centers, reports, change requests, evaluations, notices."
            )
        elif adopted:
            self.stdout.write(
                f"Demo data: registered the {adopted} objects of an earlier seed; nothing added."
            )
        else:
            self.stdout.write(
                f"Demo data already seeded ({there} objects): nothing added, what users changed is kept."
            )

    def _print_logins(self):
        """The demo users as they are now (users may have renamed their organizations)."""
        roles = [("admin", "administrator (Django admin)")]
        roles += [(username, role) for username, _n, _o, role in USERS]
        roles += [(username, Role.EXPERT.value) for username, *_rest in EXPERTS]
        rows = []
        for key, role in roles:
            user = self.users[key]
            rows.append((user.username, role, user.organization.name if user.organization_id else "—"))
        self.stdout.write("")
        self.stdout.write(
            f"Demo logins (password for all: {PASSWORD}) at {settings.SITE_URL}/accounts/login/"
        )
        self.stdout.write(f"  {'username':<10} {'role':<30} organization")
        for username, role, org in rows:
            self.stdout.write(f"  {username:<10} {role:<30} {org}")


# Eager Celery tasks log "Task … succeeded" once each (hundreds in a seed), and kombu warns that the
# in-memory broker has no hostname. Failures still show: Celery logs them at ERROR.
QUIET_LOGGERS = ("celery.app.trace", "kombu.connection")


@contextmanager
def _quiet_background_tasks():
    """Keep the lines the seed's background tasks log out of its output, which a newcomer reads
    for the demo logins; warnings and errors of everything else still show."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    disabled = logging.root.manager.disable
    logging.disable(logging.INFO)
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logging.disable(disabled)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
