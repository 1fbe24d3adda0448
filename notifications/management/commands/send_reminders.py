"""Run every sweep once: deadline reminders with escalation, the e-mail outbox, unrendered notices.
Idempotent: a reminder already sent is never sent again. Prints what it did."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import sweeps


class Command(BaseCommand):
    help = "Send due reminders and retry pending background work (safe to run any number of times)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=date.fromisoformat, help="act as if today were this day (YYYY-MM-DD)"
        )

    def handle(self, *args, date=None, **options):
        today = date or timezone.localdate()
        results = sweeps.run_all(today)
        for name, count in results.items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(f"total: {sum(results.values())} (as of {today.isoformat()})")
