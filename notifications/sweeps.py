"""Every periodic sweep of the portal, run once by ``manage.py send_reminders`` (and daily by beat).

Each sweep takes the day to act on (tests move the clock by passing another day), is idempotent,
and returns how many reminders or queued jobs it produced.
"""

from collections.abc import Callable
from datetime import date

_sweeps: dict[str, Callable[[date], int]] = {}


def register(name: str):
    def decorate(func):
        _sweeps[name] = func
        return func

    return decorate


REMIND_BEFORE = (30, 7, 1)


def step_before(days_left: int, steps=REMIND_BEFORE) -> int | None:
    """Which “N days before” reminder is due with ``days_left`` to the deadline (a late sweep still
    sends the step it missed, never an earlier one); None when none is due yet or it has passed."""
    if days_left < 0:
        return None
    due = [step for step in steps if days_left <= step]
    return min(due) if due else None


def run_all(today: date) -> dict[str, int]:
    return {name: sweep(today) for name, sweep in _sweeps.items()}


@register("e-mails still in the outbox")
def resend_pending_emails(today: date) -> int:
    from .tasks import sweep_pending_messages

    return sweep_pending_messages()
