"""Form widgets drawn in Python where Django's templates cost too much."""

from django import forms
from django.utils.html import format_html, format_html_join


def _attributes(attrs: dict):
    """` name="value"` for each attribute, as Django's attrs.html writes them
    (True: the name alone; False: left out), escaped."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class PlainSelect(forms.Select):
    """A select drawn as Django's own template draws it, but in Python: the
    template includes one more template an option, which for the 225 areas
    of the events registration form took two thirds of the page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]

        def options(group):
            return format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], _attributes(option["attrs"]), option["label"])
                    for option in group
                ),
            )

        groups = format_html_join(
            "",
            "{}",
            (
                (
                    format_html('<optgroup label="{}">{}</optgroup>', group_name, options(group))
                    if group_name
                    else options(group),
                )
                for group_name, group, _ in widget["optgroups"]
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], _attributes(widget["attrs"]), groups
        )
