"""The session engine (SESSION_ENGINE): Django's database sessions, each
row marked with the person signed in, so their sessions can be ended.

A session is read with its person, and whether they have an authenticator
app, in one query: advisers.middleware takes both from here, so a signed-in
page reads the database once before its view, not two or three times. The
query is written once a process (below), as building it with the ORM on
each request cost more than the two reads it replaces."""

import functools

from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from advisers.models import StaffSession, User


class SessionStore(DatabaseSessionStore):
    # The person the session's row names and whether they have an
    # authenticator app, as read with the session; None when the row names
    # nobody or has not been read. Only a hint: advisers.middleware uses it
    # when it is the person the session's own data names.
    signed_in_row: User | None = None
    signed_in_has_totp: bool = False

    @classmethod
    def get_model_class(cls):
        return StaffSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            session.user_id = None
        return session

    def load(self):
        # As Django's: an unknown or expired session is empty, with no key.
        alias = router.db_for_read(StaffSession)
        sql, converters = _session_query(alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    Authenticator.Type.TOTP.value,
                    self.session_key,
                    connection.ops.adapt_datetimefield_value(timezone.now()),
                ],
            )
            found = cursor.fetchone()
        if found is None:
            self._session_key = None
            return {}
        session_data, has_totp, *values = found
        for index, col, convert in converters:
            for converter in convert:
                values[index] = converter(values[index], col, connection)
        if values[0] is not None:
            self.signed_in_row = User.from_db(alias, _USER_ATTNAMES, values)
            self.signed_in_has_totp = bool(has_totp)
        return self.decode(session_data)


_USER_ATTNAMES = [field.attname for field in User._meta.concrete_fields]


@functools.cache
def _session_query(alias: str) -> tuple[str, list]:
    """The session's data, whether its person has an authenticator app,
    and the person's every column (the primary key first, as from_db wants
    them), with the converters Django's ORM would apply to each column."""
    connection = connections[alias]
    name = connection.ops.quote_name
    fields = User._meta.concrete_fields
    assert fields[0] is User._meta.pk

    def column(model, field_name):
        return name(model._meta.get_field(field_name).column)

    session_user = f"s.{column(StaffSession, 'user')}"
    sql = (
        f"SELECT s.{column(StaffSession, 'session_data')}, "
        f"EXISTS (SELECT 1 FROM {name(Authenticator._meta.db_table)} a "
        f"WHERE a.{column(Authenticator, 'user')} = {session_user} "
        f"AND a.{column(Authenticator, 'type')} = %s), "
        + ", ".join(f"u.{name(field.column)}" for field in fields)
        + f" FROM {name(StaffSession._meta.db_table)} s"
        f" LEFT JOIN {name(User._meta.db_table)} u"
        f" ON u.{name(User._meta.pk.column)} = {session_user}"
        f" WHERE s.{column(StaffSession, 'session_key')} = %s"
        f" AND s.{column(StaffSession, 'expire_date')} > %s"
    )
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col("u")
        convert = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if convert:
            converters.append((index, col, convert))
    return sql, converters
