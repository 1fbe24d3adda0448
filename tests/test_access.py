"""Who may open which page and press which button (DESIGN.md "People"; Art. 5, 6, 10).

Every page and every transition of the intent application is stepped through four kinds of
visitor: anonymous (sent to the login page), the wrong role (403, or 404 where that role never sees
the object), the right role on another organization's object (404, the same answer as "does not
exist"), and the right user (succeeds). The application under test is unit_a's, addressed to
chengdu; ``expert`` is one of the two experts assigned at ``start_review``, ``other_expert`` is in
the pool but not assigned, ``conflicted_expert`` works for unit_a.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_fsm_log.models import StateLog

from applications.models import ExpertReview, IntentApplication
from attachments.models import Attachment
from centers.models import Center
from exports.services import export_request
from sctic.demo import cultivate, give_opinions, minimal_pdf
from tests.access_matrix import ANON, LOGIN, transition_params
from tests.factories import CenterFactory

# The database is set up before any settings override (some tests reach it lazily).
pytestmark = pytest.mark.django_db

EVERY_ROLE = ["kjt", "chengdu", "mianyang", "jxt", "unit_a", "unit_b", "expert"]

A_NAME = "四川省轨道交通装备技术创新中心"
A_DRAFT_NAME = "四川省轨道交通草稿技术创新中心"
A_REVIEW_NAME = "四川省轨道交通运维技术创新中心"
B_NAME = "四川省智能传感技术创新中心"


# --- helpers --------------------------------------------------------------------------------------


def person(request, who):
    if who == "expert":
        return request.getfixturevalue("experts")[0]  # assigned at start_review (experts[:2])
    if who == "other_expert":
        return request.getfixturevalue("experts")[2]  # in the pool, never assigned
    return request.getfixturevalue(who)


def visit_as(request, client, who):
    if who != ANON:
        client.force_login(person(request, who))
    return client


def assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/accounts/login/?next="), response["Location"]
    else:
        assert response.status_code == expected, (response.status_code, expected)


def build(request, setup):
    """An application of unit_a to chengdu in the state ``setup`` names (see sctic.demo.advance)."""
    make_application = request.getfixturevalue("make_application")
    if setup == "cultivated":  # in cultivation, with every Art. 10.2 deliverable in place
        app = make_application("cultivating")
        cultivate(app, request.getfixturevalue("unit_a"))
        return app
    if setup == "opinions_in":  # under consultation, every assigned expert has answered
        app = make_application("under_review")
        give_opinions(app)
        return app
    return make_application(setup)


def make_center(lead, supervisor, name, serial):
    return CenterFactory(lead_unit=lead, supervisor=supervisor, name=name)


def logs(app) -> int:
    return StateLog.objects.for_(app).count()


def matrix(rows):
    """Flatten ``(path, setup, {who: expected})`` rows into readable parameters."""
    return [
        pytest.param(path, setup, who, expected, id=f"{path}-{setup or '-'}-{who}-{expected}")
        for path, setup, outcomes in rows
        for who, expected in outcomes.items()
    ]


# --- pages (GET) ------------------------------------------------------------------------------------

EVERYONE_OK = {ANON: LOGIN, **dict.fromkeys(EVERY_ROLE, 200)}
REQUESTER_ONLY = {ANON: LOGIN, "chengdu": 200, "mianyang": 404, "kjt": 404, "unit_a": 404}

PAGES = [
    ("/", None, EVERYONE_OK),
    ("/applications/", None, EVERYONE_OK),
    ("/centers/", None, EVERYONE_OK),
    # Art. 10.1: only a lead unit's applicant starts an application.
    ("/applications/new/", None, {ANON: LOGIN, "unit_a": 200, "chengdu": 403, "kjt": 403, "expert": 403}),
    # A draft is the lead unit's own business: nobody else learns it exists.
    (
        "/applications/{app}/",
        "draft",
        {ANON: LOGIN, "unit_a": 200, "unit_b": 404, "chengdu": 404, "kjt": 404, "expert": 404},
    ),
    (
        "/applications/{app}/",
        "submitted",
        {
            ANON: LOGIN,
            "unit_a": 200,
            "chengdu": 200,
            "kjt": 200,
            "unit_b": 404,
            "mianyang": 404,
            "jxt": 404,
            "expert": 404,
        },
    ),
    # Art. 10.3: experts see only what they are assigned.
    (
        "/applications/{app}/",
        "under_review",
        {
            "expert": 200,
            "other_expert": 404,
            "conflicted_expert": 404,
            "unit_a": 200,
            "chengdu": 200,
            "kjt": 200,
            "mianyang": 404,
            "unit_b": 404,
        },
    ),
    ("/applications/{app}/edit/", "draft", {ANON: LOGIN, "unit_a": 200, "unit_b": 404, "chengdu": 404}),
    (
        "/applications/{app}/edit/",
        "returned",
        {ANON: LOGIN, "unit_a": 200, "chengdu": 403, "kjt": 403, "unit_b": 404, "mianyang": 404},
    ),
    (
        "/applications/{app}/cultivation/",
        "cultivating",
        {ANON: LOGIN, "unit_a": 200, "chengdu": 403, "kjt": 403, "unit_b": 404, "mianyang": 404, "jxt": 404},
    ),
    (
        "/centers/{center}/",
        None,
        {
            ANON: LOGIN,
            "unit_a": 200,
            "chengdu": 200,
            "kjt": 200,
            "unit_b": 404,
            "mianyang": 404,
            "jxt": 404,
            "expert": 404,
        },
    ),
    (
        "/files/{file}/",
        "under_review",
        {
            ANON: LOGIN,
            "unit_a": 200,
            "chengdu": 200,
            "kjt": 200,
            "expert": 200,
            "other_expert": 404,
            "conflicted_expert": 404,
            "unit_b": 404,
            "mianyang": 404,
            "jxt": 404,
        },
    ),
    ("/exports/{export}/", None, REQUESTER_ONLY),
    ("/exports/{export}/download/", None, REQUESTER_ONLY),
]


@pytest.fixture
def objects(request, unit_a_org, chengdu, django_capture_on_commit_callbacks):
    """Build what a page's path names, lazily."""

    def make(path, setup):
        values = {}
        if setup:
            values["app"] = build(request, setup)
        if "{file}" in path:
            values["file"] = values["app"].attachments.get().pk
            values["app"] = values["app"].pk
        elif "app" in values:
            values["app"] = values["app"].pk
        if "{center}" in path:
            values["center"] = make_center(unit_a_org, chengdu.organization, A_NAME, 1).pk
        if "{export}" in path:
            with django_capture_on_commit_callbacks(execute=True):
                values["export"] = export_request(user=chengdu, kind="applications", params="").pk
        return path.format(**values)

    return make


