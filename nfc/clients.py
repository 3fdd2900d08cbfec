from allauth.account.adapter import get_adapter


def client_address(request) -> str:
    """The client's IP address, believing only our own proxies (the same
    rule as the sign-in rate limits: NFC_TRUSTED_PROXY_COUNT)."""
    return get_adapter(request).get_client_ip(request)
