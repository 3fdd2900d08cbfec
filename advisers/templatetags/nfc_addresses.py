from django import template

from advisers import navigation

register = template.Library()


@register.simple_tag
def address(url_name: str) -> str:
    """{% url %} for a page with no arguments, worked out once a process:
    base.html names five to nine on every page."""
    return navigation.address(url_name)
