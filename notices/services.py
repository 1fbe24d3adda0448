"""Drafting, issuing, rendering and verifying official notices."""

from __future__ import annotations

import hashlib
import logging

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import role_members
from notifications.models import Category
from notifications.services import Text, notify
from sctic import workflow
from sctic.tasks import enqueue

from . import numbering
from .models import Kind, Letterhead, Notice

logger = logging.getLogger(__name__)

# 标题 of each kind, filled from the decision (GB/T 9704 7.3.1: 发文机关 + 事由 + 文种).
TITLES = {
    Kind.APPROVAL: "四川省科学技术厅关于同意建设{name}的批复",
    Kind.REJECTION: "四川省科学技术厅关于{name}建设申请的复函",
    Kind.CHANGE_APPROVAL: "四川省科学技术厅关于同意{name}变更{change}的批复",
    Kind.EVALUATION_RESULTS: "四川省科学技术厅关于{year}年四川省技术创新中心绩效评估结果的通知",
    Kind.RECTIFICATION: "四川省科学技术厅关于{name}限期整改的通知",
    Kind.REMOVAL: "四川省科学技术厅关于{name}不再列入四川省技术创新中心序列的通知",
    Kind.REVOCATION: "四川省科学技术厅关于撤销{name}的决定",
}


def department_organization() -> Organization:
    return Organization.objects.filter(kind=Organization.Kind.DEPARTMENT).order_by("pk").first()


def _names(orgs) -> str:
    return "，".join(o.name for o in orgs)


def notice_draft(*, kind: str, subject, actor, addressee_orgs, copy_orgs=(), context: dict) -> Notice:
    """A draft of the notice of ``kind`` on ``subject``, its title and body filled from the
    decision (templates in notices/bodies/). The department may edit it before issuing."""
    addressee_orgs, copy_orgs = list(addressee_orgs), list(copy_orgs)
    # The bodies are plain text, not HTML: the decision's words go in as typed (no &quot; or &amp;).
    body = (
        get_template(f"notices/bodies/{kind}.txt").template.render(Context(context, autoescape=False)).strip()
    )
    notice = Notice.objects.create(
        kind=kind,
        title=TITLES[kind].format(**context),
        addressees=_names(addressee_orgs),
        body=body,
        copy_to=_names(copy_orgs),
        content_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        object_id=subject.pk if subject is not None else None,
        issuer=department_organization(),
        created_by=actor,
    )
    notice.addressee_orgs.set(addressee_orgs)
    notice.copy_orgs.set(copy_orgs)
    return notice


def decision_notice(*, kind, subject, actor, addressee_orgs, copy_orgs=(), context, hold=False) -> Notice:
    """The notice a decision calls for: issued at once, or kept as a draft (``hold``) for the
    department to edit and issue."""
    notice = notice_draft(
        kind=kind,
        subject=subject,
        actor=actor,
        addressee_orgs=addressee_orgs,
        copy_orgs=copy_orgs,
        context=context,
    )
    if not hold:
        workflow.perform(notice, "issue", actor=actor)
    return notice


@workflow.on(Notice, "issue")
def give_number(notice, **_ignored):
    """The number is given only now, in order (numbering.allocate locks the year's counter)."""
    prefix = numbering.prefix_for(notice.kind)
    year = notice.issue_date.year
    sequence = numbering.allocate(prefix, year)
    Notice.objects.filter(pk=notice.pk).update(
        prefix=prefix, year=year, sequence=sequence, number=numbering.format_number(prefix, year, sequence)
    )
    from .tasks import render_notice

    enqueue(render_notice, notice.pk)


@workflow.on(Notice, "revoke")
def record_revocation(notice, *, actor, comment, **_ignored):
    Notice.objects.filter(pk=notice.pk).update(revocation_reason=comment)
    notify(
        _concerned_users(notice),
        subject=Text(_("Notice revoked: %(number)s"), {"number": notice.number}),
        body=Text(
            _("The notice “%(title)s” (%(number)s) has been revoked. Reason: %(reason)s"),
            {"title": notice.title, "number": notice.number, "reason": comment},
        ),
        obj=notice,
        url=notice.get_absolute_url(),
        category=Category.NOTICE,
        actor=actor,
    )


