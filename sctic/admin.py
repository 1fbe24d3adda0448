"""Admin actions that move states — always through ``sctic.workflow.perform``."""

from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from . import workflow
from .forms import CONFIRM_FIELD, MESSAGE_CONFIRM_IRREVERSIBLE


def _specs_by_name(model) -> dict[str, list]:
    """The transitions of ``model`` grouped by name, in declaration order."""
    named: dict[str, list] = {}
    for spec in workflow.state_field(model).get_all_transitions(model):
        named.setdefault(spec.name, []).append(spec)
    return named


def _state_order(model):
    """Sources in the order the model lists its states (the life of the object)."""
    states = [value for value, _label in workflow.state_field(model).choices]
    return lambda spec: states.index(spec.source) if spec.source in states else len(states)


def _spec_for(specs, state):
    """The variant of a transition that leaves ``state`` (None: not possible in that state)."""
    return next((t for t in specs if t.source == state), None) or next(
        (t for t in specs if t.source in ("*", "+")), None
    )


def action_label(model, specs) -> str:
    """The action's name in the admin's menu: the transition's label, or where one name leaves
    several states with a label each (an application's ``return_for_revision``: 退回修改 from
    “submitted”, 退回培育 from “recommended”), each label with the state it leaves."""
    ordered = sorted(specs, key=_state_order(model))
    labels = list(dict.fromkeys(workflow.label(spec) for spec in ordered))
    if len(labels) == 1:
        return labels[0]
    choices = dict(workflow.state_field(model).choices)
    parts = []
    for label in labels:
        sources = [str(choices.get(s.source, s.source)) for s in ordered if workflow.label(s) == label]
        parts.append(_("%(action)s (from “%(states)s”)") % {"action": label, "states": "”, “".join(sources)})
    return " / ".join(parts)


def transition_actions(model):
    """One admin action per transition name that needs no data beyond a comment (those marked
    ``needs_data``, like a recommendation's rank or the experts of a consultation, are done in the portal)."""
    return [
        _make_action(model, name, specs)
        for name, specs in _specs_by_name(model).items()
        if not any(spec.custom.get("needs_data") for spec in specs)
    ]


def _make_action(model, name, specs):
    title = action_label(model, specs)

    def action(modeladmin, request, queryset):
        objects = list(queryset)
        rows = []
        for obj in objects:
            spec = _spec_for(specs, getattr(obj, workflow.STATE_FIELD))
            rows.append((obj, workflow.label(spec) if spec else None))
        chosen = [_spec_for(specs, getattr(obj, workflow.STATE_FIELD)) for obj in objects]
        consequences = list(
            dict.fromkeys(
                str(line) for spec in chosen if spec for line in spec.custom.get("irreversible", ())
            )
        )
        drafts = any(spec and spec.custom.get("notice") == "draft" for spec in chosen)
        labels = {label for _obj, label in rows if label}
        confirmed = request.POST.get(CONFIRM_FIELD) == "on"
        if "apply" not in request.POST or (consequences and not confirmed):
            if "apply" in request.POST:
                modeladmin.message_user(request, str(MESSAGE_CONFIRM_IRREVERSIBLE), messages.ERROR)
            return TemplateResponse(
                request,
                "admin/workflow_confirm.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": labels.pop() if len(labels) == 1 else title,
                    "rows": rows,
                    "objects": objects,
                    "consequences": consequences,
                    "confirm_field": CONFIRM_FIELD,
                    "drafts": drafts,
                    "comment": request.POST.get("comment", ""),
                    "action_name": f"perform_{name}",
                    "opts": modeladmin.model._meta,
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                },
            )
        comment = request.POST.get("comment", "")
        done = Counter()
        for obj, spec in zip(objects, chosen, strict=True):
            data = {"hold_notice": True} if spec and spec.custom.get("notice") == "draft" else {}
            try:
                workflow.perform(obj, name, actor=request.user, comment=comment, **data)
                done[workflow.label(spec) if spec else title] += 1
            except (PermissionDenied, TransitionNotAllowed, ValidationError) as exc:
                text = (
                    " ".join(exc.messages)
                    if isinstance(exc, ValidationError)
                    else str(exc) or _("not allowed")
                )
                modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        for label, count in done.items():
            modeladmin.message_user(
                request, _("%(action)s: %(count)d done.") % {"action": label, "count": count}
            )
        return None

    action.__name__ = f"perform_{name}"
    action.short_description = title
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
