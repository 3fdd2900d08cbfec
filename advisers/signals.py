"""Where the apps above advisers add to a person's home page, without
advisers importing them (imports run one way): who came to events from an
adviser's areas, say."""

from django.dispatch import Signal

# Sent by the home page with ``request``. Each receiver gives back a part of
# the page rendered from its own template (so escaped as every template
# is), or None to add nothing.
home_page_panels = Signal()
