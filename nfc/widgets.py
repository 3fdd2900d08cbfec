"""Form widgets drawn in Python where Django's templates cost too much."""

import html

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


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
    of the public forms took two thirds of the page's time. Each option is
    written with the standard library's escape (which Django's escape
    calls), not format_html: for 225 options Django's wrappers around it
    were still most of the form's time."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}

        def option(choice, label) -> str:
            choice = "" if choice is None else str(choice)
            selected = " selected" if choice in chosen else ""
            label = html.escape(str(label))
            return f'<option value="{html.escape(choice)}"{selected}>{label}</option>'

        parts = []
        for choice, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(f'<optgroup label="{html.escape(str(choice))}">')
                parts.extend(option(*member) for member in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(choice, label))
        # Every name, value and label in it was escaped above.
        options = mark_safe("".join(parts))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            _attributes(self.build_attrs(self.attrs, attrs)),
            options,
        )
