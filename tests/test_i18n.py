"""The portal speaks Chinese (zh-hans) by default and English on request (STYLE.md, DESIGN.md).

The message ids in the code are English; ``locale/zh_Hans/LC_MESSAGES/django.po`` gives each one its
Chinese text, using the regulation's own terms (建设主体单位, 省级有关部门, 市（州）科技管理部门,
培育, 推荐, 专家咨询论证, 不再列入创新中心序列 …) and citing items as 第十条第（二）项.
The Makefile compiles the catalogue before the tests run, so the rendering tests use the ``.mo``.
"""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
LOCALE_DIR = ROOT / "locale"
PO_PATH = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# The command the catalogue is maintained with (README / the translator's brief).
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "zh_Hans",
    "--no-obsolete",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=tests",
]
# What a copy of the project needs for makemessages: its apps, templates and settings.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "var", "tests", "static", "node_modules", "__pycache__", ".pytest_cache",
    ".ruff_cache", "test-results", "*.egg-info", "*.mo",
)  # fmt: skip

PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]")


# --- a small .po reader --------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return " ".join(self.references) or "?"


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), text.strip()[1:-1])


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the (non-obsolete) message entries of a .po file."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~") or not line.strip():
                continue
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            elif line.startswith("#"):
                continue
            elif match := re.match(r"^(msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line):
                key, index, value = match.groups()
                current = (key.split("[")[0], int(index or 0))
                if current[0] == "msgid":
                    entry.msgid = _unquote(value)
                elif current[0] == "msgid_plural":
                    entry.msgid_plural = _unquote(value)
                else:
                    entry.msgstr[current[1]] = _unquote(value)
            elif line.startswith('"') and current:
                kind, index = current
                if kind == "msgid":
                    entry.msgid += _unquote(line)
                elif kind == "msgid_plural":
                    entry.msgid_plural += _unquote(line)
                else:
                    entry.msgstr[index] += _unquote(line)
        if current:
            entries.append(entry)
    header = next(e for e in entries if e.msgid == "")
    return header, [e for e in entries if e.msgid != ""]


def untranslated_or_fuzzy(entries: list[Entry]) -> list[str]:
    return [
        f"{e.msgid!r} ({e.where}){' fuzzy' if 'fuzzy' in e.flags else ''}"
        for e in entries
        if "fuzzy" in e.flags or not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


# --- the catalogue -------------------------------------------------------------------------------


def test_zh_hans_catalogue_has_no_untranslated_or_fuzzy_entries():
    header, entries = read_po(PO_PATH)
    assert len(entries) > 300, "the catalogue looks truncated"
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    assert untranslated_or_fuzzy(entries) == []


def test_zh_hans_catalogue_passes_gettext_checks():
    """msgattrib finds nothing untranslated or fuzzy; msgfmt --check accepts the formats and plurals."""
    for option in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", option, "--no-obsolete", str(PO_PATH)], capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        assert "msgid" not in out.stdout, f"msgattrib {option}:\n{out.stdout}"
    check = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(PO_PATH)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def test_zh_hans_catalogue_declares_one_plural_form():
    header, entries = read_po(PO_PATH)
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    assert "Language: zh_Hans" in header.msgstr[0]
    plurals = [e for e in entries if e.msgid_plural is not None]
    assert plurals, "the catalogue has plural messages (record counts)"
    for entry in plurals:
        assert sorted(entry.msgstr) == [0], f"{entry.msgid!r} must have exactly msgstr[0] in Chinese"


def test_zh_hans_catalogue_keeps_every_placeholder():
    _header, entries = read_po(PO_PATH)
    wrong = []
    for entry in entries:
        for text in entry.msgstr.values():
            # zh has one form, used for every count: it must carry the plural's placeholders.
            source = entry.msgid if entry.msgid_plural is None else entry.msgid_plural
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                wrong.append(f"{entry.msgid!r} → {text!r}")
    assert wrong == []


def test_zh_hans_catalogue_covers_every_message_in_the_code(tmp_path):
    """makemessages over a copy of the project: every msgid the code has today is translated."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is missing: install it (scripts/system-packages.sh) to check the catalogue")
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
    shutil.copytree(LOCALE_DIR, copy / "locale", dirs_exist_ok=True)
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES], cwd=copy, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    _header, fresh = read_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    missing = untranslated_or_fuzzy(fresh)
    assert missing == [], (
        "New or changed messages need a Chinese translation: run `DEBUG=1 python manage.py "
        f"{' '.join(MAKEMESSAGES)}` and fill in locale/zh_Hans/LC_MESSAGES/django.po:\n" + "\n".join(missing)
    )


def test_compiled_catalogue_is_not_older_than_the_po_file():
    assert MO_PATH.exists(), "run `make messages` (compilemessages) before the tests"
    assert MO_PATH.stat().st_mtime >= PO_PATH.stat().st_mtime, "django.mo is stale: run `make messages`"


# --- the regulation's own words -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "chinese"),
    [
        ("Lead unit", "建设主体单位"),
        ("Provincial department (Art. 6)", "省级有关部门（第六条）"),
        ("Municipal or prefectural S&T bureau (Art. 6)", "市（州）科技管理部门（第六条）"),
        ("Department of Science and Technology", "科技厅"),
        ("In cultivation", "培育中"),
        ("Recommend to the department", "推荐至科技厅"),
        ("Start expert consultation", "组织专家咨询论证"),
        ("Construction and operation plan (建设运行方案, Art. 10.2)", "建设运行方案（第十条第（二）项）"),
        ("Board composition", "理事会（董事会）组成"),
        ("Unified social credit code", "统一社会信用代码"),
        ("Art. 3: the center is an independent legal entity.", "第三条：创新中心应为独立法人实体。"),
        ("construction cycle", "建设运行周期"),
        ("Rectifying", "整改中"),
        ("Removed from the sequence", "不再列入创新中心序列"),
        ("Revoked", "已撤销"),
        ("Art. 10.2", "第十条第（二）项"),
        ("Art. 12", "第十二条"),
    ],
)
def test_art5_to_art25_terms_read_as_in_the_regulation(message, chinese):
    assert zh(message) == chinese


def test_art6_regions_are_the_official_city_and_prefecture_names():
    from accounts.regions import Region

    with translation.override("zh-hans"):
        labels = {str(label) for label in Region.labels}
    assert len(labels) == 21
    assert {"成都市", "绵阳市", "雅安市", "广安市"} <= labels
    assert {"阿坝藏族羌族自治州", "甘孜藏族自治州", "凉山彝族自治州"} <= labels
    assert all(label.endswith(("市", "自治州")) for label in labels), labels


def test_article_references_use_item_style_not_paragraphs():
    """Items of an article are 第十条第（二）项, never 第十条第二款 nor an English “Art.”."""
    _header, entries = read_po(PO_PATH)
    for entry in entries:
        for text in entry.msgstr.values():
            assert "款" not in text, f"{entry.msgid!r}: items are 项, not 款"
            assert "Art." not in text, f"{entry.msgid!r} → {text!r}"


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _restore_language():
    """The language middleware activates a language per request; leave none behind."""
    yield
    translation.deactivate()


def test_dashboard_is_chinese_by_default(kjt, login):
    html = login(kjt).get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "待我处理" in html
    assert "科技厅工作台" in html
    assert "Awaiting me" not in html
    assert "Department dashboard" not in html


def test_dashboard_is_english_with_the_language_cookie(kjt, login):
    client = login(kjt)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Awaiting me" in html
    assert "待我处理" not in html


def test_browser_language_alone_does_not_switch_to_english(kjt, login):
    """Only an explicit choice (the footer's cookie) changes the working language."""
    html = login(kjt).get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "待我处理" in html


def test_art10_lists_and_detail_render_in_chinese(kjt, login, make_application):
    app = make_application("recommended")
    client = login(kjt)
    listing = client.get("/applications/").content.decode()
    for text in ("拟建创新中心名称", "建设主体单位", "主管部门", "已推荐至科技厅", "导出Excel"):
        assert text in listing
    detail = client.get(app.get_absolute_url()).content.decode()
    for text in ("可办理事项", "组织专家咨询论证", "办理记录", "推荐意见（第十条第（二）项）"):
        assert text in detail
    assert "What you can do" not in detail


def test_art10_3_transition_page_cites_the_article_in_chinese(kjt, login, make_application):
    app = make_application("recommended")
    response = login(kjt).get(f"{app.get_absolute_url()}transitions/start_review/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "依据《办法》第十条第（三）项" in html
    assert "Art. 10.3" not in html
