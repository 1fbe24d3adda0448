"""Issue 10: markup typed into a notice, or into a name the notice quotes, is printed in the PDF as
text, never turned into an element: no script, no link, no image of its own.

The notice PDF (notices/rendering.py, WeasyPrint) is the portal's only PDF. Each check is made on
the HTML handed to WeasyPrint and on the PDF read back with pypdf: its text, its link annotations
and actions, and its images (counted against the same notice with harmless text).
"""

import io
import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from evaluations import services as evaluation_services
from evaluations.models import Evaluation, Grade, RuleSet
from notices import services
from notices.models import Kind, Letterhead, Notice
from notices.rendering import html_for, render_pdf
from sctic.workflow import perform
from tests.factories import CenterFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ISSUED_ON = date(2026, 11, 26)
# A 1×1 GIF: a live <img> of it would add an image to the PDF.
GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="http://evil.example/">link</a>"\'&'
HOSTILE_IMAGE = f'{HOSTILE}<img src="{GIF}">'
SHORT = '<a href="http://evil.example/">m</a>'  # fits the letterhead's 40 characters
LIVE = ("<script", "<img", "<a ")
FORBIDDEN_KEYS = {"/URI", "/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/SubmitForm"}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: ISSUED_ON)


# --- reading a PDF ---------------------------------------------------------------------------------


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(data: bytes) -> str:
    """The text of all pages as one, without the page numbers (a paragraph may go over a page)."""
    return re.sub(r"—\d+—", "", flat("".join(page.extract_text() for page in read(data).pages)))


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def dictionaries(reader: PdfReader):
    """Every dictionary reachable from the trailer (catalog, pages, annotations, actions, XObjects)."""
    seen, stack = set(), [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(value for key, value in obj.items() if key not in ("/Parent", "/P"))
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def links_and_actions(data: bytes) -> list:
    """Link annotations, and any URI, JavaScript, launch or open action anywhere in the file."""
    found = []
    for obj in dictionaries(read(data)):
        if obj.get("/Subtype") == "/Link" or FORBIDDEN_KEYS & set(obj.keys()):
            found.append(dict(obj))
        if obj.get("/S") in ("/URI", "/JavaScript", "/Launch"):
            found.append(dict(obj))
    return found


def xobjects(resources):
    """The XObjects of ``resources`` and of every form XObject drawn from it, as (id, object)."""
    for ref in (resolve(resolve(resources or {}).get("/XObject")) or {}).values():
        item = resolve(ref)
        yield (ref.idnum if isinstance(ref, IndirectObject) else id(item)), item
        if "/Resources" in item:
            yield from xobjects(item["/Resources"])


def image_count(data: bytes) -> int:
    """The images drawn on the pages, each once (the pages may share their resources; an image's
    soft mask is part of it, not counted)."""
    return len(
        {
            key
            for page in read(data).pages
            for key, item in xobjects(page.get("/Resources"))
            if item.get("/Subtype") == "/Image"
        }
    )


def seal_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (60, 60), (230, 0, 18, 255)).save(out, "PNG")
    return out.getvalue()


def elements(html: str) -> list[str]:
    """The script, image, link, frame and object elements of the page (the seal and QR code are two)."""
    return re.findall(r"<(script|img|a|iframe|object|embed|svg|link|style)\b", html.split("<body>", 1)[1])


def assert_escaped(html: str, baseline_html: str, *texts: str):
    """Each text is in the HTML escaped, and the HTML has no element that the harmless notice lacks."""
    for text in texts:
        assert escape(text) in html, text
    assert elements(html) == elements(baseline_html)
    assert "<script" not in html


def assert_inert_pdf(data: bytes, baseline: bytes, *texts: str):
    text = text_of(data)
    assert "<script>alert(1)</script>" in text  # printed as the characters typed
    for typed in texts:
        assert flat(typed) in text, typed
    assert links_and_actions(data) == []
    assert image_count(data) == image_count(baseline)


# --- the notice's own fields -----------------------------------------------------------------------


@pytest.fixture
def sealed(kjt_org):
    """科技厅's letterhead with a seal: the one image a notice legitimately holds."""
    letterhead = Letterhead.for_organization(kjt_org)
    letterhead.seal.save("seal.png", ContentFile(seal_png()), save=True)
    return letterhead


def draft(kjt, chengdu_org, **fields):
    notice = services.notice_draft(
        kind=Kind.REJECTION,
        subject=None,
        actor=kjt,
        addressee_orgs=[chengdu_org],
        copy_orgs=[chengdu_org],
        context={
            "name": "四川省测试技术创新中心",
            "lead_unit": "测试单位",
            "supervisor": "成都市科学技术局",
            "reason": "重复",
        },
    )
    if fields:
        Notice.objects.filter(pk=notice.pk).update(**fields)
        notice.refresh_from_db()
    return notice


def issued(notice, kjt, capture):
    with capture(execute=True):
        perform(notice, "issue", actor=kjt)
    notice.refresh_from_db()
    assert notice.is_rendered, notice.render_error
    with notice.pdf.open("rb") as handle:
        return handle.read()


FIELDS = ("title", "addressees", "body", "copy_to", "attachments_line")


