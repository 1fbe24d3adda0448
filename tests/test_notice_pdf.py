"""The PDF of an official notice (GB/T 9704-2012 党政机关公文格式), rendered by WeasyPrint and read
back with pypdf: what it says, which fonts carry it, its page size and page numbers, the QR code of
the verification page, the seal, and the archived file with its SHA-256.

Celery runs eagerly in tests and issuing queues the rendering after the commit, so every issue here
runs inside ``django_capture_on_commit_callbacks(execute=True)``.
"""

import hashlib
import io
import logging
import re
from datetime import date
from pathlib import Path

import pytest
import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from notices import services
from notices.management.commands.bench_notices import sample_notice
from notices.models import Kind, Letterhead, Notice
from notices.rendering import chinese_date, render_pdf
from notices.tasks import render_notice
from notifications.models import Message
from sctic.workflow import perform
from tests.factories import CenterFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

CENTER = "四川省轨道交通装备技术创新中心"
RARE = "𠮷䶮龑堃喆婧"  # CJK Ext. B, Ext. A and rare basic ideographs, as found in names
RARE_UNIT = f"成都{RARE}科技有限公司"
ISSUED_ON = date(2026, 11, 26)
A4 = (595.28, 841.89)  # 210 mm × 297 mm in points


# --- reading a PDF ---------------------------------------------------------------------------------


def archived(notice) -> bytes:
    with notice.pdf.open("rb") as handle:
        return handle.read()


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def flat(text: str) -> str:
    """Text without the line breaks and spaces that wrapping puts in."""
    return re.sub(r"\s+", "", text)


def running_text(pages) -> str:
    """The text of all pages as one, without the page numbers (a paragraph may go over a page)."""
    return re.sub(r"—\d+—", "", flat("".join(page.extract_text() for page in pages)))


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def resources_tree(resources):
    """``resources`` and the resources of every form XObject and pattern inside it."""
    resources = resolve(resources) or {}
    yield resources
    for key in ("/XObject", "/Pattern"):
        for item in (resolve(resources.get(key)) or {}).values():
            item = resolve(item)
            if "/Resources" in item:
                yield from resources_tree(item["/Resources"])


def xobjects(page):
    for resources in resources_tree(page.get("/Resources")):
        for item in (resolve(resources.get("/XObject")) or {}).values():
            yield resolve(item)


def images(page) -> list:
    return [x for x in xobjects(page) if x.get("/Subtype") == "/Image"]


def fonts(reader: PdfReader) -> dict:
    """Every font used in the document, by object id: {id: font dictionary}."""
    found = {}
    for page in reader.pages:
        for resources in resources_tree(page.get("/Resources")):
            for ref in (resolve(resources.get("/Font")) or {}).values():
                key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
                found[key] = resolve(ref)
    return found


def descriptor(font):
    if font.get("/Subtype") == "/Type0":
        font = resolve(font["/DescendantFonts"][0])
    return resolve(font["/FontDescriptor"])


def contents(page) -> bytes:
    """The page's content stream and those of the form XObjects drawn on it."""
    stream = page.get_contents()
    data = stream.get_data() if stream is not None else b""
    return data + b"".join(x.get_data() for x in xobjects(page) if x.get("/Subtype") == "/Form")


# segno draws one horizontal stroke per run of dark modules ("x0 y.5 m x1 y.5 l", in module units);
# WeasyPrint keeps the SVG path as vector operators.
QR_RUN = re.compile(rb"^(\d+) (\d+)\.5 m\n(\d+) \2\.5 l$", re.MULTILINE)


def qr_modules(page) -> set[tuple[int, int]]:
    """The dark modules of the QR code drawn on ``page``, as (row, column) with the quiet zone."""
    dark = set()
    for x0, y, x1 in QR_RUN.findall(contents(page)):
        dark.update((int(y), x) for x in range(int(x0), int(x1)))
    return dark


def qr_of(url: str, error: str) -> set[tuple[int, int]]:
    symbol = segno.make_qr(url, error=error)
    return {(r + 1, c + 1) for r, row in enumerate(symbol.matrix) for c, on in enumerate(row) if on}


