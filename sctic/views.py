"""Views shared by every lifecycle: transitions, timelines, filtered lists, the dashboard."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from . import access, workflow
from .lists import FilteredListView  # noqa: F401  (list pages import it from here)


def timeline(obj):
    """Every transition of ``obj``: who, what they chose (``entry.action_label``, the label of the
    transition as it left that state), when, from, to, comment (one query)."""
    entries = list(StateLog.objects.for_(obj).select_related("by__organization").order_by("timestamp", "pk"))
    model = type(obj)
    for entry in entries:
        entry.action_label = workflow.transition_label(model, entry.transition, entry.source_state)
    return entries


def last_comment(obj, transition: str) -> StateLog | None:
    return StateLog.objects.for_(obj).filter(transition=transition).order_by("-timestamp", "-pk").first()


def _apply_errors(form, exc: ValidationError) -> list[str]:
    """Put field errors on the form where it has the field; return the rest."""
    rest = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            if field in form.fields:
                for error in errors:
                    form.add_error(field, error)
            else:
                rest.extend(errors)
    else:
        rest.extend(exc.messages)
    return rest


class TransitionView(LoginRequiredMixin, View):
    """``POST <object URL>transitions/<name>/`` for every lifecycle; GET shows the form.

    A transition name may leave several states with a label and article each (an application's
    ``return_for_revision`` is 退回修改 from the supervisor, Art. 10.2, and 退回培育 from 科技厅,
    Art. 10.3): the page, its button and the "Done" message speak as the one that leaves the state
    the object is in when the page is asked for."""

    model = None
    template_name = "workflow/transition.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = access.get_visible_or_404(self.model, request.user, kwargs["pk"])
        self.source = getattr(self.object, workflow.STATE_FIELD)
        self.spec = workflow.any_action(self.model, kwargs["name"], source=self.source)
        if self.spec is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        action = workflow.get_action(self.object, self.request.user, self.spec.name) or self.spec
        return self.spec.form_class()(data, action=action, obj=self.object, user=self.request.user)

    def render_form(self, form, errors=(), status=200):
        context = {"object": self.object, "action": self.spec, "form": form, "errors": errors}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        if not workflow.may_attempt(self.object, request.user, self.spec.name):
            raise PermissionDenied
        if workflow.get_action(self.object, request.user, self.spec.name) is None:
            messages.error(request, self._unavailable_message())
            return redirect(self.object)
        return self.render_form(self.get_form())

    def _unavailable_message(self):
        return _("“%(action)s” is not possible for you while this is “%(state)s”.") % {
            "action": self.spec.label,
            "state": self.object.get_state_display(),
        }

    def post(self, request, *args, **kwargs):
        if not workflow.may_attempt(self.object, request.user, self.spec.name):
            raise PermissionDenied
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            workflow.check_expected_state(self.object, request.POST.get("expected_state"))
            workflow.perform(
                self.object,
                self.spec.name,
                actor=request.user,
                comment=form.cleaned_data.get("comment", ""),
                **form.transition_data(),
            )
        except PermissionDenied:
            raise
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(self.object)
        except ValidationError as exc:
            rest = _apply_errors(form, exc)
            if self.spec.needs_page or form.has_error("comment") or form.errors:
                return self.render_form(form, errors=rest, status=400)
            for message in rest:
                messages.error(request, message)
            return redirect(self.object)
        # self.spec was chosen for the state the object was in before this action.
        messages.success(request, _("Done: %(action)s.") % {"action": self.spec.label})
        return redirect(self.object)
