"""Factories for tests. Organizations get valid unified social credit codes."""

from datetime import date

import factory
from django.contrib.auth.models import Group

from accounts.models import Organization, User
from accounts.regions import Region
from applications.models import CoBuilder, IntentApplication
from centers.models import Center, CenterCycle
from experts.models import ExpertProfile
from sctic.choices import TechnologyField
from sctic.demo import complete_sections, credit_code

PASSWORD = "test-pass-2026"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n:04d}")
    kind = Organization.Kind.UNIT
    region = Region.CHENGDU
    credit_code = factory.Sequence(lambda n: credit_code("91", "510100", 70000 + n))


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(role="supervisor", organization=…)``."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.django.Password(PASSWORD)

    @classmethod
    def _create(cls, model_class, *args, role=None, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        if role:
            # get_or_create: a transactional test's flush also empties the migration-made groups.
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user


class ExpertFactory(UserFactory):
    @classmethod
    def _create(cls, model_class, *args, field=TechnologyField.EQUIPMENT_MANUFACTURING, **kwargs):
        kwargs["role"] = "expert"
        user = super()._create(model_class, *args, **kwargs)
        ExpertProfile.objects.create(user=user, field=field, professional_title="教授")
        return user


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft (every Art. 9 section filled, one co-builder); ``complete=False`` for an empty one."""

    class Meta:
        model = IntentApplication

    lead_unit = factory.SubFactory(OrganizationFactory)
    supervisor = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.MUNICIPAL_BUREAU)
    created_by = factory.LazyAttribute(lambda a: UserFactory(organization=a.lead_unit, role="applicant"))
    proposed_name = factory.Sequence(lambda n: f"四川省测试{n:04d}技术创新中心")
    technology_field = TechnologyField.EQUIPMENT_MANUFACTURING

    @classmethod
    def _create(cls, model_class, *args, complete=True, **kwargs):
        if complete:
            for key, value in complete_sections(kwargs["proposed_name"]).items():
                kwargs.setdefault(key, value)
        app = super()._create(model_class, *args, **kwargs)
        if complete:
            CoBuilder.objects.create(
                application=app, name="蜀都测试大学", kind=CoBuilder.Kind.UNIVERSITY, role="共性技术研究"
            )
        return app


class CenterFactory(factory.django.DjangoModelFactory):
    """An operating center with its current first cycle (2025–2027), built directly, not through approval."""

    class Meta:
        model = Center
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"四川省测试中心{n:04d}技术创新中心")
    lead_unit = factory.SubFactory(OrganizationFactory)
    supervisor = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.MUNICIPAL_BUREAU)
    technology_field = TechnologyField.EQUIPMENT_MANUFACTURING
    region = factory.LazyAttribute(lambda c: c.lead_unit.region)
    legal_entity_name = factory.LazyAttribute(lambda c: c.name.removeprefix("四川省") + "有限公司")
    credit_code = factory.Sequence(lambda n: credit_code("91", "510100", 90000 + n))
    director_name = "杨建国"
    approved_on = date(2025, 1, 1)

    @factory.post_generation
    def cycle(self, create, extracted, **kwargs):
        if create:
            CenterCycle.objects.create(
                center=self, number=1, start_date=date(2025, 1, 1), end_date=date(2027, 12, 31)
            )