def encodes(page, url: str) -> bool:
    """Whether the QR code on ``page`` is the symbol of ``url`` (as good as decoding it)."""
    drawn = qr_modules(page)
    return bool(drawn) and any(drawn == qr_of(url, level) for level in "lmqh")


# --- notices -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: ISSUED_ON)


@pytest.fixture
def center(chengdu_org):
    lead = OrganizationFactory(name=RARE_UNIT)
    return CenterFactory(name=CENTER, lead_unit=lead, supervisor=chengdu_org, director_name="王堃")


def approval_context(center) -> dict:
    cycle = center.cycles.get()
    return {
        "name": center.name,
        "lead_unit": center.lead_unit.name,
        "supervisor": center.supervisor.name,
        "legal_entity": center.legal_entity_name,
        "credit_code": center.credit_code,
        "director": center.director_name,
        "start": chinese_date(cycle.start_date),
        "end": chinese_date(cycle.end_date),
    }


@pytest.fixture
def draft(kjt, center, jxt_org):
    """The approval notice of ``center`` to its supervisor and lead unit, copied to jxt: a draft."""
    return services.notice_draft(
        kind=Kind.APPROVAL,
        subject=center,
        actor=kjt,
        addressee_orgs=[center.supervisor, center.lead_unit],
        copy_orgs=[jxt_org],
        context=approval_context(center),
    )


@pytest.fixture
def issue(kjt, django_capture_on_commit_callbacks):
    """``issue(draft)`` issues it as kjt and runs what is queued after the commit (the rendering)."""

    def run(notice):
        with django_capture_on_commit_callbacks(execute=True):
            perform(notice, "issue", actor=kjt)
        notice.refresh_from_db()
        assert notice.is_rendered, notice.render_error
        return notice

    return run


@pytest.fixture
def notice(draft, issue):
    return issue(draft)


@pytest.fixture
def long_notice(draft, issue):
    """A notice of several pages (the department lengthened the draft's body)."""
    paragraphs = [
        f"（{i}）创新中心应围绕重点任务，细化年度目标和考核指标，按季度报告建设运行进展情况。"
        for i in range(1, 41)
    ]
    Notice.objects.filter(pk=draft.pk).update(body=draft.body + "\n" + "\n".join(paragraphs))
    draft.refresh_from_db()
    return issue(draft)


