from celery import shared_task
from django.conf import settings

from . import services


@shared_task(bind=True, max_retries=3, acks_late=True)
def render_notice(self, notice_id: int) -> str | None:
    """Render and archive a notice's PDF; retried with backoff, then reported to the department."""
    try:
        notice = services.notice_render(notice_id)
    except Exception as exc:  # any failure of rendering or storage: retry, then report
        final = self.request.retries >= self.max_retries
        services.record_render_failure(notice_id, exc, final=final)
        if final:
            return None
        delay = settings.SCTIC["NOTICE_RENDER_RETRY_DELAY"] * (2**self.request.retries)
        raise self.retry(exc=exc, countdown=delay) from exc
    return notice.sha256 if notice else None


@shared_task
def sweep_unrendered_notices() -> int:
    """Queue again every issued notice that has no archived PDF yet."""
    ids = services.unrendered_ids()
    for pk in ids:
        render_notice.delay(pk)
    return len(ids)
