"""The small shared parts of the API that every app's endpoints use:
pagination, filtering and ordering by allowlist, throttling, and errors in
the same shape whatever raised them. Each app keeps its own endpoints in
its ``api`` package, over its own querysets (``visible_to``) and services,
and ``advisers.permissions`` decides who may call them."""