@pytest.mark.parametrize(("path", "setup", "who", "expected"), matrix(PAGES))
def test_art6_pages_open_only_to_those_concerned(request, client, objects, path, setup, who, expected):
    url = objects(path, setup)
    response = visit_as(request, client, who).get(url)
    assert_outcome(response, expected)
    if path.startswith("/files/") and expected == 200:  # a PDF: it opens in the browser, sandboxed
        assert response["Content-Disposition"].startswith("inline")
        assert response["Content-Security-Policy"] == "sandbox"
    if path.endswith("/download/") and expected == 200:
        assert response["Content-Disposition"].startswith("attachment")


# --- transitions (GET shows the form, POST performs) -------------------------------------------------

COMMENT = {"comment": "请说明理由：已核实相关材料。"}
CONFIRMED = {**COMMENT, "confirm_irreversible": "on"}  # an irreversible decision is confirmed on its page

# name, setup, the right user and the POST data, target state, the wrong roles (they see the object),
# those who do not see it (another organization, an expert not assigned)
TRANSITIONS = [
    ("submit", "returned", "unit_a", {}, "submitted", ["chengdu", "kjt"], ["unit_b", "mianyang"]),
    (
        "accept_for_cultivation",
        "submitted",
        "chengdu",
        {},
        "cultivating",
        ["unit_a", "kjt"],
        ["mianyang", "jxt", "unit_b"],
    ),
    ("return_for_revision", "submitted", "chengdu", COMMENT, "returned", ["unit_a"], ["mianyang", "jxt"]),
    (
        "return_for_revision",
        "recommended",
        "kjt",
        COMMENT,
        "cultivating",
        ["unit_a"],
        ["mianyang", "other_expert"],
    ),
    ("decline", "submitted", "chengdu", CONFIRMED, "declined", ["unit_a", "kjt"], ["mianyang", "jxt"]),
    ("decline", "cultivating", "chengdu", CONFIRMED, "declined", ["unit_a", "kjt"], ["mianyang"]),
    (
        "recommend",
        "cultivated",
        "chengdu",
        {"opinion": "培育期间完成了建设运行方案和理事会筹建，同意推荐。", "rank": 1},
        "recommended",
        ["unit_a", "kjt"],
        ["mianyang", "jxt"],
    ),
    (
        "start_review",
        "recommended",
        "kjt",
        {"experts": "EXPERTS", "reason": "chosen by hand"},
        "under_review",
        ["chengdu", "unit_a"],
        ["mianyang", "unit_b", "other_expert"],
    ),
    (
        "approve",
        "opinions_in",
        "kjt",
        {},
        "approved",
        ["unit_a", "chengdu", "expert"],
        ["mianyang", "unit_b", "other_expert"],
    ),
    ("reject", "opinions_in", "kjt", CONFIRMED, "rejected", ["unit_a", "chengdu", "expert"], ["mianyang"]),
    ("withdraw", "submitted", "unit_a", {}, "withdrawn", ["chengdu", "kjt"], ["unit_b", "mianyang"]),
]


