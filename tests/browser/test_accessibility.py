"""Accessibility and layout in Debian's Chromium.

- axe-core (npm, pinned in package-lock.json; ``make test`` installs it with ``npm ci``) finds no
  serious or critical violation on the main pages of each role: the dashboard, each list of the
  menu, detail pages, messages, and the login page;
- the navbar is one line high at 1000 px and 1366 px, in Chinese and in English, for the user with
  the longest menu (科技厅 staff);
- on a phone the actions box and the task form of a detail page come before its timeline; on a
  desktop the timeline stays in the side column below the actions.

Elements are found by ids, classes and ``data-*`` hooks, never by visible text.
"""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import Page

from centers.models import ChangeRequest
from notices.models import Kind, Notice
from portal.menu import menu_items
from tests.browser.test_art10_walkthrough import log_in
from tests.test_art19_reports import new_report
from tests.test_art22_evaluation import CENTER_NAME, make_center, open_round
from tests.test_no_dead_links import build_world, person

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# The detail pages each role is shown (keys of the world fixture).
DETAILS = {
    "expert1": ["evaluation", "application"],
    "unit_a": ["evaluation", "center", "report"],
    "chengdu": ["center", "application"],
    "jxt": ["other_application"],
    "kjt": ["evaluation", "notice"],
}


@pytest.fixture
def world(unit_a, unit_b, chengdu, jxt, kjt, experts, make_application):
    return build_world(
        unit_a=unit_a,
        unit_b=unit_b,
        chengdu=chengdu,
        jxt=jxt,
        kjt=kjt,
        experts=experts,
        make_application=make_application,
    )


@pytest.fixture
def axe(page: Page):
    """``axe(label)`` runs axe-core on the page as it is and returns its serious and critical
    violations (printed with the elements concerned)."""
    if not AXE.exists():
        message = "axe-core is missing: run `npm ci` (make test does)"
        if os.environ.get("SCTIC_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)

    def run(label: str) -> list[dict]:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
        for v in blocking:
            print(f"{label}: {v['impact']} {v['id']} — {v['help']} ({v['helpUrl']})")
            for node in v["nodes"]:
                print(f"    {node['target']}: {node.get('failureSummary', '')}".replace("\n", " "))
        return [{"page": label, "rule": v["id"], "nodes": len(v["nodes"])} for v in blocking]

    return run


def test_login_page_has_no_serious_accessibility_violation(page: Page, live_server, axe):
    page.goto(f"{live_server.url}/accounts/login/")
    assert axe("/accounts/login/") == []


@pytest.mark.parametrize("who", list(DETAILS))
def test_main_pages_have_no_serious_accessibility_violation(
    request, page: Page, live_server, world, axe, who
):
    user = person(request, who)
    log_in(page, live_server, user)
    urls = [
        *(item.url for item in menu_items(user)),
        "/messages/",
        *(world[key].get_absolute_url() for key in DETAILS[who]),
    ]
    found = []
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        assert page.locator("#main").count() == 1, f"{url} did not open"
        found += axe(url)
    assert found == [], json.dumps(found, ensure_ascii=False)


# --- the navbar ------------------------------------------------------------------------------------


def navbar_rows(page: Page) -> dict:
    """The navbar's height, the height of one line of it, and the visible items that are taller
    than one line or not on the brand's row."""
    return page.evaluate(
        """() => {
          const nav = document.querySelector('nav.navbar');
          const visible = e => e.offsetParent !== null && e.getBoundingClientRect().width > 0;
          const oneLine = e => {
            const s = getComputedStyle(e);
            return parseFloat(s.lineHeight) + parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)
              + parseFloat(s.borderTopWidth) + parseFloat(s.borderBottomWidth);
          };
          const brand = nav.querySelector('.navbar-brand');
          const row = brand.getBoundingClientRect();
          const items = [brand, ...nav.querySelectorAll('.nav-link, .navbar-toggler, .header-search')].filter(visible);
          const wrong = items.filter(e => {
            const r = e.getBoundingClientRect();
            const tall = e.matches('.nav-link, .navbar-brand') && r.height > oneLine(e) + 1;
            const offRow = r.top >= row.bottom || r.bottom <= row.top;
            return tall || offRow;
          }).map(e => e.outerHTML.slice(0, 120));
          const s = getComputedStyle(nav);
          const tallest = Math.max(...items.map(e => e.getBoundingClientRect().height));
          return {
            height: nav.getBoundingClientRect().height,
            line: tallest + parseFloat(s.paddingTop) + parseFloat(s.paddingBottom),
            wrong: wrong,
            overflow: nav.scrollWidth > nav.clientWidth,
          };
        }"""
    )


def choose_language(page: Page, code: str) -> None:
    if page.locator("#language").input_value() != code:
        with page.expect_navigation():
            page.select_option("#language", code)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [1000, 1366])
