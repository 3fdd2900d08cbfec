"""Queries whose SQL is worked out once a process, for the busiest pages.

Building a queryset with joins and subqueries and compiling it to SQL costs
the ORM a millisecond or more a query, often more than PostgreSQL takes to
answer it. A Statement builds its queryset once a process with stand-ins
for the values that change (a person, a day, a list of ids), keeps the SQL,
and runs it with the real values put in the stand-ins' places. The rows come
back as the queryset's ``values_list()`` would give them, through the same
converters."""

import datetime
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Stand-ins of each kind of value: none is a value a query meets in
# earnest, nor a constant of one (ids are positive; the days are in the
# first century).
STAND_IN_ID = -7_351_900_001
STAND_IN_DAY = datetime.date(3, 5, 7)


def stand_in_ids(count: int) -> list[int]:
    """``count`` different stand-ins for a list of ids, none of them
    STAND_IN_ID."""
    return [STAND_IN_ID - 1 - n for n in range(count)]


def stand_in_text(name: str) -> str:
    return f"stand-in for {name}, not a value"


class Statement:
    """A query built by ``build(**values)``, compiled once a process for each
    ``shape`` of its values (say, the length of a list of ids) with the
    values ``stand_ins(shape)`` gives, then run with each request's own:
    ``statement.rows(shape, **values)``. Each stand-in must turn up among
    the compiled parameters (else the values were not handed to the
    database as they were built), but for those named ``optional``: a value
    the query may or may not need (a person's region, say)."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        stand_ins: Callable[[Any], dict[str, Any]],
        optional: frozenset[str] = frozenset(),
    ):
        self._build = build
        self._stand_ins = stand_ins
        self._optional = optional
        self._compiled: dict[tuple, tuple[str, list, list]] = {}

    def rows(self, shape: Hashable, *, using: str = "default", **values: Any) -> list[tuple]:
        """The rows of ``build(**values)``, as its ``values_list()`` gives them."""
        connection = connections[using]
        key = (connection.vendor, using, shape)
        if key not in self._compiled:
            self._compiled[key] = self._compile(connection, shape)
        sql, places, expressions = self._compiled[key]
        if any(
            value is None or (isinstance(value, list) and None in value)
            for value in values.values()
        ):
            # The ORM writes "IS NULL" for None, the compiled "= %s" would
            # match nothing: such a value changes the query's shape.
            raise ValueError(f"{self!r}: None is not a value a statement can take")
        adapted = {name: _adapt(connection, value) for name, value in values.items()}
        params = [place if not isinstance(place, _Place) else place.of(adapted) for place in places]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        converters = self._converters(connection, key, expressions)
        if not converters:
            return rows
        converted = []
        for row in rows:
            values_of_row = list(row)
            for n, column_converters in converters:
                value = values_of_row[n]
                for converter in column_converters:
                    value = converter(value, expressions[n], connection)
                values_of_row[n] = value
            converted.append(tuple(values_of_row))
        return converted

    def _converters(self, connection, key: tuple, expressions: list) -> list:
        """Each column's converters, asked of this connection once: they are
        bound to its own operations (each thread has its connection), so
        they are kept on it, and go with it."""
        kept = connection.__dict__.setdefault("_nfc_statement_converters", {})
        if (self, key) not in kept:
            kept[self, key] = [
                (n, converters)
                for n, expression in enumerate(expressions)
                if (
                    converters := connection.ops.get_db_converters(expression)
                    + expression.get_db_converters(connection)
                )
            ]
        return kept[self, key]

    def _compile(self, connection, shape: Hashable) -> tuple[str, list, list]:
        stand_ins = self._stand_ins(shape)
        queryset = self._build(**stand_ins)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        markers: dict[Any, _Place] = {}
        for name, value in stand_ins.items():
            for n, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
                adapted = _adapt(connection, item)
                if adapted in markers:
                    raise RuntimeError(f"{name}: two stand-ins of a statement are the same")
                markers[adapted] = _Place(name, n)
        places = [markers.get(param, param) if _hashable(param) else param for param in params]
        found = {place for place in places if isinstance(place, _Place)}
        if any(p not in found and p.name not in self._optional for p in markers.values()):
            raise RuntimeError(f"{self!r}: a stand-in is missing from the compiled parameters")
        expressions = [expression for expression, _, _ in compiler.select]
        return sql, places, expressions


class _Place:
    """Where a value goes among a statement's parameters: the value named
    ``name``, or its item ``index``."""

    __slots__ = ("name", "index")

    def __init__(self, name: str, index: int | None):
        self.name, self.index = name, index

    def of(self, values: dict[str, Any]) -> Any:
        value = values[self.name]
        return value if self.index is None else value[self.index]

    def __eq__(self, other) -> bool:
        return isinstance(other, _Place) and (self.name, self.index) == (other.name, other.index)

    def __hash__(self) -> int:
        return hash((self.name, self.index))


def _adapt(connection, value):
    """``value`` as the ORM hands it to the database driver."""
    if isinstance(value, list):
        return [_adapt(connection, item) for item in value]
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
