"""Where the apps above advisers add to a person's home page, without
advisers importing them (imports run one way): who came to events from an
adviser's areas, say."""

from django.dispatch import Signal

# Sent by the home page with ``request`` and ``caseload``: the areas the
# person holds as their adviser now (Area.objects.advised_by, read once for
# the page; empty for anyone else), each with its ward code, name, local
# authority, stage, cohort and joining day. Each receiver gives back a part
# of the page rendered from its own template (so escaped as every template
# is), or None to add nothing.
home_page_panels = Signal()
