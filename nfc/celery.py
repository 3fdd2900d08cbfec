"""The Celery application: Redis broker, tasks found in each app's tasks.py.

Its settings are the CELERY_* names in nfc/settings.py, where the beat
schedule is kept in code too.
"""

import functools
import logging
import os
import smtplib

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import task_postrun, task_prerun
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

from nfc.logging import request_id_var
from nfc.redis_guard import NOT_ANSWERING, RedisAway, asking_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nfc.settings")

logger = logging.getLogger(__name__)

# Failures worth another try: a service that is briefly away. Anything else
# is a bug, and retrying it would only repeat it.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerError,
    ConnectionError,
    TimeoutError,
    smtplib.SMTPException,
)


class NfcTask(DjangoTask):
    """Every task retries transient failures with exponential backoff.

    Enqueue with ``delay_on_commit``, so a task never runs before the rows it
    reads are committed, and never runs at all if the transaction rolls back.
    """

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True
    retry_backoff_max = 10 * 60
    retry_jitter = True
    max_retries = 8

    def delay_on_commit(self, *args, **kwargs) -> None:
        # The data is committed by the time this runs: if the broker is down,
        # failing now would only turn a saved request into an error page.
        # The job is logged, and the periodic sweeps find what was not sent.
        transaction.on_commit(functools.partial(self._delay_or_log, *args, **kwargs))

    def _delay_or_log(self, *args, **kwargs) -> None:
        try:
            # Its result is never read (delay_on_commit returns nothing), so
            # the result store is not asked to wait for it: one Redis call
            # fewer on a person's page.
            with asking_redis(not_answering=(*NOT_ANSWERING, BrokerError)):
                self.apply_async(args, kwargs, ignore_result=True)
        except (*NOT_ANSWERING, BrokerError, RedisAway) as error:
            # Redis away is expected and said once a post: no traceback.
            logger.warning(
                "Could not enqueue %s%r (%s); a sweep will pick it up", self.name, args, error
            )
        except Exception:
            # Any failure: kombu's and the result store's errors differ by
            # transport and version, and none may reach the person.
            logger.exception("Could not enqueue %s%r; a sweep will pick it up", self.name, args)


app = Celery("nfc", task_cls=NfcTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# A job's log lines carry its task id where a request's carry the request id.
@task_prerun.connect
def _log_with_task_id(task_id=None, **kwargs):
    request_id_var.set(task_id or "-")


@task_postrun.connect
def _log_without_task_id(**kwargs):
    request_id_var.set("-")
