from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """``mapping[key]``, for keys held in variables."""
    return mapping.get(key) if mapping else None


@register.filter
def sum_of(rows, key: str):
    """The total of ``key`` over a list of dicts."""
    return sum(row[key] for row in rows)