def hostile_fields() -> dict:
    return {
        "title": HOSTILE_IMAGE,
        "addressees": HOSTILE_IMAGE,
        "body": f"{HOSTILE_IMAGE}\n一、{HOSTILE_IMAGE}。{HOSTILE}",
        "copy_to": HOSTILE_IMAGE,
        "attachments_line": f"{HOSTILE_IMAGE}\n{HOSTILE}",
    }


def test_issue10_notice_fields_are_escaped_in_the_html_given_to_weasyprint(kjt, chengdu_org, sealed):
    baseline = html_for(draft(kjt, chengdu_org), sealed)
    notice = draft(kjt, chengdu_org, **hostile_fields())

    html = html_for(notice, sealed)

    assert html.count(escape(HOSTILE_IMAGE)) >= len(FIELDS) + 1  # the <title> quotes the title too
    assert_escaped(html, baseline, HOSTILE_IMAGE, HOSTILE)
    assert '<a href="http://evil.example/"' not in html


def test_issue10_issued_notice_pdf_prints_typed_markup_as_text(
    kjt, chengdu_org, sealed, django_capture_on_commit_callbacks
):
    baseline = render_pdf(draft(kjt, chengdu_org), sealed)
    notice = draft(kjt, chengdu_org, **hostile_fields())

    data = issued(notice, kjt, django_capture_on_commit_callbacks)

    assert image_count(data) == 1  # the seal, nothing else
    assert_inert_pdf(data, baseline, HOSTILE_IMAGE, f"抄送：{HOSTILE_IMAGE}。", f"{HOSTILE_IMAGE}：")


def test_issue10_letterhead_and_issuer_name_are_printed_as_text(kjt, kjt_org, chengdu_org, sealed):
    """The department writes its letterhead (mark, printing office) and its own name."""
    baseline = render_pdf(draft(kjt, chengdu_org), sealed)
    Letterhead.objects.filter(pk=sealed.pk).update(mark=SHORT, printer=SHORT)
    kjt_org.name = HOSTILE_IMAGE
    kjt_org.save(update_fields=["name"])
    notice = draft(kjt, chengdu_org)
    letterhead = Letterhead.for_organization(notice.issuer)

    html = html_for(notice, letterhead)
    data = render_pdf(notice, letterhead)

    assert_escaped(html, html_for(draft(kjt, chengdu_org), sealed), SHORT, HOSTILE_IMAGE)
    text = text_of(data)
    assert flat(SHORT) in text and flat(HOSTILE_IMAGE) in text
    assert links_and_actions(data) == []
    assert image_count(data) == image_count(baseline) == 1


# --- names and reasons that the notice of a decision quotes ------------------------------------------


def test_art23_removal_notice_quotes_center_name_and_reason_as_text(kjt, chengdu_org, sealed):
    """Art. 23: the removal notice quotes the center's name and the reason the department typed."""
    context = {"name": HOSTILE, "cause": "", "reason": HOSTILE_IMAGE, "supervisor": chengdu_org.name}
    harmless = {**context, "name": "四川省测试技术创新中心", "reason": "整改期满复核未通过"}
    make = lambda ctx: services.notice_draft(  # noqa: E731
        kind=Kind.REMOVAL, subject=None, actor=kjt, addressee_orgs=[chengdu_org], context=ctx
    )
    notice, plain = make(context), make(harmless)

    html = html_for(notice, sealed)
    data = render_pdf(notice, sealed)

    assert HOSTILE in notice.title and HOSTILE_IMAGE in notice.body  # the draft keeps it as typed
    assert_escaped(html, html_for(plain, sealed), HOSTILE, HOSTILE_IMAGE)
    assert_inert_pdf(data, render_pdf(plain, sealed), HOSTILE, HOSTILE_IMAGE)


def test_art22_results_notice_lists_hostile_center_names_as_text(
    kjt, chengdu_org, sealed, django_capture_on_commit_callbacks
):
    """Art. 22, 23: the results notice lists every center of the round by name, with its grade."""
    names = [HOSTILE, "四川省测试技术创新中心"]
    for name in names:
        CenterFactory(name=name, lead_unit=OrganizationFactory(name=f"{name}单位"), supervisor=chengdu_org)
    evaluation_round = evaluation_services.round_open(
        year=2027,
        rule_set=RuleSet.objects.order_by("created_at").first(),
        materials_deadline=date(2027, 10, 31),
        scoring_deadline=date(2027, 11, 30),
        actor=kjt,
    )
    Evaluation.objects.update(grade=Grade.GOOD, state=Evaluation.State.GRADED)

    with django_capture_on_commit_callbacks(execute=True):
        notice = evaluation_services.results_notice(evaluation_round, actor=kjt)
    notice.refresh_from_db()
    assert notice.is_rendered, notice.render_error
    with notice.pdf.open("rb") as handle:
        data = handle.read()

    assert f"{HOSTILE}：" in notice.body  # the draft keeps the name as typed
    plain = draft(kjt, chengdu_org)
    assert_escaped(html_for(notice, sealed), html_for(plain, sealed), HOSTILE, f"{HOSTILE}单位")
    assert_inert_pdf(data, render_pdf(plain, sealed), HOSTILE, f"{HOSTILE}单位")