def seal_png() -> bytes:
    image = Image.new("RGBA", (240, 236), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((6, 6, 234, 230), outline=(230, 0, 18, 255), width=10)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- what the notice says --------------------------------------------------------------------------


def test_gbt9704_pdf_text_holds_mark_number_title_center_addressees_and_issuer(notice, center):
    text = running_text(read(archived(notice)).pages)

    assert notice.number == "川科高〔2026〕1号"
    assert "四川省科学技术厅文件" in text  # 发文机关标志
    assert notice.number in text  # 发文字号
    assert flat(notice.title) in text and CENTER in notice.title  # 标题
    assert CENTER in text
    assert f"成都市科学技术局，{RARE_UNIT}：" in text  # 主送机关
    assert center.credit_code in text and center.legal_entity_name in text  # 正文, filled from the decision
    assert "四川省科学技术厅2026年11月26日" in text  # 署名 and 成文日期
    assert "抄送：四川省经济和信息化厅。" in text  # 版记


def test_gbt9704_date_of_issue_is_in_arabic_numerals(notice):
    text = running_text(read(archived(notice)).pages)

    assert "2026年11月26日" in text
    assert "二〇二六" not in text and "二○二六" not in text
    assert "2026年11月26日印发" in text  # 印发日期
    assert "2026年11月26日" in text.split("四川省科学技术厅办公室")[-1]  # 印发机关 then the date


def test_gbt9704_printing_line_names_the_printing_office(notice):
    last = flat(read(archived(notice)).pages[-1].extract_text())

    assert "四川省科学技术厅办公室2026年11月26日印发" in last


def test_gbt9704_fonts_are_embedded_noto_cjk_fonts(notice):
    found = fonts(read(archived(notice)))

    assert found
    for font in found.values():
        name = str(font["/BaseFont"])
        assert re.search(r"Noto-?(Serif|Sans)-?CJK", name), name
        file_keys = {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor(font).keys())
        assert file_keys, f"{name} is not embedded"


def test_gbt9704_rare_characters_in_names_have_glyphs(draft, issue, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        notice = issue(draft)

    text = read(archived(notice)).pages[0].extract_text()
    for char in RARE:
        assert char in text, f"{char} (U+{ord(char):04X}) is missing from the PDF's text"
    assert RARE_UNIT in flat(text)
    missing = [r.getMessage() for r in caplog.records if ".notdef" in r.getMessage()]
    assert not missing, missing


def test_gbt9704_every_page_is_a4(long_notice):
    pages = read(archived(long_notice)).pages

    assert len(pages) >= 2
    for page in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(A4[0], abs=0.5) and height == pytest.approx(A4[1], abs=0.5)


def test_gbt9704_pages_are_numbered_between_dashes(long_notice):
    pages = read(archived(long_notice)).pages

    for number, page in enumerate(pages, start=1):
        assert re.search(rf"—\s*{number}\s*—", page.extract_text()), (number, page.extract_text()[-80:])


def test_gbt9704_a_short_notice_is_one_page():
    notice, letterhead = sample_notice(12)

    pages = read(render_pdf(notice, letterhead)).pages

    assert len(pages) == 1
    assert re.search(r"—\s*1\s*—", pages[0].extract_text())


def test_verification_qr_code_on_the_last_page_links_to_the_verification_page(long_notice):
    pages = read(archived(long_notice)).pages
    url = settings.SITE_URL.rstrip("/") + f"/notices/verify/{long_notice.code}/"

    assert encodes(pages[-1], url)
    assert not encodes(pages[-1], url.replace(long_notice.code, "another-code"))
    assert not any(qr_modules(page) for page in pages[:-1])
    assert "扫码核验" in pages[-1].extract_text()
    assert "印发" in pages[-1].extract_text()  # the 版记 is on the last page too
    assert not any("印发" in page.extract_text() for page in pages[:-1])


# --- the archive ---------------------------------------------------------------------------------------


def test_archived_sha256_is_the_hash_of_the_file(notice):
    data = archived(notice)

    assert data.startswith(b"%PDF-")
    assert notice.sha256 == hashlib.sha256(data).hexdigest()
    assert notice.rendered_at is not None and notice.render_error == ""


def test_rendering_again_leaves_the_archived_file_unchanged(
    chengdu, draft, issue, django_capture_on_commit_callbacks
):
    notice = issue(draft)  # chengdu's users are told once, when the PDF is archived
    before = (notice.pdf.name, archived(notice), notice.sha256, notice.rendered_at, notice.render_attempts)
    told = Message.objects.filter(object_id=notice.pk, subject__contains=notice.title).count()

    services.notice_render(notice.pk)
    with django_capture_on_commit_callbacks(execute=True):
        render_notice.delay(notice.pk)

    notice.refresh_from_db()
    after = (notice.pdf.name, archived(notice), notice.sha256, notice.rendered_at, notice.render_attempts)
    assert after == before
    assert Message.objects.filter(object_id=notice.pk, subject__contains=notice.title).count() == told > 0
    assert len(list(Path(notice.pdf.path).parent.iterdir())) == 1  # no second file beside it


def test_a_draft_is_not_rendered(draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        render_notice.delay(draft.pk)

    draft.refresh_from_db()
    assert not draft.pdf and draft.sha256 == ""


# --- the seal ------------------------------------------------------------------------------------------


def test_gbt9704_uploaded_seal_is_printed_on_the_notice(kjt_org, draft, issue):
    letterhead = Letterhead.for_organization(kjt_org)
    letterhead.seal.save("seal.png", ContentFile(seal_png()), save=True)

    notice = issue(draft)

    pages = read(archived(notice)).pages
    seals = images(pages[-1])
    assert [(x["/Width"], x["/Height"]) for x in seals] == [(240, 236)]


def test_gbt9704_no_seal_is_invented(notice):
    """Without an uploaded seal the PDF holds no image at all (the QR code is vector paths)."""
    pages = read(archived(notice)).pages

    assert Letterhead.objects.get(organization=notice.issuer).seal.name in ("", None)
    assert all(images(page) == [] for page in pages)
    assert qr_modules(pages[-1])  # the QR code is there, drawn, not as an image


# --- the body template of every kind -----------------------------------------------------------------

CONTEXTS = {
    Kind.APPROVAL: {
        "name": CENTER,
        "lead_unit": "成都天府轨道交通装备研究院有限公司",
        "supervisor": "成都市科学技术局",
        "legal_entity": "轨道交通装备技术创新中心（四川）有限公司",
        "credit_code": "91510100MA6CXXXX0X",
        "director": "杨建国",
        "start": "2026年11月26日",
        "end": "2029年11月25日",
    },
    Kind.REJECTION: {
        "name": CENTER,
        "lead_unit": "成都天府轨道交通装备研究院有限公司",
        "supervisor": "成都市科学技术局",
        "reason": "技术目标与现有平台重复，协同机制不够具体",
    },
    Kind.CHANGE_APPROVAL: {
        "name": CENTER,
        "change": "运行主体",
        "old": "轨道交通装备技术创新中心（四川）有限公司",
        "new": "天府轨道交通装备创新研究院有限公司",
        "reason": "运行主体完成重组",
        "supervisor": "成都市科学技术局",
    },
    Kind.EVALUATION_RESULTS: {
        "year": 2029,
        "results": [
            {"name": CENTER, "grade": "优秀"},
            {"name": "四川省智能传感技术创新中心", "grade": "不合格"},
        ],
    },
    Kind.RECTIFICATION: {"name": CENTER, "deadline": "2030年12月31日", "supervisor": "成都市科学技术局"},
    Kind.REMOVAL: {"name": CENTER, "reason": "整改期满复核未通过", "supervisor": "成都市科学技术局"},
    Kind.REVOCATION: {"name": CENTER, "reason": "以弄虚作假方式获得认定", "supervisor": "成都市科学技术局"},
}


def values(context) -> list[str]:
    found = []
    for value in context.values():
        if isinstance(value, list):
            found += [str(v) for row in value for v in row.values()]
        else:
            found.append(str(value))
    return found


def test_every_kind_has_a_body_template():
    bodies = Path(settings.BASE_DIR) / "templates" / "notices" / "bodies"

    assert {p.stem for p in bodies.glob("*.txt")} == set(Kind.values)
    assert set(CONTEXTS) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_of_notice_drafts_and_renders(kind, kjt, chengdu_org):
    context = CONTEXTS[kind]

    notice = services.notice_draft(
        kind=kind, subject=None, actor=kjt, addressee_orgs=[chengdu_org], context=context
    )

    assert notice.state == Notice.State.DRAFT and notice.kind == kind
    assert notice.title.startswith("四川省科学技术厅关于") and "{" not in notice.title
    assert "{" not in notice.body and "}" not in notice.body
    assert "《四川省技术创新中心建设运行管理办法》" in notice.body  # cites the regulation
    for value in values(context):
        assert value in notice.body + notice.title, value
    text = running_text(read(render_pdf(notice, Letterhead.for_organization(notice.issuer))).pages)
    assert flat(notice.title) in text
    assert flat(notice.body) in text


def test_notice_body_keeps_the_decision_text_as_written(kjt, chengdu_org):
    """The reason the department typed goes into the notice as it was typed (no HTML escaping)."""
    reason = '与"十四五"规划重复，且A&B两项指标<未量化>'

    notice = services.notice_draft(
        kind=Kind.REJECTION,
        subject=None,
        actor=kjt,
        addressee_orgs=[chengdu_org],
        context={**CONTEXTS[Kind.REJECTION], "reason": reason},
    )

    assert f"主要意见：{reason}" in notice.body
    assert "&quot;" not in notice.body and "&amp;" not in notice.body
    text = running_text(read(render_pdf(notice, Letterhead.for_organization(notice.issuer))).pages)
    assert flat(reason) in text