def _concerned_users(notice):
    from django.contrib.auth import get_user_model

    orgs = list(notice.addressee_orgs.values_list("pk", flat=True)) + list(
        notice.copy_orgs.values_list("pk", flat=True)
    )
    return get_user_model().objects.filter(organization_id__in=orgs, is_active=True)


def pdf_name(notice) -> str:
    return f"{notice.year}/{notice.code}.pdf"  # under upload_to="notices/"


def notice_render(notice_id: int) -> Notice | None:
    """Render an issued notice's PDF once and archive it with its SHA-256 (idempotent).

    The row is locked while rendering: a sweep and a late task never archive two different files.
    Addressees are told once, when the archived PDF exists.
    """
    from .rendering import render_pdf

    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("issuer").filter(pk=notice_id).first()
        if notice is None or notice.state == Notice.State.DRAFT or notice.is_rendered:
            return notice
        content = render_pdf(notice, Letterhead.for_organization(notice.issuer))
        notice.pdf.save(pdf_name(notice), ContentFile(content), save=False)
        notice.sha256 = hashlib.sha256(content).hexdigest()
        notice.rendered_at = timezone.now()
        notice.render_error = ""
        notice.render_attempts += 1
        notice.save(update_fields=["pdf", "sha256", "rendered_at", "render_error", "render_attempts"])
        notify(
            _concerned_users(notice),
            subject=Text(_("Official notice: %(title)s"), {"title": notice.title}),
            body=Text(
                _("科技厅 has issued %(number)s “%(title)s”. It is in the portal under Notices."),
                {"number": notice.number, "title": notice.title},
            ),
            obj=notice,
            url=notice.get_absolute_url(),
            category=Category.NOTICE,
        )
    return notice


def record_render_failure(notice_id: int, error: Exception, *, final: bool) -> None:
    """Keep the error on the notice; after the last retry tell the department (nothing is lost:
    the sweep tries again later)."""
    logger.warning("Rendering notice %s failed%s: %s", notice_id, " for good" if final else "", error)
    Notice.objects.filter(pk=notice_id).update(
        render_error=f"{type(error).__name__}: {error}"[:2000], render_attempts=F("render_attempts") + 1
    )
    if final:
        notice = Notice.objects.filter(pk=notice_id).first()
        if notice is not None:
            notify(
                role_members(Role.DEPARTMENT),
                subject=Text(_("The PDF of %(number)s could not be made"), {"number": notice.number}),
                body=Text(
                    _(
                        "Rendering the PDF of “%(title)s” failed several times (%(error)s). The portal will try "
                        "again; an administrator should look at the worker's log."
                    ),
                    {"title": notice.title, "error": notice.render_error},
                ),
                obj=notice,
                url=notice.get_absolute_url(),
            )


def unrendered_ids() -> list[int]:
    """Issued notices whose PDF is still missing (the broker was down, or rendering failed)."""
    return list(
        Notice.objects.filter(state__in=[Notice.State.ISSUED, Notice.State.REVOKED], sha256="").values_list(
            "pk", flat=True
        )
    )


def verify_upload(notice: Notice, upload) -> bool:
    """Whether ``upload`` is byte for byte the archived PDF of ``notice``."""
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    return bool(notice.sha256) and sha.hexdigest() == notice.sha256


def notices_about(user, *objects):
    """The notices on any of ``objects`` that ``user`` may see (for the objects' pages)."""
    from django.db.models import Q

    from .access import visible_notices

    scope = Q(pk__in=[])
    for obj in objects:
        if obj is not None:
            scope |= Q(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    return visible_notices(user).filter(scope).order_by("-created_at")
