"""A PDF or an image opens in the browser; any other file downloads. Both only after the owner's
access check, with the content type the upload was checked to be, ``nosniff``, and for what opens
inline a sandbox (no script, no form, no access to the portal's origin)."""

import io

import pytest
from PIL import Image

from attachments.models import Attachment
from sctic.demo import minimal_pdf
from sctic.workflow import perform
from tests.test_files import DOCX, PDF, XLSX, docx_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (23, 64, 122)).save(buffer, format=fmt)
    return buffer.getvalue()


FILES = {
    "pdf": ("建设运行方案.pdf", minimal_pdf("plan"), PDF, True),
    "png": ("中试线照片.png", image_bytes("PNG"), "image/png", True),
    "jpeg": ("现场照片.jpg", image_bytes("JPEG"), "image/jpeg", True),
    "docx": ("理事会筹建方案.docx", docx_bytes(), DOCX, False),
    "xlsx": ("考核指标.xlsx", xlsx_bytes(), XLSX, False),
}


@pytest.fixture
def submitted(make_application, unit_a, login):
    """unit_a's submitted application with one file of each kind."""
    app = make_application("draft")
    client = login(unit_a)
    for name, content, _mime, _inline in FILES.values():
        assert upload(client, app, name, content).status_code == 200
    perform(app, "submit", actor=unit_a)
    client.logout()
    return {a.original_name: a for a in Attachment.objects.all()}


@pytest.mark.parametrize("kind", FILES)
@pytest.mark.parametrize("who", ["unit_a", "chengdu", "kjt"])
def test_a_pdf_or_image_opens_inline_and_anything_else_downloads(request, client, submitted, who, kind):
    name, content, mime, inline = FILES[kind]
    client.force_login(request.getfixturevalue(who))

    response = client.get(f"/files/{submitted[name].pk}/")

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;")
    assert "filename*=utf-8''" in disposition  # the Chinese file name survives
    assert response["Content-Type"] == mime
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    if inline:
        assert response["Content-Security-Policy"] == "sandbox"
    else:
        assert "Content-Security-Policy" not in response
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize("who", ["unit_b", "mianyang", "jxt"])
def test_an_inline_file_is_still_behind_the_access_check(request, client, submitted, who):
    client.force_login(request.getfixturevalue(who))

    for name, *_rest in FILES.values():
        assert client.get(f"/files/{submitted[name].pk}/").status_code == 404


def test_an_inline_file_asks_anonymous_visitors_to_log_in(client, submitted):
    response = client.get(f"/files/{submitted['建设运行方案.pdf'].pk}/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
