"""Two (or more) people acting at the same moment, for the PostgreSQL row-lock tests."""

import threading

from django.db import connection
from django.utils import translation


def race(*jobs):
    """Run each job in its own thread on its own database connection: ``job.prepare()`` loads the
    job's own copies, a barrier releases all threads together, then ``job.act(prepared)``. Returns
    the outcomes (the result or the exception raised), in order."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        translation.activate("en")  # each thread starts in the default language
        try:
            prepared = job.prepare()
            barrier.wait(timeout=60)  # only a safety net against a hung test, not a timing
            outcomes[index] = job.act(prepared)
        except Exception as exc:  # the outcome, success or refusal, is what the test inspects
            outcomes[index] = exc
        finally:
            translation.deactivate()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
