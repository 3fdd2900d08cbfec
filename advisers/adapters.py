from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from advisers.permissions import two_factor_required


class StaffOnlyAccountAdapter(DefaultAccountAdapter):
    """Only staff have accounts, and only an administrator creates them."""

    def is_open_for_signup(self, request) -> bool:
        return False


class StaffMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        # Those who must use two-factor authentication may replace their
        # authenticator app, but never switch it off.
        return not two_factor_required(authenticator.user)
