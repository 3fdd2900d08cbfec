from django import template

register = template.Library()


@register.filter
def as_percent(share: float | None) -> str:
    """A share (0 to 1) as a whole percentage that never rounds a few people
    down to none, or nearly all up to all."""
    if share is None:
        return ""
    percent = round(share * 100)
    if percent == 0 and share > 0:
        return "less than 1%"
    if percent == 100 and share < 1:
        return "more than 99%"
    return f"{percent}%"
