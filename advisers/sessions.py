"""The session engine (SESSION_ENGINE): Django's database sessions, each
row marked with the person signed in, so their sessions can be ended."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from advisers.models import StaffSession


class SessionStore(DatabaseSessionStore):
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
