"""Checking a choice of experts against the pool and conflicts of interest (Art. 10.3, 21)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .selectors import expert_pool

MESSAGE_CONFLICT = _("%(expert)s cannot be assigned: %(reason)s.")
MESSAGE_NOT_EXPERT = _("%(user)s is not in the expert pool.")


def checked_experts(experts, candidates, *, minimum: int, too_few) -> list:
    """The chosen experts, each once, or a ValidationError on ``experts`` naming every one who is
    not in the pool or has a conflict (``candidates`` from ``experts.selectors.candidates``).

    Pool membership is read again here, not only from ``candidates``: an expert taken out of the
    pool after the list was drawn up (a form left open) is refused too."""
    experts = list(dict.fromkeys(experts))
    # Art. 10.3, 21: a consultation or review needs at least one expert, whatever the configured
    # minimum (0 included): with none, "every assigned expert has given an opinion" could never
    # hold and the application or evaluation would wait for ever.
    minimum = max(minimum, 1)
    if len(experts) < minimum:
        raise ValidationError({"experts": too_few % {"count": minimum}})
    allowed = {c.user.pk: c for c in candidates}
    in_pool = set(
        expert_pool().order_by().filter(pk__in=[user.pk for user in experts]).values_list("pk", flat=True)
    )
    errors = []
    for user in experts:
        candidate = allowed.get(user.pk)
        if candidate is None or user.pk not in in_pool:
            errors.append(MESSAGE_NOT_EXPERT % {"user": user})
        elif candidate.conflict:
            errors.append(MESSAGE_CONFLICT % {"expert": user, "reason": candidate.conflict})
    if errors:
        raise ValidationError({"experts": errors})
    return experts
