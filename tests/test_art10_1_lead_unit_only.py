"""Art. 10.1: the lead unit (建设主体单位) makes the intent application.

A bureau or department user who also has the applicant group is not a lead unit: they may not
start an application, and an application whose lead unit is not an organization of kind unit
(made in the admin, by an import, or before a kind was corrected) cannot be submitted or saved.
"""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from accounts.models import Organization
from accounts.roles import Role
from applications.access import can_create, is_unit_applicant
from applications.models import MESSAGE_LEAD_UNIT_ONLY, IntentApplication
from sctic.workflow import perform
from tests.factories import ApplicationFactory, OrganizationFactory, UserFactory

S = IntentApplication.State


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def bureau_applicant(chengdu_org):
    """A 成都市科学技术局 user who was also given the applicant group."""
    user = UserFactory(username="chengdu_applicant", organization=chengdu_org, role=Role.SUPERVISOR)
    user.groups.add(Group.objects.get_or_create(name=Role.APPLICANT)[0])
    return user


@pytest.fixture
def client_as(login):
    def _as(user):
        client = login(user)
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


@pytest.mark.parametrize(
    "kind, allowed",
    [
        (Organization.Kind.UNIT, True),
        (Organization.Kind.MUNICIPAL_BUREAU, False),
        (Organization.Kind.PROVINCIAL_DEPT, False),
        (Organization.Kind.DEPARTMENT, False),
    ],
)
def test_art10_1_only_an_applicant_of_a_unit_may_create(db, kind, allowed):
    user = UserFactory(organization=OrganizationFactory(kind=kind), role=Role.APPLICANT)

    assert can_create(user) is allowed
    assert is_unit_applicant(user) is allowed


def test_art10_1_applicant_without_organization_may_not_create(db):
    assert not can_create(UserFactory(organization=None, role=Role.APPLICANT))


@pytest.mark.parametrize("method", ["get", "post"])
def test_art10_1_bureau_applicant_cannot_start_an_application_over_http(
    bureau_applicant, chengdu_org, client_as, method
):
    data = {"proposed_name": "四川省测试技术创新中心", "supervisor": chengdu_org.pk}
    response = getattr(client_as(bureau_applicant), method)("/applications/new/", data)

    assert response.status_code == 302
    assert response["Location"] == "/applications/"
    assert any("Art. 10.1" in str(m) for m in get_messages(response.wsgi_request))
    assert not IntentApplication.objects.exists()
    listing = client_as(bureau_applicant).get("/applications/").content.decode()
    assert 'href="/applications/new/"' not in listing


def test_art10_1_application_of_a_non_unit_cannot_be_submitted(bureau_applicant, chengdu_org, jxt_org):
    app = ApplicationFactory(lead_unit=chengdu_org, supervisor=jxt_org, created_by=bureau_applicant)

    with pytest.raises(ValidationError) as excinfo:
        perform(app, "submit", actor=bureau_applicant)

    expected = str(MESSAGE_LEAD_UNIT_ONLY % {"organization": chengdu_org.name})
    assert expected in excinfo.value.messages
    assert IntentApplication.objects.get(pk=app.pk).state == S.DRAFT


def test_art10_1_model_refuses_a_non_unit_lead_unit(bureau_applicant, chengdu_org, jxt_org):
    app = ApplicationFactory.build(lead_unit=chengdu_org, supervisor=jxt_org, created_by=bureau_applicant)

    with pytest.raises(ValidationError) as excinfo:
        app.clean()

    assert "Art. 10.1" in " ".join(excinfo.value.messages)


def test_art10_1_editing_a_non_unit_application_gives_a_message_not_an_error(
    bureau_applicant, chengdu_org, jxt_org, client_as
):
    app = ApplicationFactory(lead_unit=chengdu_org, supervisor=jxt_org, created_by=bureau_applicant)

    response = client_as(bureau_applicant).post(
        f"/applications/{app.pk}/edit/",
        {
            "proposed_name": app.proposed_name,
            "technology_field": app.technology_field,
            "supervisor": jxt_org.pk,
            "cobuilders-TOTAL_FORMS": "0",
            "cobuilders-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 400
    assert str(MESSAGE_LEAD_UNIT_ONLY % {"organization": chengdu_org.name}) in response.content.decode()


def test_art10_1_unit_applicant_still_submits(make_application, unit_a):
    app = make_application("draft")

    perform(app, "submit", actor=unit_a)

    assert IntentApplication.objects.get(pk=app.pk).state == S.SUBMITTED
