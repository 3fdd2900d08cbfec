import base64
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings

from advisers.permissions import two_factor_required
from advisers.services import staff_sessions_end
from advisers.tasks import password_reset_send_task


class StaffOnlyAccountAdapter(DefaultAccountAdapter):
    """Only staff have accounts, and only an administrator creates them."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def set_password(self, user, password) -> None:
        # A new password, changed or reset, signs the person out of every
        # other session (one signed in by whoever knew the old password);
        # the browser that changed it stays signed in.
        super().set_password(user, password)
        request = context.request
        staff_sessions_end(user=user, keep=request.session.session_key if request else None)

    def send_password_reset_mail(self, user, email, context) -> None:
        # Sent by a job after the page has answered (the link is made there,
        # never carried through the broker): sent within the request, how
        # long the answer took would tell whether the address has an account.
        password_reset_send_task.delay_on_commit(user.pk)

    def login(self, request, user) -> None:
        super().login(request, user)
        # Signing in is as fresh a proof of who someone is as allauth's "enter
        # your password again", which counts only proofs marked so: without
        # the mark a manager sent to set up two-factor authentication is asked
        # for the password they typed seconds before. The mark lapses as any
        # proof does (ACCOUNT_REAUTHENTICATION_TIMEOUT).
        records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
        if isinstance(records, list):
            request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {**record, "reauthenticated": True} for record in records
            ]


class StaffMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        # Those who must use two-factor authentication cannot switch it off;
        # if they lose their phone, an administrator removes the old app and
        # they set up a new one at their next sign-in.
        return not two_factor_required(authenticator.user)

    # Authenticator secrets are encrypted at rest, so neither a database dump
    # nor the admin site gives anybody a second factor.
    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()


def _fernet() -> Fernet:
    key = hashlib.sha256(settings.NFC_MFA_ENCRYPTION_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))
