"""Aggregates the ORM lacks, for both databases the portal runs on."""

import statistics

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField, Func, TextField


class SecondsBetween(Func):
    """``end - start`` in seconds.

    date_part, not EXTRACT: since PostgreSQL 14 EXTRACT gives a numeric,
    made for each row and turned into the float a median sorts (a third of
    the dashboard's response times query); date_part gives the float."""

    output_field = FloatField()
    arity = 2
    template = "DATE_PART('epoch', %(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps date-times as text; JULIANDAY reads them as days.
        return super().as_sql(
            compiler,
            connection,
            template="((JULIANDAY(%(expressions)s)) * 86400.0)",
            arg_joiner=") - JULIANDAY(",
            **extra_context,
        )


class MedianSeconds(Aggregate):
    """The median of ``end - start`` in seconds, over rows where both are set.

    PostgreSQL computes it with ``percentile_cont``; on the local SQLite
    default a small aggregate function registered on each connection does.
    """

    name = "MedianSeconds"
    output_field = FloatField()
    arity = 1
    template = "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, end, start, **extra):
        super().__init__(SecondsBetween(end, start), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        median = self.copy()
        median.template = "NFC_MEDIAN(%(expressions)s)"
        return median.as_sql(compiler, connection, **extra_context)


class _Median:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def _register_on_sqlite(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("NFC_MEDIAN", 1, _Median)


connection_created.connect(_register_on_sqlite, dispatch_uid="nfc_median_on_sqlite")


class JoinedIds(Aggregate):
    """The ids in a group, as one text of decimal ids joined by commas (an
    id as often as it comes): a group's few hundred ids in one value, not a
    row each, which costs the database driver and Python far more.
    PostgreSQL's ``STRING_AGG``, SQLite's ``GROUP_CONCAT``. Not DISTINCT:
    that sorts each group's text, slower than the reader dropping repeats."""

    name = "JoinedIds"
    output_field = TextField()
    arity = 1
    template = "STRING_AGG((%(expressions)s)::text, ',')"

    def as_sqlite(self, compiler, connection, **extra_context):
        joined = self.copy()
        joined.template = "GROUP_CONCAT(%(expressions)s)"
        return joined.as_sql(compiler, connection, **extra_context)
