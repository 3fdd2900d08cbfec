"""Where the apps above areas add to an area's pages, without areas importing
them (imports run one way): the early warning, from the dashboard, say."""

from django.dispatch import Signal

# An area's pages: its first page, with what someone opening the area needs
# first, and those a click away with the longer history. A panel says which
# page it belongs on by answering only when sent that page's name.
OVERVIEW = "overview"
CASEWORK = "casework"
EVENTS = "events"
TIME = "time"
OUTCOMES = "outcomes"

# Sent by each of the staff area pages with ``request``, ``area`` and
# ``page`` (one of the names above). Each receiver gives back a part of the
# page rendered from its own template (so escaped as every template is), or
# None to add nothing.
area_page_panels = Signal()
