"""Where the apps above areas add to an area's page, without areas importing
them (imports run one way): the early warning, from the dashboard, say."""

from django.dispatch import Signal

# Sent by the staff area page with ``request`` and ``area``. Each receiver
# gives back a part of the page rendered from its own template (so escaped
# as every template is), or None to add nothing.
area_page_panels = Signal()
