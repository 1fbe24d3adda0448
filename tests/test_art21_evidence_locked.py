"""Art. 21: the evidence belongs to the self-assessment; once the self-assessment is submitted it
can no longer be added or removed — not while the experts review it, and not while the center
rectifies (Art. 23), when only the rectification plan and report may be uploaded. A refused upload
or removal says why, in the user's language, and changes nothing.
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from attachments.models import Attachment
from attachments.services import attachment_add
from evaluations import views
from evaluations.models import Evaluation, Grade
from sctic.demo import minimal_pdf
from tests.test_art22_evaluation import (
    CENTER_NAME,
    INDEX,
    SCORE_FOR,
    advance,
    file_reports,
    grade,
    make_center,
    open_round,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf")]

S = Evaluation.State
K = Evaluation.AttachmentKind


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, tz=None: date(2026, 5, 15) if value is None else real(value, tz),
    )


def pdf(name="佐证材料.pdf"):
    return SimpleUploadedFile(name, minimal_pdf(name), content_type="application/pdf")


@pytest.fixture
def evaluation(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return open_round(kjt).evaluations.get(center=center)


@pytest.fixture
def client_a(login, unit_a):
    client = login(unit_a)
    client.cookies["django_language"] = "en"
    return client


def upload(client, evaluation, kind, name="佐证材料.pdf"):
    return client.post(
        f"{evaluation.get_absolute_url()}attachments/", {"kind": kind, "file": pdf(name)}, follow=True
    )


def english(message) -> str:
    """What client_a (English cookie) is told."""
    with translation.override("en"):
        return str(message)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def evidence_of(evaluation, unit_a) -> Attachment:
    return attachment_add(
        owner=evaluation, kind=K.EVIDENCE, upload=pdf(), mime_type="application/pdf", user=unit_a
    )


def test_art21_evidence_is_uploaded_while_the_self_assessment_is_pending(evaluation, client_a):
    response = upload(client_a, evaluation, K.EVIDENCE)
    assert page_messages(response) == ["“佐证材料.pdf” was uploaded."]
    assert evaluation.attachments.filter(kind=K.EVIDENCE).count() == 1


@pytest.fixture
def rectifying(evaluation, unit_a, kjt, experts):
    advance(
        evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.FAIL]
    )
    evaluation = grade(evaluation, Grade.FAIL, actor=kjt)
    assert evaluation.state == S.RECTIFYING
    return evaluation


@pytest.mark.parametrize("stage", ["submitted", "under_review"])
def test_art21_evidence_cannot_be_uploaded_after_the_self_assessment(
    evaluation, unit_a, kjt, experts, client_a, stage
):
    advance(evaluation, stage, applicant=unit_a, department=kjt, experts=experts)
    response = upload(client_a, evaluation, K.EVIDENCE)
    assert page_messages(response) == [english(views.MESSAGE_EVIDENCE_LOCKED)]
    assert not evaluation.attachments.exists()


def test_art21_evidence_cannot_be_uploaded_while_rectifying(rectifying, client_a):
    response = upload(client_a, rectifying, K.EVIDENCE)
    assert page_messages(response) == [english(views.MESSAGE_EVIDENCE_LOCKED)]
    assert not rectifying.attachments.filter(kind=K.EVIDENCE).exists()
    # The rectification documents stay open while rectifying (Art. 23).
    response = upload(client_a, rectifying, K.RECTIFICATION_PLAN, name="整改方案.pdf")
    assert page_messages(response) == ["“整改方案.pdf” was uploaded."]
    assert rectifying.attachments.filter(kind=K.RECTIFICATION_PLAN).count() == 1


def test_art21_evidence_cannot_be_removed_while_rectifying(evaluation, unit_a, rectifying, client_a):
    attachment = evidence_of(rectifying, unit_a)
    response = client_a.post(f"/files/{attachment.pk}/delete/", follow=True)
    assert page_messages(response) == ["You cannot remove files from this record now."]
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_art21_evidence_is_removed_while_pending(evaluation, unit_a, client_a):
    attachment = evidence_of(evaluation, unit_a)
    response = client_a.post(f"/files/{attachment.pk}/delete/", follow=True)
    assert page_messages(response) == ["“佐证材料.pdf” was removed."]
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_art21_the_upload_form_offers_only_the_open_kinds(rectifying, client_a):
    form = client_a.get(rectifying.get_absolute_url()).context["attachment_form"]
    kinds = [value for value, _label in form.fields["kind"].choices if value]
    assert kinds == [K.RECTIFICATION_PLAN, K.RECTIFICATION_REPORT]