def test_navbar_stays_one_line_high(page: Page, live_server, kjt, language, width):
    kjt.is_staff = True  # the longest menu: every list and the administration
    kjt.save(update_fields=["is_staff"])
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server, kjt)
    choose_language(page, language)
    for url in ("/", "/centers/"):
        page.goto(f"{live_server.url}{url}")
        rows = navbar_rows(page)
        assert rows["wrong"] == [], f"{language} at {width} px, {url}: items off the one line: {rows}"
        assert rows["height"] <= rows["line"] + 1, f"{language} at {width} px, {url}: {rows}"
        assert not rows["overflow"], f"{language} at {width} px, {url}: the navbar overflows"


# --- detail pages on a phone ----------------------------------------------------------------------


@pytest.fixture
def details(unit_a, chengdu, kjt, make_application):
    """One detail page of each lifecycle with an actions box for its user (and a task form where
    the page has one)."""
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    evaluation = open_round(kjt).evaluations.get(center=center)
    report = new_report(center, year=2026)
    change = ChangeRequest.objects.create(
        center=center,
        kind=ChangeRequest.Kind.NAME,
        created_by=unit_a,
        proposed_value="四川省先进轨道交通装备技术创新中心",
        reason="理事会决议更名，以体现中心的技术方向。",
    )
    approved = make_application("approved")
    notice = Notice.objects.get(
        content_type=ContentType.objects.get_for_model(approved), object_id=approved.pk, kind=Kind.APPROVAL
    )
    return {
        "application": (unit_a, make_application("draft"), None),
        "report": (unit_a, report, None),
        "change": (unit_a, change, None),
        "evaluation": (unit_a, evaluation, "form[action$='/self-assessment/']"),
        "center": (kjt, center, None),
        "notice": (kjt, notice, None),
    }


def box(page: Page, selector: str) -> dict:
    element = page.locator(selector).first
    assert element.count() == 1, f"no {selector} on {page.url}"
    return element.bounding_box()


@pytest.mark.parametrize("kind", ["application", "report", "change", "evaluation", "center", "notice"])
def test_on_a_phone_the_actions_come_before_the_timeline(page: Page, live_server, details, kind):
    user, obj, task_form = details[kind]
    log_in(page, live_server, user)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{obj.get_absolute_url()}")
    timeline = box(page, ".timeline-card")
    for selector in ("section.actions", task_form):
        if selector:
            assert box(page, selector)["y"] < timeline["y"], f"{kind}: {selector} is below the timeline"
    main = box(page, ".detail-layout > .col-lg-8")
    assert timeline["y"] >= main["y"] + main["height"] - 1, f"{kind}: the timeline is not last on a phone"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}{obj.get_absolute_url()}")
    main, side = box(page, ".detail-layout > .col-lg-8"), box(page, ".detail-side")
    actions, timeline = box(page, "section.actions"), box(page, ".timeline-card")
    assert side["x"] >= main["x"] + main["width"] - 1, f"{kind}: the side column is not on the right"
    assert side["y"] == main["y"], f"{kind}: the columns do not start together"
    assert timeline["x"] >= side["x"] and timeline["y"] > actions["y"], (
        f"{kind}: the timeline left its column"
    )
    if task_form:
        form = box(page, task_form)
        assert form["x"] + form["width"] <= side["x"] + 1, f"{kind}: the task form left the main column"