@pytest.mark.parametrize(
    ("name", "setup", "method", "who", "expected", "data", "target"), list(transition_params(TRANSITIONS))
)
def test_art10_transitions_only_for_the_right_user(
    request, client, name, setup, method, who, expected, data, target
):
    app = build(request, setup)
    source, logged = app.state, logs(app)
    url = f"/applications/{app.pk}/transitions/{name}/"
    visitor = visit_as(request, client, who)
    if data.get("experts") == "EXPERTS":
        data = {**data, "experts": [e.pk for e in request.getfixturevalue("experts")[:2]]}

    response = visitor.get(url) if method == "GET" else visitor.post(url, {**data, "expected_state": source})

    app.refresh_from_db()
    if expected != "ok":
        assert_outcome(response, expected)
        assert app.state == source
        assert logs(app) == logged
        return
    if method == "GET":
        assert response.status_code == 200
        assert b'name="expected_state"' in response.content
        assert app.state == source
        return
    assert response.status_code == 302
    assert response["Location"] == app.get_absolute_url()
    assert app.state == target
    last = StateLog.objects.for_(app).latest("timestamp", "pk")
    assert (last.transition, last.by, last.source_state, last.state) == (
        name,
        person(request, who),
        source,
        target,
    )


def test_unknown_transition_is_not_found(login, make_application, chengdu):
    app = make_application("submitted")
    response = login(chengdu).post(f"/applications/{app.pk}/transitions/publish/")
    assert response.status_code == 404


# --- POSTs to the application's own pages ------------------------------------------------------------


def plan_upload():
    return SimpleUploadedFile("建设运行方案.pdf", minimal_pdf("plan"), content_type="application/pdf")


@pytest.mark.parametrize(
    ("who", "expected"),
    [(ANON, LOGIN), ("unit_a", 302), ("chengdu", 403), ("kjt", 403), ("mianyang", 404), ("unit_b", 404)],
)
def test_art10_2_only_the_lead_unit_uploads_cultivation_files(request, client, who, expected):
    app = build(request, "cultivating")
    response = visit_as(request, client, who).post(
        f"/applications/{app.pk}/attachments/", {"kind": "construction_plan", "file": plan_upload()}
    )
    assert_outcome(response, expected)
    stored = Attachment.objects.filter(object_id=app.pk).count()
    assert stored == (1 if who == "unit_a" else 0)


