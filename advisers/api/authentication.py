from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from advisers import tokens


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer nfc_…``: a personal API token (advisers.tokens).

    A call without the header is left to the session (the browser, with
    CSRF); a call with a token that is wrong, revoked, expired or whose
    owner's account is closed is refused with 401, never treated as
    signed out.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after Bearer, with one space.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("This token is not valid.") from error
        token = tokens.api_token_for(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "This token is not valid: it may have expired or been revoked."
            )
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token: HTTP bearer."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on your account page: nfc_…",
        }
