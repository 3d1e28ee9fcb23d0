"""Tasks that try again: a task that fails (the database busy past its
timeout, a bug fixed by the next deploy) is queued once more after a pause,
a few times, before it is left failed for the operator."""

import functools
import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("talkpage.background")

# Seconds before each new attempt.
DELAYS = [10, 60, 300, 1800]


def retrying(function):
    """Wraps a task function (under ``@task()``) taking keyword arguments
    only; the attempt number travels as ``attempt``."""

    @functools.wraps(function)
    def run(*, attempt: int = 1, **kwargs):
        try:
            return function(**kwargs)
        except Exception as error:
            if attempt > len(DELAYS):
                logger.error("Task %s failed for good: %s", function.__name__, error)
                raise
            task = import_string(f"{function.__module__}.{function.__name__}")
            retry_at = timezone.now() + timedelta(seconds=DELAYS[attempt - 1])
            task.using(run_after=retry_at).enqueue(attempt=attempt + 1, **kwargs)
            logger.warning(
                "Task %s failed (attempt %d): %s; trying again in %d s.",
                function.__name__, attempt, error, DELAYS[attempt - 1],
            )  # fmt: skip
            raise

    return run
