"""GB/T 9704 7.3.5: the seal printed on an official notice is the image the administrator uploaded,
embedded with the MIME type of its content (PNG, JPEG, GIF or WebP), whatever its file name says.
A file that is no such image is left out (no seal is ever invented) and refused at upload."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from notices.forms import MESSAGE_SEAL_TYPE, LetterheadForm
from notices.models import Letterhead
from notices.rendering import image_mime, seal_data_uri

pytestmark = pytest.mark.usefixtures("english")


def seal(fmt: str) -> bytes:
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    image = Image.new(mode, (120, 118), (255, 255, 255) if mode == "RGB" else (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 116, 114), outline=(230, 0, 18), width=6)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_gbt9704_seal_mime_type_is_read_from_the_content(fmt, mime):
    assert image_mime(seal(fmt)) == mime


@pytest.mark.parametrize(
    ("fmt", "name", "mime"),
    [
        ("PNG", "seal.png", "image/png"),
        ("JPEG", "seal.jpg", "image/jpeg"),
        ("JPEG", "seal.png", "image/jpeg"),  # a JPEG named .png is still a JPEG
        ("PNG", "公章", "image/png"),  # no extension at all
        ("WEBP", "seal.webp", "image/webp"),
    ],
)
def test_gbt9704_seal_data_uri_gives_the_real_mime_type(kjt_org, fmt, name, mime):
    letterhead = Letterhead.for_organization(kjt_org)
    data = seal(fmt)
    letterhead.seal.save(name, ContentFile(data), save=True)

    uri = seal_data_uri(Letterhead.objects.get(pk=letterhead.pk))

    assert uri.startswith(f"data:{mime};base64,")


def test_gbt9704_seal_that_is_no_image_is_left_out(kjt_org, caplog):
    letterhead = Letterhead.for_organization(kjt_org)
    letterhead.seal.save("seal.png", ContentFile(b"not an image at all"), save=True)

    assert seal_data_uri(letterhead) == ""
    assert "is left out" in caplog.text


def test_gbt9704_svg_seal_is_not_embedded(kjt_org):
    """Pillow cannot read SVG, so no upload brings one; one put there otherwise is not drawn."""
    letterhead = Letterhead.for_organization(kjt_org)
    letterhead.seal.save("seal.svg", ContentFile(SVG), save=True)

    assert seal_data_uri(letterhead) == ""


def test_gbt9704_no_seal_gives_no_data_uri(kjt_org):
    assert seal_data_uri(Letterhead.for_organization(kjt_org)) == ""
    assert seal_data_uri(None) == ""


def form_data(letterhead) -> dict:
    return {
        "organization": letterhead.organization_id,
        "mark": letterhead.mark,
        "printer": letterhead.printer,
    }


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_gbt9704_letterhead_form_takes_a_png_or_jpeg_seal(kjt_org, fmt):
    letterhead = Letterhead.for_organization(kjt_org)
    upload = SimpleUploadedFile(f"seal.{fmt.lower()}", seal(fmt))

    form = LetterheadForm(form_data(letterhead), {"seal": upload}, instance=letterhead)

    assert form.is_valid(), form.errors


def test_gbt9704_letterhead_form_refuses_a_seal_it_cannot_print(kjt_org):
    """A BMP is an image Pillow reads, but not one printed as a seal: the form says which are."""
    letterhead = Letterhead.for_organization(kjt_org)
    upload = SimpleUploadedFile("seal.bmp", seal("BMP"))

    form = LetterheadForm(form_data(letterhead), {"seal": upload}, instance=letterhead)

    assert not form.is_valid()
    assert form.errors["seal"] == [str(MESSAGE_SEAL_TYPE)]
