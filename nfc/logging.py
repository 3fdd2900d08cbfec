"""Request ids for log lines, carried across a request in a context variable."""

import logging
import re
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request that logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        # Django attaches the request itself to its own lines; a formatter
        # (JSON in production) would write out its path, secret and all.
        if "request" in record.__dict__:
            request = record.__dict__["request"]
            record.request = mask_secrets(str(request))
        return True


class ForbiddenWithoutTraceback(logging.Filter):
    """Django logs every 403 with the traceback of its PermissionDenied: a
    refusal is the permission table at work, not a fault, so one line says
    enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


def forget_request_id(**kwargs) -> None:
    request_id_var.set("-")


# Paths that carry a secret (a resident's private link, a password-reset
# key): whoever logs them, Django included, the secret part is masked
# before any handler sees the line.
# Any path segment shaped like a private link's secret (nfc.private_links:
# 43 URL-safe characters) is masked too, whatever page it belongs to, so a
# new kind of private link is covered without being listed here.
_SECRET_PATHS = re.compile(
    r"(/help/follow/|/accounts/password/reset/key/)[^/\s'\"]+|(/)[A-Za-z0-9_-]{43}(?=[/\s'\"?]|$)"
)
_make_record = logging.getLogRecordFactory()


def mask_secrets(text: str) -> str:
    """``text`` with the secret part of every secret-bearing path hidden."""
    return _SECRET_PATHS.sub(lambda m: (m.group(1) or m.group(2)) + "[hidden]", text)


def _record_without_secrets(*args, **kwargs) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:
        return record
    if _SECRET_PATHS.search(message):
        record.msg, record.args = mask_secrets(message), None
    return record


logging.setLogRecordFactory(_record_without_secrets)
