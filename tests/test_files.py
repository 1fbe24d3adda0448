"""Attachments (Art. 10.2 construction plan, Art. 3 legal entity, …): checked by name and content,
kept in private storage, served only after the owner's access check."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from attachments.models import Attachment
from attachments.validators import (
    EXTENSIONS_TEXT,
    MESSAGE_CONTENT,
    MESSAGE_EMPTY,
    MESSAGE_EXTENSION,
    MESSAGE_TOO_LARGE,
)
from sctic.demo import minimal_pdf
from sctic.workflow import perform

# The database is set up before any settings override (some tests reach it lazily).
pytestmark = pytest.mark.django_db

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Said by the views (attachments/views.py, applications/views.py).
NOT_EDITABLE = gettext_lazy("Files can be added only while the application is being prepared or cultivated.")
NOT_REMOVABLE = gettext_lazy("You cannot remove files from this record now.")
UPLOADED = gettext_lazy("“%(name)s” was uploaded.")


def zh(message, **params) -> str:
    """A message as the (Chinese) page shows it, HTML-escaped."""
    with translation.override("zh-hans"):
        text = str(message)
        return escape(text % params if params else text)


# --- real documents ---------------------------------------------------------------------------------


def docx_bytes() -> bytes:
    """The smallest Word document ``filetype`` recognises: a zip whose first entry is
    ``[Content_Types].xml`` followed by an entry under ``word/`` (filetype OfficeOpenXml matcher)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as doc:
        doc.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        doc.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>建设运行方案</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["指标", "目标值"])
    wb.active.append(["发明专利", 120])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode."
)
TEXT = "这是一个普通的文本文件，并不是PDF。\n".encode() * 20


# --- helpers ----------------------------------------------------------------------------------------


def upload(client, app, name, content, kind="construction_plan"):
    return client.post(
        f"/applications/{app.pk}/attachments/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
        follow=True,
    )


def stored_files() -> list[Path]:
    root = Path(default_storage.location)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def draft(make_application):
    return make_application("draft")


# --- accepted ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("建设运行方案.pdf", minimal_pdf("plan"), PDF),
        ("理事会筹建方案.docx", docx_bytes(), DOCX),
        ("考核指标.xlsx", xlsx_bytes(), XLSX),
    ],
    ids=["pdf", "docx", "xlsx"],
)
def test_art10_2_real_documents_are_accepted(login, unit_a, draft, name, content, mime):
    response = upload(login(unit_a), draft, name, content)
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.mime_type, attachment.size) == (name, mime, len(content))
    assert attachment.content_object == draft
    with attachment.file.open("rb") as handle:
        assert handle.read() == content
    assert zh(UPLOADED, name=name) in response.content.decode()


def test_a_file_exactly_at_the_size_limit_is_accepted(settings, login, unit_a, draft):
    settings.SCTIC = {**settings.SCTIC, "MAX_UPLOAD_MB": 1}
    pdf = minimal_pdf("limit")
    content = pdf + b"\n" * (1024 * 1024 - len(pdf))
    upload(login(unit_a), draft, "plan.pdf", content)
    assert Attachment.objects.get().size == 1024 * 1024


# --- refused, with the reason shown and nothing stored -------------------------------------------------


REFUSALS = [
    pytest.param("建设运行方案.pdf", EXE, MESSAGE_CONTENT, {"extension": "pdf"}, id="exe-renamed-pdf"),
    pytest.param("plan.pdf", TEXT, MESSAGE_CONTENT, {"extension": "pdf"}, id="text-named-pdf"),
    pytest.param("plan.docx", minimal_pdf(), MESSAGE_CONTENT, {"extension": "docx"}, id="pdf-named-docx"),
    pytest.param("setup.exe", EXE, MESSAGE_EXTENSION, {"extension": "exe"}, id="exe-extension"),
    pytest.param("plan.txt", TEXT, MESSAGE_EXTENSION, {"extension": "txt"}, id="unknown-extension"),
    pytest.param("建设运行方案", minimal_pdf(), MESSAGE_EXTENSION, {"extension": "?"}, id="no-extension"),
    pytest.param("plan.pdf", b"", MESSAGE_EMPTY, {}, id="empty"),
]


@pytest.mark.parametrize(("name", "content", "message", "params"), REFUSALS)
def test_uploads_are_refused_by_name_and_content_with_a_clear_message(
    login, unit_a, draft, name, content, message, params
):
    response = upload(login(unit_a), draft, name, content)
    assert response.status_code == 200
    if message is MESSAGE_CONTENT:
        params = {**params, "name": name}
    if message is MESSAGE_EXTENSION:
        params = {**params, "allowed": EXTENSIONS_TEXT}
    assert zh(message, **params) in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_a_file_over_the_size_limit_is_refused(settings, login, unit_a, draft):
    settings.SCTIC = {**settings.SCTIC, "MAX_UPLOAD_MB": 1}
    pdf = minimal_pdf("big")
    content = pdf + b"\n" * (1024 * 1024 + 1 - len(pdf))
    response = upload(login(unit_a), draft, "plan.pdf", content)
    with translation.override("zh-hans"):
        sizes = {"size": filesizeformat(len(content)), "limit": filesizeformat(1024 * 1024)}
    assert zh(MESSAGE_TOO_LARGE, **sizes) in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == []


