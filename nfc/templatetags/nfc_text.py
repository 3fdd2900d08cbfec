from django import template
from django.template.defaultfilters import stringfilter

from nfc.text import without_direction_controls

register = template.Library()


# Safe in, safe out: taking characters away adds no markup.
@register.filter(is_safe=True)
@stringfilter
def bidi_safe(text: str) -> str:
    """Names and residents' words as staff see them: direction overrides
    taken out (see nfc.text)."""
    return without_direction_controls(text)
