"""Who may see and change which object.

Each app's ``access.py`` decides for its own models, one condition per line, and registers a
policy here so that shared views (attachments, transitions, timelines, exports) ask the same
question the app's own views ask. A user without access gets 404 — the same answer as for an
object that does not exist, so nobody learns what other units hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404


@dataclass(frozen=True)
class Policy:
    visible: Callable[..., QuerySet]  # visible(user) -> the objects the user may see
    can_change: Callable[..., bool]  # can_change(user, obj) -> may edit its content and files now


_policies: dict[type[Model], Policy] = {}


def register(model: type[Model], *, visible, can_change) -> None:
    _policies[model] = Policy(visible=visible, can_change=can_change)


def policy(model: type[Model]) -> Policy:
    return _policies[model._meta.concrete_model]


def visible(model: type[Model], user) -> QuerySet:
    if not (user and user.is_authenticated and user.is_active):
        return model._default_manager.none()
    return policy(model).visible(user)


def get_visible_or_404(model: type[Model], user, pk):
    return get_object_or_404(visible(model, user), pk=pk)


def can_view(user, obj) -> bool:
    return visible(type(obj), user).filter(pk=obj.pk).exists()


def can_change(user, obj) -> bool:
    return bool(user and user.is_authenticated and user.is_active and policy(type(obj)).can_change(user, obj))
