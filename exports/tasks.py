from celery import shared_task

from .services import export_build


@shared_task
def build_export(export_id: int) -> int | None:
    export = export_build(export_id)
    return export.row_count if export else None
