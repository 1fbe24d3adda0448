from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .forms import OPTIONAL, EmailPreferenceForm
from .models import EmailPreference, Message


@login_required
def inbox(request):
    qs = Message.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page_obj": page, "object_list": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def read(request, pk):
    """Mark one message read and open what it is about. A GET, so that the subject in the inbox
    is a plain link (it opens in a new tab too); marking a message read is harmless to repeat."""
    message = get_object_or_404(Message, pk=pk, recipient=request.user)
    Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
    target = (
        message.url
        if url_has_allowed_host_and_scheme(message.url, allowed_hosts=None) and message.url
        else None
    )
    return redirect(target or "notifications:inbox")


@login_required
@require_POST
def read_all(request):
    count = Message.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("%(count)d messages marked as read.") % {"count": count})
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    preference, _created = EmailPreference.objects.get_or_create(user=request.user)
    initial = [value for value, _label in OPTIONAL if value not in preference.muted]
    # Not ``request.POST or None``: a POST with every box unticked is empty, and still an answer.
    form = EmailPreferenceForm(
        request.POST if request.method == "POST" else None, initial={"wanted": initial}
    )
    if request.method == "POST" and form.is_valid():
        preference.muted = [value for value, _label in OPTIONAL if value not in form.cleaned_data["wanted"]]
        preference.save(update_fields=["muted"])
        messages.success(request, _("Your e-mail choices were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
