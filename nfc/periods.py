"""Months, quarters and years: the periods every figure is counted over.

The dashboard, the evaluation reports and the API ask the same selectors
for different periods; each period is a start and an end day (the end not
included), so "this month so far", "last quarter" and "since the area
joined" are all one shape.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of ``month`` and the first day of the month after."""
    start = month_start(month)
    return start, add_months(start, 1)


def quarter_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s calendar quarter."""
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day``, in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@dataclass(frozen=True)
class Period:
    """From ``start`` up to, not including, ``end``."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def month(cls, day: datetime.date) -> "Period":
        return cls(*month_bounds(day))

    @classmethod
    def quarter(cls, day: datetime.date) -> "Period":
        start = quarter_start(day)
        return cls(start, add_months(start, 3))

    @classmethod
    def year(cls, day: datetime.date) -> "Period":
        return cls(datetime.date(day.year, 1, 1), datetime.date(day.year + 1, 1, 1))

    @classmethod
    def months_before(cls, day: datetime.date, count: int) -> "Period":
        """The ``count`` whole months before ``day``'s month."""
        end = month_start(day)
        return cls(add_months(end, -count), end)

    def shifted(self, months: int) -> "Period":
        """The same length of whole months, ``months`` later (or earlier)."""
        return Period(add_months(self.start, months), add_months(self.end, months))

    @property
    def months(self) -> list[datetime.date]:
        """The first day of each month the period touches."""
        months, month = [], month_start(self.start)
        while month < self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    @property
    def start_moment(self) -> datetime.datetime:
        return start_of_day(self.start)

    @property
    def end_moment(self) -> datetime.datetime:
        return start_of_day(self.end)


def minutes_in_words(minutes: int | None) -> str:
    """How long, as people say it: 90 -> "1 h 30 min", 45 -> "45 min"."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    return " ".join(filter(None, [f"{hours} h" if hours else "", f"{rest} min" if rest else ""]))
