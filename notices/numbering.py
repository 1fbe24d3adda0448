"""Document numbers like 川科高〔2026〕12号: given only at issue, in order, never twice, never skipped.

The counter row of (prefix, year) is locked for the rest of the issuing transaction, so two
notices issued at the same moment get consecutive numbers; if the issue fails, the transaction
rolls back the counter too and the number is given to the next notice.
"""

from django.db import IntegrityError, transaction

from .models import NoticeCounter, NoticeSeries

DEFAULT_PREFIX = "川科高"


def prefix_for(kind: str) -> str:
    series = NoticeSeries.objects.filter(kind=kind).first()
    return series.prefix if series else DEFAULT_PREFIX


def format_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}〔{year}〕{sequence}号"


def allocate(prefix: str, year: int) -> int:
    """The next sequence number of ``prefix`` in ``year``. Call inside the issuing transaction."""
    assert transaction.get_connection().in_atomic_block, "allocate() must run inside the issuing transaction"
    counter = NoticeCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():  # savepoint: another issuer may create the row at the same moment
                NoticeCounter.objects.create(prefix=prefix, year=year, last=0)
        except IntegrityError:
            pass
        counter = NoticeCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last
