"""E-mails sent once per record, by a task or by the sweep that finds what
a task never sent.

Each kind of notice names the records that are due one, the field stamped
when it is sent, and how to send it. Sending claims the record first with a
conditional UPDATE (only a record whose stamp is still empty is claimed), in
the same transaction as the send: a duplicate delivery of the task, or the
sweep racing it, finds nothing to claim, and a send that fails rolls the
claim back so the task's retry (or the next sweep) tries again.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Notice(Generic[M]):
    """One kind of e-mail, sent at most once per record.

    ``due``: the records that may get it; ``stamp``: the date-time field set
    when it is sent (empty until then); ``since``: the field that dates the
    record, for the sweep's grace period; ``related``: what ``send`` reads,
    fetched with the record; ``send``: sends it, and may return False when
    there was nobody to send to (the claim stands: there never will be).
    """

    name: str
    due: models.QuerySet[M]
    stamp: str
    since: str
    send: Callable[[M], bool | None]
    related: tuple[str, ...] = ()

    def send_once(self, pk: int) -> bool:
        """Claim and send the notice for record ``pk``; True if it went now."""
        with transaction.atomic():
            claimed = self.due.filter(pk=pk, **{self.stamp: None}).update(
                **{self.stamp: timezone.now()}
            )
            if not claimed:
                return False
            record = self.due.select_related(*self.related).get(pk=pk)
            # An exception here rolls the claim back, and the job is retried.
            return self.send(record) is not False

    def waiting(self, *, older_than: datetime.timedelta) -> list[int]:
        """Records due the notice and not sent it, older than ``older_than``
        (a younger one may still have its task on the way)."""
        return list(
            self.due.filter(
                **{self.stamp: None, f"{self.since}__lt": timezone.now() - older_than}
            ).values_list("pk", flat=True)
        )

    def sweep(self, *, older_than: datetime.timedelta) -> int:
        """Send each waiting notice in turn; one that fails (a refused
        address, say) is logged and left for the next sweep, and never holds
        up the others. How many went."""
        sent = 0
        for pk in self.waiting(older_than=older_than):
            try:
                sent += self.send_once(pk)
            except Exception:
                logger.exception("Sweep: %s for %s failed; it will be tried again", self.name, pk)
        return sent
