"""The one way to move a state (DESIGN.md "One way to move a state").

``perform(obj, transition, actor=…, comment=…, **data)`` checks that the actor may press this
button, locks the row, checks that the object is still in the state the caller saw and that the
transition's conditions hold, runs the transition, saves, logs who/when/from/to/comment through
django-fsm-log, runs the handlers registered for the transition in the same database transaction,
and returns the object. Handlers queue their e-mail, notices and other background work with
``transaction.on_commit`` (see ``sctic.tasks.enqueue``), so nothing leaves before the commit.

Transition methods on models change fields only. Their ``custom`` dict describes the button:
``label``, ``style`` (a Bootstrap colour), ``comment`` ("required" when the regulation expects a
reason, "optional", or absent), ``form`` (dotted path of a form for extra data), ``needs_data``
(the form's data has no defaults, so the transition is not offered as a bulk admin action),
``article``, ``irreversible`` (what the action does that cannot be undone, as a list of sentences:
the transition page states them and asks for an explicit confirmation, see
``sctic.forms.TransitionCommentForm``) and ``notice`` ("draft" when the decision's official notice
is kept as a draft unless the user chooses to issue it at once, see ``sctic.forms.DecisionForm``).
Conditions are plain callables ``condition(obj) -> bool`` carrying a ``message``; a condition may
also raise ``ValidationError`` itself to list several missing items.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMFieldMixin, Transition, TransitionNotAllowed
from django_fsm_log.helpers import FSMLogDescriptor

STATE_FIELD = "state"

MESSAGE_UNKNOWN = _("There is no action “%(transition)s” here.")
MESSAGE_NOT_IN_STATE = _("“%(transition)s” is not possible while this %(object)s is “%(state)s”.")
MESSAGE_STALE = _(
    "Someone else changed this %(object)s a moment ago: it is now “%(state)s”. "
    "Nothing was done; please look at it again."
)
MESSAGE_COMMENT_REQUIRED = _("Please give a reason: it is recorded and shown to those concerned.")
MESSAGE_CONDITION = _("The conditions for this action are not met.")

Handler = Callable[..., None]
_handlers: dict[tuple[type[models.Model], str], list[Handler]] = defaultdict(list)


def condition(message):
    """Mark a transition condition with the message shown when it does not hold."""

    def decorate(func):
        func.message = message
        return func

    return decorate


def on(model: type[models.Model], *transitions: str):
    """Register ``handler(obj, *, actor, comment, transition, source, **data)`` to run after the
    named transitions of ``model`` (``"*"`` for every one), inside the same database transaction."""

    def decorate(handler: Handler) -> Handler:
        for name in transitions:
            _handlers[(model, name)].append(handler)
        return handler

    return decorate


def transition_method(obj, name: str):
    """The bound method of transition ``name``. Usually the attribute of that name; a model may
    keep a field with the transition's name (``Evaluation.grade``) and define the method under
    another attribute whose function is named ``name``."""
    attribute = _method_names(type(obj)).get(name, name)
    return getattr(obj, attribute)


_method_name_cache: dict[type, dict[str, str]] = {}


def _method_names(model) -> dict[str, str]:
    if model not in _method_name_cache:
        names = {}
        for attribute in dir(model):
            meta = getattr(getattr(model, attribute, None), "_django_fsm", None)
            if meta is not None:
                for spec in meta.transitions.values():
                    names[spec.name] = attribute
        _method_name_cache[model] = names
    return _method_name_cache[model]


def state_field(model) -> FSMFieldMixin:
    return model._meta.get_field(STATE_FIELD)


def transitions_named(model, name: str) -> list[Transition]:
    return [t for t in state_field(model).get_all_transitions(model) if t.name == name]


def may_attempt(obj, user, transition: str) -> bool:
    """Whether ``user`` holds the role to press this button in some state of ``obj``."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return any(t.has_perm(obj, user) for t in transitions_named(type(obj), transition))


def _check_permission(transition: Transition, obj, actor) -> None:
    if not (actor and actor.is_active and transition.has_perm(obj, actor)):
        raise PermissionDenied(_("You may not do this."))


def _check_conditions(transition: Transition, obj) -> None:
    for cond in transition.conditions:
        if not cond(obj):
            raise ValidationError(getattr(cond, "message", MESSAGE_CONDITION))


def unmet_conditions(transition: Transition, obj) -> list[str]:
    """What stands in the way of ``transition`` now, as messages for the user."""
    try:
        _check_conditions(transition, obj)
    except ValidationError as exc:
        return exc.messages
    return []


def _object_name(obj) -> str:
    return str(obj._meta.verbose_name)


def check_expected_state(obj, expected: str | None) -> None:
    """Refuse to act when the object has moved on since the user's page was drawn."""
    if expected and expected != getattr(obj, STATE_FIELD):
        raise TransitionNotAllowed(
            MESSAGE_STALE % {"object": _object_name(obj), "state": obj.get_state_display()}
        )