REVIEW = {
    "no_conflict_declared": "on",
    "score": 88,
    "verdict": "support",
    "opinion": "技术路线清晰，同意建设。",
}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (ANON, LOGIN),
        ("expert", 302),
        ("other_expert", 404),
        ("conflicted_expert", 404),
        ("kjt", 404),
        ("chengdu", 404),
        ("unit_a", 404),
        ("mianyang", 404),
    ],
)
def test_art10_3_only_an_assigned_expert_gives_an_opinion(request, client, who, expected):
    app = build(request, "under_review")
    response = visit_as(request, client, who).post(f"/applications/{app.pk}/review/", REVIEW)
    assert_outcome(response, expected)
    submitted = set(
        ExpertReview.objects.filter(application=app, submitted_at__isnull=False).values_list(
            "expert", flat=True
        )
    )
    assert submitted == ({person(request, "expert").pk} if who == "expert" else set())


def main_fields(app, **changes):
    data = {
        "proposed_name": app.proposed_name,
        "technology_field": app.technology_field,
        "supervisor": app.supervisor_id,
        "cobuilders-TOTAL_FORMS": 0,
        "cobuilders-INITIAL_FORMS": 0,
        "cobuilders-MIN_NUM_FORMS": 0,
        "cobuilders-MAX_NUM_FORMS": 1000,
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("who", "expected"),
    [(ANON, LOGIN), ("unit_a", 302), ("chengdu", 403), ("kjt", 403), ("mianyang", 404), ("unit_b", 404)],
)
def test_art10_1_only_the_lead_unit_saves_the_application(request, client, who, expected):
    """A supervisor who crafts a POST to the edit page of a returned application saves nothing."""
    app = build(request, "returned")
    before = (app.proposed_name, app.summary, app.updated_at)
    new_name = "四川省被改名测试技术创新中心"
    response = visit_as(request, client, who).post(
        f"/applications/{app.pk}/edit/", main_fields(app, proposed_name=new_name, summary="篡改")
    )
    assert_outcome(response, expected)
    app.refresh_from_db()
    if who == "unit_a":
        assert (app.proposed_name, app.summary) == (new_name, "篡改")
    else:
        assert (app.proposed_name, app.summary, app.updated_at) == before


@pytest.mark.parametrize(
    ("who", "expected"),
    [(ANON, LOGIN), ("unit_a", 302), ("chengdu", 403), ("kjt", 403), ("mianyang", 404)],
)
def test_art10_2_only_the_lead_unit_records_cultivation(request, client, who, expected):
    app = build(request, "cultivating")
    response = visit_as(request, client, who).post(
        f"/applications/{app.pk}/cultivation/",
        {"board_prepared": "on", "board_summary": "理事会7人", "legal_entity_name": "某某有限公司"},
    )
    assert_outcome(response, expected)
    app.refresh_from_db()
    assert app.board_prepared is (who == "unit_a")
    assert app.legal_entity_name == ("某某有限公司" if who == "unit_a" else "")


@pytest.mark.parametrize(
    ("who", "expected"), [(ANON, LOGIN), ("unit_a", 302), ("chengdu", 403), ("kjt", 403), ("expert", 403)]
)
def test_art10_1_only_an_applicant_creates_an_application(request, client, chengdu, who, expected):
    data = {
        "proposed_name": A_NAME,
        "technology_field": "equipment_manufacturing",
        "supervisor": chengdu.organization_id,
        "cobuilders-TOTAL_FORMS": 0,
        "cobuilders-INITIAL_FORMS": 0,
        "cobuilders-MIN_NUM_FORMS": 0,
        "cobuilders-MAX_NUM_FORMS": 1000,
    }
    response = visit_as(request, client, who).post("/applications/new/", data)
    assert_outcome(response, expected)
    created = list(IntentApplication.objects.values_list("lead_unit__name", "state"))
    if who == "unit_a":
        assert created == [(person(request, "unit_a").organization.name, "draft")]
    else:
        assert created == []


