"""Rendering a notice to PDF in the layout of GB/T 9704-2012 (党政机关公文格式) with WeasyPrint.

The fonts are Noto Serif CJK SC (for 仿宋/小标宋) and Noto Sans CJK SC (for 黑体), from Debian's
fonts-noto-cjk, with a fallback chain so that rare characters still find a glyph; WeasyPrint embeds
the subset of each font that the document uses. A worker keeps one FontConfiguration warm.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import filetype
import segno
from django.conf import settings
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

HEADINGS = [
    (re.compile(r"^[一二三四五六七八九十百]+、"), "h1"),  # 一、 黑体
    (re.compile(r"^（[一二三四五六七八九十百]+）"), "h2"),  # （一） 楷体
    (re.compile(r"^\d+[.．]"), "h3"),  # 1. 仿宋加粗
    (re.compile(r"^（\d+）"), "h4"),  # （1） 仿宋
]


@dataclass(frozen=True)
class Paragraph:
    lead: str  # the numbered heading, set in its level's typeface ("" for plain paragraphs)
    text: str  # the rest of the paragraph, in the body typeface
    level: str  # "p" or h1…h4

    @property
    def full(self) -> str:
        return self.lead + self.text


def paragraphs(body: str) -> list[Paragraph]:
    """One paragraph per non-empty line. A paragraph numbered 一、（一）1.（1）is a heading of that
    level (GB/T 9704 7.3.3); when text follows the heading's first sentence, only that sentence is
    set as the heading, the rest as body text."""
    result = []
    for line in body.splitlines():
        text = line.strip()
        if not text:
            continue
        level = next((name for pattern, name in HEADINGS if pattern.match(text)), "p")
        if level == "p":
            result.append(Paragraph(lead="", text=text, level=level))
            continue
        end = text.find("。")
        lead, rest = (text[: end + 1], text[end + 1 :]) if 0 <= end < len(text) - 1 else (text, "")
        result.append(Paragraph(lead=lead, text=rest, level=level))
    return result


def chinese_date(day: date | None) -> str:
    """成文日期 in Arabic numerals, e.g. 2026年11月26日 (GB/T 9704 7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def qr_data_uri(url: str) -> str:
    return segno.make_qr(url, error="m").svg_data_uri(scale=2, border=1, dark="#000")


# The raster formats a seal may come in (the letterhead's ImageField takes what Pillow reads), as
# told by the file's content, not its name; an animated PNG is a PNG. SVG is not among them: Pillow
# cannot read it, so no upload brings one, and an SVG may pull in other files while it is drawn.
SEAL_TYPES = {
    "image/png": "image/png",
    "image/apng": "image/png",
    "image/jpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
}


def image_mime(data: bytes) -> str:
    """The MIME type of a seal image from its first bytes ("" when it is none of ``SEAL_TYPES``)."""
    kind = filetype.guess(data[:8192]) if data else None
    return SEAL_TYPES.get(kind.mime, "") if kind else ""


def seal_data_uri(letterhead) -> str:
    """The uploaded seal as a data URI with its real MIME type; "" without a seal, and "" (with a
    warning in the log) when the file is not an image of a known type — no seal is ever invented."""
    if not letterhead or not letterhead.seal:
        return ""
    with letterhead.seal.open("rb") as handle:
        data = handle.read()
    mime = image_mime(data)
    if not mime:
        logger.warning(
            "The seal %s of %s is not a PNG, JPEG, GIF or WebP image; it is left out.",
            letterhead.seal.name,
            letterhead,
        )
        return ""
    return f"data:{mime};base64," + base64.b64encode(data).decode()


@cache
def _fonts():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_for(notice, letterhead) -> str:
    verify_url = settings.SITE_URL.rstrip("/") + notice.get_verify_url()
    context = {
        "notice": notice,
        "letterhead": letterhead,
        "paragraphs": paragraphs(notice.body),
        "attachments": [line.strip() for line in notice.attachments_line.splitlines() if line.strip()],
        "issue_date": chinese_date(notice.issue_date),
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
        "seal": seal_data_uri(letterhead),
    }
    return render_to_string("notices/pdf/notice.html", context)


def render_pdf(notice, letterhead) -> bytes:
    from weasyprint import HTML

    return HTML(string=html_for(notice, letterhead), base_url=str(settings.BASE_DIR)).write_pdf(
        font_config=_fonts(), pdf_variant=None
    )