# --- private storage --------------------------------------------------------------------------------


def test_files_are_stored_privately_under_a_random_name(settings, login, unit_a, draft):
    upload(login(unit_a), draft, "建设运行方案.pdf", minimal_pdf())
    attachment = Attachment.objects.get()
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(default_storage.location).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert "建设运行方案" not in attachment.file.name
    assert stored_files() == [path]


def test_the_configured_private_storage_is_outside_every_static_folder():
    from sctic import settings as configured  # the module, not the per-test overrides

    private = Path(configured.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    for static in [configured.STATIC_ROOT, *configured.STATICFILES_DIRS]:
        static = Path(static).resolve()
        assert not private.is_relative_to(static), static
        assert not static.is_relative_to(private), static


def test_files_have_no_public_url(settings, client, login, unit_a, draft):
    upload(login(unit_a), draft, "plan.pdf", minimal_pdf())
    attachment = Attachment.objects.get()
    detail = client.get(draft.get_absolute_url()).content.decode()
    assert f'href="/files/{attachment.pk}/"' in detail
    assert attachment.file.name not in detail
    for url in (
        f"/{attachment.file.name}",
        f"/media/{attachment.file.name}",
        f"{settings.STATIC_URL}{attachment.file.name}",
        f"/private/{attachment.file.name}",
    ):
        assert client.get(url).status_code == 404, url
    client.logout()
    assert client.get(f"/files/{attachment.pk}/")["Location"].startswith("/accounts/login/")


# --- download ---------------------------------------------------------------------------------------


@pytest.fixture
def submitted_with_plan(make_application, unit_a, login):
    app = make_application("draft")
    upload(login(unit_a), app, "建设运行方案.pdf", minimal_pdf("plan"))
    perform(app, "submit", actor=unit_a)
    return app, Attachment.objects.get()


@pytest.mark.parametrize("who", ["unit_a", "chengdu", "kjt"])
def test_the_lead_unit_its_supervisor_and_the_department_download(request, client, submitted_with_plan, who):
    _app, attachment = submitted_with_plan
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")  # a PDF opens (tests/test_files_inline.py)
    assert response["Content-Type"] == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == minimal_pdf("plan")


@pytest.mark.parametrize("who", ["unit_b", "mianyang", "jxt"])
def test_another_unit_or_supervisor_gets_404_for_a_file(request, client, submitted_with_plan, who):
    _app, attachment = submitted_with_plan
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/files/{attachment.pk}/").status_code == 404


def test_a_draft_file_is_not_downloadable_by_the_supervisor(login, unit_a, chengdu, kjt, draft):
    upload(login(unit_a), draft, "plan.pdf", minimal_pdf())
    attachment = Attachment.objects.get()
    for user in (chengdu, kjt):
        assert login(user).get(f"/files/{attachment.pk}/").status_code == 404


# --- only while the application is editable ---------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "accepted"),
    [
        ("draft", True),
        ("returned", True),
        ("cultivating", True),  # Art. 10.2 deliverables
        ("submitted", False),
        ("recommended", False),
        ("under_review", False),
        ("withdrawn", False),
    ],
)
def test_art10_uploading_only_while_the_application_is_editable(
    make_application, login, unit_a, state, accepted
):
    app = make_application(state)
    before = app.attachments.count()
    response = upload(login(unit_a), app, "补充材料.pdf", minimal_pdf("more"), kind="other")
    assert app.attachments.count() == before + (1 if accepted else 0)
    if not accepted:
        assert zh(NOT_EDITABLE) in response.content.decode()


def test_deleting_is_refused_once_submitted(submitted_with_plan, login, unit_a):
    app, attachment = submitted_with_plan
    response = login(unit_a).post(f"/files/{attachment.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert zh(NOT_REMOVABLE) in response.content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert default_storage.exists(attachment.file.name)


def test_deleting_a_draft_file_removes_it_from_storage(
    login, unit_a, draft, django_capture_on_commit_callbacks
):
    upload(login(unit_a), draft, "plan.pdf", minimal_pdf())
    attachment = Attachment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(unit_a).post(f"/files/{attachment.pk}/delete/")
    assert response["Location"] == draft.get_absolute_url()
    assert not Attachment.objects.exists()
    assert not default_storage.exists(attachment.file.name)


@pytest.mark.parametrize(
    ("who", "status"), [("unit_b", 404), ("mianyang", 404), ("chengdu", 302), ("kjt", 302)]
)
def test_others_cannot_delete_a_file(request, client, make_application, unit_a, who, status):
    app = make_application("cultivating")
    client.force_login(unit_a)
    upload(client, app, "建设运行方案.pdf", minimal_pdf())
    attachment = Attachment.objects.get()
    client.force_login(request.getfixturevalue(who))
    response = client.post(f"/files/{attachment.pk}/delete/")
    assert response.status_code == status
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert default_storage.exists(attachment.file.name)
