"""Review sessions: the meetings of the experts on one subject — a review meeting (会评), a defence
(答辩) or a site visit (现场考察) — recorded by 科技厅 with the experts present, the minutes and a
file (consultation on an intent application, Art. 10.3; the three-year evaluation, Art. 21).

科技厅 records them once the expert review has begun (the subject is under review or later and
experts are assigned). Who reads them is the detail view's decision (``session_context``): the
fragment ``experts/_sessions.html`` renders what it is given."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attachments.forms import AttachmentForm
from attachments.models import Attachment
from attachments.services import attachment_add
from sctic import access

from .access import is_department
from .models import ReviewSession
from .reviews import REVIEWS, Review, review_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The kind of document a session's file is stored as (ReviewSession has no AttachmentKind).
ATTACHMENT_KIND = "minutes"
ATTACHMENT_KINDS = [(ATTACHMENT_KIND, gettext_lazy("Minutes or other record of the session"))]

# The states of a subject before its expert review: an intent application still with the unit or
# its supervisor (Art. 10.1–10.2), an evaluation whose self-assessment is not yet reviewed (Art. 21).
BEFORE_REVIEW = frozenset({"draft", "submitted", "returned", "cultivating", "recommended", "pending"})


def _is_department_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and is_department(None, user))


def _review(key: str) -> Review:
    try:
        return REVIEWS[key]
    except KeyError:
        raise Http404 from None


def session_experts(review: Review, subject, instance: ReviewSession | None = None):
    """The experts a session may list: those of the subject's counted assignments (neither
    declined nor withdrawn), and on an edit whoever the session already lists."""
    User = get_user_model()
    counted = review.counted(subject).values("expert_id")
    qs = User.objects.filter(pk__in=counted)
    if instance is not None and instance.pk:
        qs = qs | User.objects.filter(pk__in=instance.experts_present.values("pk"))
    return qs.distinct().order_by("full_name", "username")


class ReviewSessionForm(forms.ModelForm):
    file = forms.FileField(label=gettext_lazy("File (minutes, sign-in sheet…)"), required=False)

    class Meta:
        model = ReviewSession
        fields = ["kind", "held_on", "place", "experts_present", "minutes"]
        widgets = {
            "held_on": DATE,
            "experts_present": forms.CheckboxSelectMultiple,
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, review: Review, subject, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        self.mime_type = None
        self.fields["experts_present"].queryset = session_experts(review, subject, self.instance)
        self.fields["experts_present"].help_text = _("The experts assigned to this review.")
        # The attachments' own field: the same accepted types, size limit and messages.
        model_field = AttachmentForm(kinds=ATTACHMENT_KINDS).fields["file"]
        self.fields["file"].help_text = model_field.help_text
        self.fields["file"].error_messages = {
            **self.fields["file"].error_messages,
            **model_field.error_messages,
        }
        self.fields["file"].widget.attrs.update(model_field.widget.attrs)

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on and held_on > timezone.localdate():
            raise ValidationError(
                _("A session is recorded once it has been held: the date is in the future.")
            )
        return held_on

    def clean_file(self):
        """Checked by the attachments' form (name and content, size): nothing is saved unless the
        file is accepted."""
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        check = AttachmentForm(data={"kind": ATTACHMENT_KIND}, files={"file": upload}, kinds=ATTACHMENT_KINDS)
        if not check.is_valid():
            raise ValidationError(check.errors.get("file") or check.errors.get("kind"))
        self.mime_type = check.mime_type
        return upload

    @transaction.atomic
    def save_session(self, user) -> ReviewSession:
        session = self.save(commit=False)
        if not session.pk:
            session.content_type = ContentType.objects.get_for_model(self.subject)
            session.object_id = self.subject.pk
            session.recorded_by = user
        session.save()
        self.save_m2m()
        upload = self.cleaned_data.get("file")
        if upload:
            attachment_add(
                owner=session, kind=ATTACHMENT_KIND, upload=upload, mime_type=self.mime_type, user=user
            )
        return session


# --- selectors ------------------------------------------------------------------------------------


def sessions_of(subject):
    """The sessions of a subject, oldest first, with their experts and files (constant queries)."""
    return list(
        ReviewSession.objects.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
        )
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch("experts_present", queryset=get_user_model().objects.order_by("full_name", "username")),
            Prefetch("attachments", queryset=Attachment.objects.select_related("content_type")),
        )
        .order_by("held_on", "id")
    )


def can_record_session(user, subject) -> bool:
    return _is_department_user(user) and _recording_refusal(subject) is None


def session_context(user, subject) -> dict:
    """The context of ``experts/_sessions.html`` on a subject's detail page. The detail view decides
    who sees the sessions at all (the unit does not see the experts: it passes an empty list)."""
    review = review_of(subject)
    return {
        "review_sessions": sessions_of(subject),
        "can_record_session": can_record_session(user, subject),
        "can_edit_session": _is_department_user(user),
        "session_new_url": reverse("experts:session_new", args=[review.key, subject.pk]),
    }


def _recording_refusal(subject) -> str | None:
    """Why no session can be recorded on ``subject`` now, or None."""
    if subject.state in BEFORE_REVIEW:
        return _("Review sessions can be recorded once the expert review has begun.")
    if not review_of(subject).assignments(subject).exists():
        return _("Assign the experts before recording a review session.")
    return None


# --- views ----------------------------------------------------------------------------------------


def _render_form(request, form, subject, session=None):
    return render(
        request,
        "experts/session_form.html",
        {"form": form, "subject": subject, "session": session},
        status=400 if form.errors else 200,
    )


@login_required
def session_new(request, key, subject_pk):
    review = _review(key)
    subject = access.get_visible_or_404(review.subject_model, request.user, subject_pk)
    if not _is_department_user(request.user):
        raise PermissionDenied
    refusal = _recording_refusal(subject)
    if refusal:
        messages.error(request, refusal)
        return redirect(subject)
    form = ReviewSessionForm(request.POST or None, request.FILES or None, review=review, subject=subject)
    if request.method == "POST" and form.is_valid():
        session = form.save_session(request.user)
        messages.success(
            request, _("Review session recorded: %(kind)s, %(date)s.") % _message_params(session)
        )
        return redirect(session)
    _report_file_errors(request, form)
    return _render_form(request, form, subject)


@login_required
def session_edit(request, pk):
    if not _is_department_user(request.user):
        # Checked first: whether a session exists is not for others to learn.
        raise PermissionDenied
    session = get_object_or_404(ReviewSession.objects.select_related("content_type"), pk=pk)
    model = session.content_type.model_class()
    subject = access.get_visible_or_404(model, request.user, session.object_id)
    review = review_of(subject)
    form = ReviewSessionForm(
        request.POST or None, request.FILES or None, instance=session, review=review, subject=subject
    )
    if request.method == "POST" and form.is_valid():
        session = form.save_session(request.user)
        messages.success(request, _("Review session saved: %(kind)s, %(date)s.") % _message_params(session))
        return redirect(session)
    _report_file_errors(request, form)
    return _render_form(request, form, subject, session)


def _message_params(session) -> dict:
    return {"kind": session.get_kind_display(), "date": f"{session.held_on:%Y-%m-%d}"}


def _report_file_errors(request, form) -> None:
    """A refused file is also reported as a message, as the other upload forms do."""
    for error in form.errors.get("file", []):
        messages.error(request, error)
