"""Official notices are rendered by a real Celery worker (issue 3): the task travels through Redis,
a failing render is retried with backoff and then reported to the department, not lost, and a
decision taken while the broker is down stands and its notice is rendered by the sweep later.

The worker runs in a thread of this process (``celery.contrib.testing.worker.start_worker``), so
it shares the settings and monkeypatches of the test; the test's rows are committed
(``transaction=True``) so that the worker's own database connection sees them.
"""

import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import constants as message_levels
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from applications.models import IntentApplication
from centers.models import Center
from notices import rendering, services
from notices.models import Kind, Notice
from notices.tasks import sweep_unrendered_notices
from notifications.models import Message
from sctic import celery_app
from sctic.demo import give_opinions
from sctic.workflow import perform
from tests.factories import UserFactory

RENDER_TASK = "notices.tasks.render_notice"
SWEEP_TASK = "notices.tasks.sweep_unrendered_notices"
QUEUE = "celery"  # Celery's default queue: a Redis list of that name
DEADLINE = 60  # seconds the worker gets to finish what a test waits for
APPROVAL_COMMENT = "经专家咨询论证，同意建设。"


def number_pattern() -> re.Pattern:
    return re.compile(rf"^川科高〔{timezone.localdate().year}〕[1-9]\d*号$")


# --- the worker ------------------------------------------------------------------------------------


@dataclass
class Run:
    task: str
    args: tuple
    retries: int
    eager: bool
    routing_key: str | None
    hostname: str | None
    in_main_thread: bool


@dataclass
class Runs:
    """What the worker executed, recorded through Celery's signals; ``finished`` is set after
    every task run (successful, retried or failed)."""

    runs: list[Run] = field(default_factory=list)
    finished: threading.Event = field(default_factory=threading.Event)

    def of(self, task: str) -> list[Run]:
        return [run for run in self.runs if run.task == task]

    def on_prerun(self, sender=None, task=None, args=None, **_ignored):
        request = task.request
        self.runs.append(
            Run(
                task=task.name,
                args=tuple(args or ()),
                retries=request.retries,
                eager=bool(request.is_eager),
                routing_key=(request.delivery_info or {}).get("routing_key"),
                hostname=request.hostname,
                in_main_thread=threading.current_thread() is threading.main_thread(),
            )
        )

    def on_postrun(self, **_ignored):
        self.finished.set()

    def wait_until(self, condition, what: str, timeout: float = DEADLINE) -> None:
        """Wait, without a fixed sleep, until ``condition()`` holds: it is checked again each
        time the worker finishes a task (and at least every second), up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            self.finished.clear()
            if condition():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ran = [(run.task, run.args, run.retries) for run in self.runs]
                pytest.fail(f"The worker did not {what} within {timeout} s; it ran {ran}")
            self.finished.wait(min(remaining, 1.0))


@pytest.fixture
def redis_url():
    return os.environ["REDIS_URL"]


@pytest.fixture
def redis_store(redis_url):
    """The test's Redis database; the keys the test creates (queue, bindings, unacked messages…)
    are deleted afterwards, and messages it adds to a queue that existed before are removed."""
    import redis

    store = redis.Redis.from_url(redis_url)
    keys_before = set(store.keys("*"))
    queue_before = store.lrange(QUEUE, 0, -1)
    yield store
    new_keys = set(store.keys("*")) - keys_before
    if new_keys:
        store.delete(*new_keys)
    if store.exists(QUEUE):
        for item in set(store.lrange(QUEUE, 0, -1)) - set(queue_before):
            store.lrem(QUEUE, 0, item)
    store.close()


@pytest.fixture
def worker(transactional_db, broker, redis_url, redis_store):
    """A real Celery worker (solo pool, in a thread) consuming from Redis; the app publishes there
    instead of running tasks eagerly. Stopped, and the broker restored, at teardown."""
    conf = celery_app.conf
    root = logging.getLogger()
    saved_logging = (root.level, list(root.handlers))
    saved_hijack = conf.worker_hijack_root_logger
    conf.worker_hijack_root_logger = False  # keep pytest's log capture
    runs = Runs()
    signals.task_prerun.connect(runs.on_prerun, weak=False)
    signals.task_postrun.connect(runs.on_postrun, weak=False)
    broker.use(redis_url)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield runs
    finally:
        signals.task_prerun.disconnect(runs.on_prerun)
        signals.task_postrun.disconnect(runs.on_postrun)
        broker.restore()
        conf.worker_hijack_root_logger = saved_hijack
        root.setLevel(saved_logging[0])  # the worker's log set-up sets it to ERROR
        root.handlers[:] = saved_logging[1]


def assert_ran_in_the_worker(run: Run) -> None:
    """The task came out of the Redis queue and ran in the worker's thread, not in-process."""
    assert not run.eager
    assert run.routing_key == QUEUE
    assert run.hostname
    assert not run.in_main_thread


@pytest.fixture
def under_review(make_application):
    """unit_a's application under expert consultation, every opinion in: ready for Art. 10.3."""
    app = make_application("under_review")
    give_opinions(app)
    return app


def approval_notice(app) -> Notice:
    return Notice.objects.get(
        kind=Kind.APPROVAL,
        content_type=ContentType.objects.get_for_model(IntentApplication),
        object_id=app.pk,
    )


def messages_about(notice):
    return Message.objects.filter(content_type=ContentType.objects.get_for_model(Notice), object_id=notice.pk)


def is_archived(notice) -> bool:
    return Notice.objects.filter(pk=notice.pk).exclude(sha256="").exists()