def perform(obj, transition: str, *, actor, comment: str = "", **data):
    """Run ``transition`` on ``obj`` as ``actor``; see the module docstring. Returns ``obj``, refreshed."""
    model = type(obj)
    candidates = transitions_named(model, transition)
    if not candidates:
        raise TransitionNotAllowed(MESSAGE_UNKNOWN % {"transition": transition})
    # Someone who could never press this button learns nothing about the object's state.
    if not may_attempt(obj, actor, transition):
        raise PermissionDenied(_("You may not do this."))
    comment = (comment or "").strip()

    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=obj.pk)
        source = getattr(locked, STATE_FIELD)
        if source != getattr(obj, STATE_FIELD):
            raise TransitionNotAllowed(
                MESSAGE_STALE % {"object": _object_name(obj), "state": locked.get_state_display()}
            )
        current = state_field(model).get_all_transitions(model)
        spec = next((t for t in current if t.name == transition and t.source in (source, "*", "+")), None)
        if spec is None:
            raise TransitionNotAllowed(
                MESSAGE_NOT_IN_STATE
                % {
                    "transition": label(candidates[0]),
                    "object": _object_name(obj),
                    "state": locked.get_state_display(),
                }
            )
        _check_permission(spec, locked, actor)
        if spec.custom.get("comment") == "required" and not comment:
            raise ValidationError({"comment": MESSAGE_COMMENT_REQUIRED})
        _check_conditions(spec, locked)

        method = transition_method(locked, transition)
        accepted = inspect.signature(method).parameters
        kwargs = {k: v for k, v in data.items() if k in accepted}
        with FSMLogDescriptor(locked, "by", actor), FSMLogDescriptor(locked, "description", comment):
            method(**kwargs)
        locked.save()
        for key in ((model, transition), (model, "*")):
            for handler in _handlers.get(key, ()):
                handler(locked, actor=actor, comment=comment, transition=transition, source=source, **data)

    # Handlers may have written with update(): read the row again.
    _copy_fields(model._default_manager.get(pk=obj.pk), obj)
    return obj


def _copy_fields(source, target) -> None:
    """Give the caller's object the saved values. (django-fsm's refresh_from_db briefly unprotects
    the shared state field, which is not safe when two threads perform at once.)"""
    for field in type(source)._meta.concrete_fields:
        target.__dict__[field.attname] = source.__dict__[field.attname]
    target._state.fields_cache.clear()


def label(spec: Transition) -> str:
    return str(spec.custom.get("label") or spec.name)


@dataclass(frozen=True)
class Action:
    """A button the user may press now."""

    name: str
    label: str
    style: str = "primary"
    comment: str | None = None
    article: str = ""
    confirm: str = ""
    form_path: str | None = None
    blocked: tuple[str, ...] = ()  # unmet conditions: the button is shown disabled with these reasons
    irreversible: tuple[str, ...] = ()  # what cannot be undone: stated and confirmed on the page
    notice: str = ""  # "draft": the decision's notice is kept as a draft unless issued at once

    @property
    def needs_page(self) -> bool:
        """Extra data beyond a comment, or the confirmation of an irreversible action, is entered
        on the transition's own page."""
        return bool(self.form_path or self.irreversible)

    def form_class(self):
        from sctic.forms import TransitionCommentForm

        return import_string(self.form_path) if self.form_path else TransitionCommentForm


def action_for(spec: Transition, blocked: tuple[str, ...] = ()) -> Action:
    custom = spec.custom
    return Action(
        blocked=blocked,
        name=spec.name,
        label=label(spec),
        style=custom.get("style", "primary"),
        comment=custom.get("comment"),
        article=custom.get("article", ""),
        confirm=str(custom.get("confirm", "")),
        form_path=custom.get("form"),
        irreversible=tuple(custom.get("irreversible", ())),
        notice=custom.get("notice", ""),
    )


def get_actions(obj, user) -> list[Action]:
    """The transitions ``user`` may start on ``obj`` in its current state. Those whose conditions do
    not hold yet come with the reasons, so that the page can say what is missing."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    model = type(obj)
    source = getattr(obj, STATE_FIELD)
    actions, seen = [], set()
    for spec in state_field(model).get_all_transitions(model):
        if spec.name in seen or spec.source not in (source, "*", "+") or spec.custom.get("hidden"):
            continue
        if spec.has_perm(obj, user):
            actions.append(action_for(spec, tuple(unmet_conditions(spec, obj))))
            seen.add(spec.name)
    return actions


def get_action(obj, user, name: str) -> Action | None:
    return next((a for a in get_actions(obj, user) if a.name == name), None)


def any_action(model, name: str, source: str | None = None) -> Action | None:
    """The button description of ``name``: the one leaving ``source`` when given (a transition
    name may leave several states with a label and article each, like ``return_for_revision``),
    else the first declared (for pages reached by URL)."""
    candidates = transitions_named(model, name)
    if source is not None:
        from_source = [t for t in candidates if t.source == source]
        candidates = from_source or [t for t in candidates if t.source in ("*", "+")] or candidates
    return action_for(candidates[0]) if candidates else None


def transition_label(model, name: str, source: str | None = None) -> str:
    """What the user pressed, as the page, message, e-mail and timeline say it."""
    action = any_action(model, name, source)
    return action.label if action else name