def test_art10_3_applicant_posting_approve_gets_403_and_nothing_changes(request, login, unit_a):
    app = build(request, "opinions_in")
    logged = logs(app)
    response = login(unit_a).post(
        f"/applications/{app.pk}/transitions/approve/", {"expected_state": "under_review"}
    )
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.state == "under_review"
    assert app.decided_at is None
    assert logs(app) == logged
    assert not Center.objects.exists()


def test_art6_other_supervisor_posting_accept_gets_404_and_nothing_changes(request, login, mianyang):
    app = build(request, "submitted")
    response = login(mianyang).post(f"/applications/{app.pk}/transitions/accept_for_cultivation/")
    assert response.status_code == 404
    app.refresh_from_db()
    assert app.state == "submitted"


# --- lists show only one's own scope --------------------------------------------------------------


@pytest.fixture
def two_units(make_application, unit_b, mianyang, chengdu, unit_a_org, unit_b_org):
    """unit_a → chengdu: submitted, draft, under review (experts 1–2); unit_b → mianyang: submitted.
    Centers: one of unit_a under chengdu, one of unit_b under mianyang."""
    make_application("submitted", proposed_name=A_NAME)
    make_application("draft", proposed_name=A_DRAFT_NAME)
    make_application("under_review", proposed_name=A_REVIEW_NAME)
    make_application(
        "submitted",
        lead=unit_b_org,
        supervisor=mianyang.organization,
        applicant=unit_b,
        supervisor_user=mianyang,
        proposed_name=B_NAME,
    )
    make_center(unit_a_org, chengdu.organization, A_NAME, 1)
    make_center(unit_b_org, mianyang.organization, B_NAME, 2)


ALL_APPS = {A_NAME, A_DRAFT_NAME, A_REVIEW_NAME, B_NAME}
APPLICATION_SCOPE = {
    "unit_a": {A_NAME, A_DRAFT_NAME, A_REVIEW_NAME},
    "unit_b": {B_NAME},
    "chengdu": {A_NAME, A_REVIEW_NAME},  # addressed to chengdu, drafts not included
    "mianyang": {B_NAME},
    "jxt": set(),
    "kjt": {A_NAME, A_REVIEW_NAME, B_NAME},  # every submitted application, no drafts
    "expert": {A_REVIEW_NAME},  # only the assigned one
    "other_expert": set(),
}


@pytest.mark.parametrize(("who", "seen"), APPLICATION_SCOPE.items(), ids=list(APPLICATION_SCOPE))
def test_art6_application_list_shows_only_the_users_scope(request, client, two_units, who, seen):
    content = visit_as(request, client, who).get("/applications/").content.decode()
    assert {name for name in ALL_APPS if name in content} == seen


CENTER_SCOPE = {
    "unit_a": {A_NAME},
    "unit_b": {B_NAME},
    "chengdu": {A_NAME},
    "mianyang": {B_NAME},
    "jxt": set(),
    "kjt": {A_NAME, B_NAME},
    "expert": set(),
}


@pytest.mark.parametrize(("who", "seen"), CENTER_SCOPE.items(), ids=list(CENTER_SCOPE))
def test_art6_center_list_shows_only_the_users_scope(request, client, two_units, who, seen):
    content = visit_as(request, client, who).get("/centers/").content.decode()
    assert {name for name in (A_NAME, B_NAME) if name in content} == seen


@pytest.mark.parametrize("who", ["chengdu", "kjt"])
def test_art10_1_drafts_are_invisible_to_supervisors_and_the_department(request, client, two_units, who):
    draft = IntentApplication.objects.get(proposed_name=A_DRAFT_NAME)
    visitor = visit_as(request, client, who)
    for url in ("/", "/applications/", "/applications/?state=draft"):
        assert A_DRAFT_NAME not in visitor.get(url).content.decode(), url
    assert visitor.get(draft.get_absolute_url()).status_code == 404
    assert visitor.get(f"/applications/{draft.pk}/transitions/submit/").status_code == 404
