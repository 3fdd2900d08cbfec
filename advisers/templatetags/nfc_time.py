from django import template

from advisers.selectors import hours_to_days

register = template.Library()


@register.filter
def as_days(hours) -> str:
    """Hours of support as days, e.g. 11.25 -> "1.5"."""
    days = hours_to_days(hours or 0)
    return f"{days.normalize():f}"
