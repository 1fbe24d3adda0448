import io
import logging
import re
from decimal import Decimal
from urllib.parse import quote

from django.core.files.base import ContentFile
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sctic.tasks import enqueue

from . import registry
from .models import Export

logger = logging.getLogger(__name__)


def export_request(*, user, kind: str, params: str) -> Export:
    export = Export.objects.create(user=user, kind=kind, params=params[:1000])
    from .tasks import build_export

    enqueue(build_export, export.pk)
    return export


# Text that a spreadsheet would read as a formula (Issue 10, "CSV/formula injection"): = + - @,
# their full-width forms, after leading spaces, or a leading tab or carriage return.
FORMULA_START = re.compile(r"\s*[=+\-@＝＋－＠]|[\t\r]")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):  # before numbers: True is an int too
        return str(_("Yes") if value else _("No"))
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (int, float, Decimal)) or hasattr(value, "isoformat"):  # numbers stay numbers
        return value
    # Control characters have no place in the sheet's XML (openpyxl refuses them): left out.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _as_text(cells) -> None:
    """Every text cell holds text, never a formula or an error code, and shows exactly what was
    typed: the value is kept as it is, its type forced to string, and a value that a spreadsheet
    would take for a formula when edited is marked as text (Excel's quote prefix)."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if FORMULA_START.match(cell.value):
                cell.quotePrefix = True


def workbook_bytes(exporter, queryset) -> tuple[bytes, int]:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = str(exporter.title)[:31]
    ws.append([str(header) for header, _value in exporter.columns])
    _as_text(ws[1])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in queryset.iterator(chunk_size=500):
        ws.append([_cell(value(row)) for _header, value in exporter.columns])
        _as_text(ws[ws.max_row])
        count += 1
    for index, (header, _value) in enumerate(exporter.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(12, min(50, len(str(header)) * 2 + 4))
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count


def export_file_names(export: Export, exporter) -> tuple[str, str]:
    """The name the user downloads, in the user's language (``年度报告-2025.xlsx``: the list's
    title, then the year filtered on or else the day of the export), and an ASCII fallback for
    clients that cannot read RFC 5987 names (``reports-2025.xlsx``)."""
    year = QueryDict(export.params).get("year", "").strip()
    suffix = (
        year if re.fullmatch(r"\d{4}", year) else timezone.localtime(export.created_at).strftime("%Y%m%d")
    )
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", str(exporter.title) if exporter else "").strip()
    fallback = f"{export.kind}-{suffix}.xlsx"
    return (f"{title}-{suffix}.xlsx" if title else fallback), fallback


def content_disposition(name: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the real name as RFC 5987 ``filename*``."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def export_build(export_id: int) -> Export | None:
    export = Export.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status == Export.Status.DONE:
        return export
    exporter = registry.get(export.kind)
    try:
        if exporter is None:
            raise LookupError(f"unknown export {export.kind!r}")
        content, count = workbook_bytes(exporter, registry.rows(exporter, export.user, export.params))
    except Exception as exc:
        logger.exception("Export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    export.file.save(f"{export.kind}-{stamp}.xlsx", ContentFile(content), save=False)
    export.row_count = count
    export.status = Export.Status.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "row_count", "status", "finished_at"])
    return export
