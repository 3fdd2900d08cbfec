"""gunicorn settings for the web service: `gunicorn -c python:nfc.gunicorn_conf nfc.wsgi`."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# Django logs each request with its id; gunicorn's own access log would
# only repeat it in another format.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
