from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def get(mapping, key):
    """``mapping[key]``, for keys held in variables."""
    return mapping.get(key) if mapping else None


@register.filter
def sum_of(rows, key: str):
    """The total of ``key`` over a list of dicts."""
    return sum(row[key] for row in rows)


@register.filter
def timedelta_words(every) -> str:
    """A job's period in words: "1 day", "5 minutes"."""
    seconds = int(every.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


@register.filter
def job_is_late(state) -> bool:
    return state.is_late(timezone.now())