# --- the worker renders what a decision issues -------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_art10_3_approval_notice_is_rendered_by_a_celery_worker_through_redis(
    under_review, kjt, chengdu, unit_a, worker
):
    perform(under_review, "approve", actor=kjt, comment=APPROVAL_COMMENT)

    notice = approval_notice(under_review)
    assert notice.state == Notice.State.ISSUED
    assert number_pattern().match(notice.number)

    worker.wait_until(lambda: is_archived(notice), "archive the notice's PDF")

    notice.refresh_from_db()
    assert default_storage.exists(notice.pdf.name)
    with notice.pdf.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == notice.sha256
    assert notice.rendered_at is not None
    assert (notice.render_attempts, notice.render_error) == (1, "")

    [run] = worker.of(RENDER_TASK)  # queued once, at the commit of the approval
    assert run.args == (notice.pk,)
    assert run.retries == 0
    assert_ran_in_the_worker(run)
    # The addressees (the supervisor and the lead unit) are told once the archived PDF exists.
    assert {m.recipient.username for m in messages_about(notice)} == {chengdu.username, unit_a.username}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_failing_render_is_retried_then_reported_to_the_department_and_the_sweep_renders_it_later(
    under_review, kjt, chengdu, unit_a, worker, settings, monkeypatch
):
    colleague = UserFactory(username="kjt2", organization=kjt.organization, role="department")
    settings.SCTIC = {**settings.SCTIC, "NOTICE_RENDER_RETRY_DELAY": 0}  # retry at once

    def broken_renderer(notice, letterhead):
        raise OSError("字体缓存不可用")

    with monkeypatch.context() as fault:
        fault.setattr(rendering, "render_pdf", broken_renderer)
        perform(under_review, "approve", actor=kjt, comment=APPROVAL_COMMENT)
        notice = approval_notice(under_review)

        def reported():
            return messages_about(notice).filter(recipient=kjt).exists()

        worker.wait_until(reported, "give up rendering and tell the department")

        notice.refresh_from_db()
        assert notice.render_attempts == 4  # the first attempt and three retries
        assert notice.render_error == "OSError: 字体缓存不可用"
        assert (notice.sha256, bool(notice.pdf)) == ("", False)
        # The decision and the number stand; only the PDF waits.
        assert notice.state == Notice.State.ISSUED
        assert number_pattern().match(notice.number)
        under_review.refresh_from_db()
        assert under_review.state == IntentApplication.State.APPROVED

        runs = worker.of(RENDER_TASK)
        assert [run.retries for run in runs] == [0, 1, 2, 3]
        assert {run.args for run in runs} == {(notice.pk,)}
        for run in runs:
            assert_ran_in_the_worker(run)

        # Every member of the department is told, with the number; the addressees hear nothing yet.
        report = messages_about(notice)
        assert {m.recipient.username for m in report} == {kjt.username, colleague.username}
        assert all(notice.number in m.subject for m in report)
        assert all(m.url == notice.get_absolute_url() for m in report)
        assert services.unrendered_ids() == [notice.pk]

    # The fault is gone: the sweep, run by the worker, queues the notice again and it is archived.
    sweep_unrendered_notices.delay()
    worker.wait_until(lambda: is_archived(notice), "render the notice queued by the sweep")

    notice.refresh_from_db()
    with notice.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == notice.sha256
    assert notice.render_error == ""
    assert notice.render_attempts == 5
    [sweep] = worker.of(SWEEP_TASK)
    assert_ran_in_the_worker(sweep)
    assert len(worker.of(RENDER_TASK)) == 5
    assert services.unrendered_ids() == []
    told = {m.recipient.username for m in messages_about(notice)}
    assert told == {kjt.username, colleague.username, chengdu.username, unit_a.username}


# --- the broker is down --------------------------------------------------------------------------


def test_art10_3_approval_succeeds_while_the_broker_is_down_and_the_sweep_renders_the_notice_later(
    under_review, kjt, login, broker, caplog, django_capture_on_commit_callbacks
):
    client = login(kjt)
    url = reverse("applications:transition", args=[under_review.pk, "approve"])
    broker.down()

    with (
        caplog.at_level(logging.WARNING, logger="sctic.tasks"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(
            url, {"expected_state": IntentApplication.State.UNDER_REVIEW, "comment": APPROVAL_COMMENT}
        )
    assert callbacks  # the publishes were attempted, against the dead broker

    assert response.status_code == 302
    assert response.url == under_review.get_absolute_url()
    under_review.refresh_from_db()
    assert under_review.state == IntentApplication.State.APPROVED
    assert Center.objects.filter(application=under_review).exists()
    notice = approval_notice(under_review)
    assert notice.state == Notice.State.ISSUED
    assert number_pattern().match(notice.number)
    assert (notice.sha256, bool(notice.pdf)) == ("", False)
    assert any(RENDER_TASK in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)

    page = client.get(response.url)
    assert page.status_code == 200
    assert [m.level for m in page.context["messages"]] == [message_levels.SUCCESS]  # no error shown
    assert f'href="{notice.get_absolute_url()}"' in page.content.decode()
    notice_page = client.get(notice.get_absolute_url())
    assert notice_page.status_code == 200
    assert 'data-action="pdf"' not in notice_page.content.decode()  # not rendered yet

    broker.restore()  # the broker is back (eager again in tests)
    assert services.unrendered_ids() == [notice.pk]
    assert sweep_unrendered_notices.delay().get() == 1

    notice.refresh_from_db()
    assert notice.sha256
    with notice.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == notice.sha256
    assert sweep_unrendered_notices.delay().get() == 0
    assert 'data-action="pdf"' in client.get(notice.get_absolute_url()).content.decode()
