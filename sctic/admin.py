"""Admin actions that move states — always through ``sctic.workflow.perform``."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from . import workflow


def transition_actions(model):
    """One admin action per transition that needs no data beyond a comment (those marked
    ``needs_data``, like a recommendation's rank or the experts of a consultation, are done in the portal)."""
    actions = []
    seen = set()
    for spec in workflow.state_field(model).get_all_transitions(model):
        if spec.name in seen or spec.custom.get("needs_data"):
            continue
        seen.add(spec.name)
        actions.append(_make_action(spec.name, workflow.label(spec)))
    return actions


def _make_action(name, label):
    def action(modeladmin, request, queryset):
        if "apply" not in request.POST:
            return TemplateResponse(
                request,
                "admin/workflow_confirm.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": label,
                    "objects": queryset,
                    "action_name": f"perform_{name}",
                    "opts": modeladmin.model._meta,
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                },
            )
        comment = request.POST.get("comment", "")
        done = 0
        for obj in queryset:
            try:
                workflow.perform(obj, name, actor=request.user, comment=comment)
                done += 1
            except (PermissionDenied, TransitionNotAllowed, ValidationError) as exc:
                text = (
                    " ".join(exc.messages)
                    if isinstance(exc, ValidationError)
                    else str(exc) or _("not allowed")
                )
                modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, _("%(action)s: %(count)d done.") % {"action": label, "count": done}
            )
        return None

    action.__name__ = f"perform_{name}"
    action.short_description = label
    return action


class WorkflowAdmin(admin.ModelAdmin):
    """Shows the state read-only and offers the transitions as actions."""

    def get_readonly_fields(self, request, obj=None):
        return ["state", *super().get_readonly_fields(request, obj)]

    def get_actions(self, request):
        actions = super().get_actions(request)
        for func in transition_actions(self.model):
            actions[func.__name__] = (func, func.__name__, func.short_description)
        return actions
