"""The portal's form renderer (settings.FORM_RENDERER): Django's own form
templates drawn in plain Python.

Drawing a field through Django's templates takes a template and several
included ones per field, and one more per option of a select: on the
request list and the help form that was most of the page's time. Here the
templates the portal uses are written out in Python, giving the same HTML
byte for byte (tests/nfc/test_form_rendering.py compares every form of the
portal through both). Every value goes through the same escaping as the
template's {{ }} (conditional_escape, or html.escape, which Django's escape
calls, for a plain str), so typed input is escaped as before.

A template not known here, or known but overridden (a file of that name
found before Django's own, by the renderer's template engine), is drawn by
Django's template as before: an override keeps winning.
"""

import html
from collections.abc import Callable
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

_DJANGO_TEMPLATES = str(Path(django.forms.__file__).parent / "templates") + "/"


class _NotDrawn(Exception):
    """A template this module draws was asked for something it does not
    draw (an option with its own template): Django's template draws it."""


def _text(value) -> str:
    """`{{ value }}` in a template: localised, then escaped unless safe."""
    if type(value) is str:
        # What Django's escape() calls, without its lazy-argument wrapper
        # (a measurable part of a long select's time).
        return html.escape(value)
    value = localize(template_localtime(value))
    if not isinstance(value, str):
        value = str(value)
    return conditional_escape(value)


def _as_s(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps safe text safe."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = str(value)
    except (ValueError, TypeError):
        return ""
    if isinstance(value, SafeData):
        return text
    return conditional_escape(text)


def _attrs(attrs) -> str:
    """django/forms/attrs.html and django/forms/widgets/attrs.html."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(" " + _text(name))
        elif value is not False:
            parts.append(f' {_text(name)}="{_as_s(value)}"')
    return "".join(parts)


def _input(widget) -> str:
    """django/forms/widgets/input.html, with its closing newline."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_as_s(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def _draw_input(context) -> str:
    return _input(context["widget"])


def _draw_textarea(context) -> str:
    widget = context["widget"]
    value = widget["value"]
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>\n"
    )


_SELECT_OPTION = "django/forms/widgets/select_option.html"


def _draw_select(context) -> str:
    widget = context["widget"]
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option["template_name"] != _SELECT_OPTION:
                raise _NotDrawn
            parts.append(
                f'\n  <option value="{_as_s(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


_INPUT_OPTIONS = {
    "django/forms/widgets/radio_option.html",
    "django/forms/widgets/checkbox_option.html",
}


def _draw_multiple_input(context) -> str:
    """radio.html and checkbox_select.html (multiple_input.html), each
    option through radio_option.html or checkbox_option.html."""
    widget = context["widget"]
    id_ = widget["attrs"].get("id")
    css_class = widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{_text(id_)}"' if id_ else "",
        f' class="{_text(css_class)}"' if css_class else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option["template_name"] not in _INPUT_OPTIONS:
                raise _NotDrawn
            drawn = _input(option)
            if option["wrap_label"]:
                option_id = option["attrs"].get("id")
                label_for = f' for="{_text(option_id)}"' if option_id else ""
                drawn = f"<label{label_for}>{drawn} {_text(option['label'])}</label>"
            # input_option.html and the radio/checkbox option template
            # around it each end with a newline.
            parts.append(f"<div>\n    {drawn}\n\n</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _draw_label(context) -> str:
    label = _text(context["label"])
    if not context["use_tag"]:
        return label
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


def _draw_errors(context) -> str:
    """errors/list/default.html (ul.html)."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    shown_id = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{shown_id}>{items}</ul>'


def _draw_field(context) -> str:
    """field.html, as `{{ field.as_field_group }}` draws it."""
    field = context["field"]
    if field.use_fieldset:
        described = field.aria_describedby
        described_by = f' aria-describedby="{_text(described)}"' if described else ""
        head = f"\n  <fieldset{described_by}>\n  {field.legend_tag() if field.label else ''}\n"
        tail = "</fieldset>"
    else:
        head = f"\n  {field.label_tag() if field.label else ''}\n"
        tail = ""
    help_text = ""
    if field.help_text:
        help_id = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        # The template marks help text safe (|safe): the form's author
        # wrote it, never a visitor.
        help_text = f'<div class="helptext"{help_id}>{field.help_text}</div>'
    # The label, errors and widget are drawn (and escaped) by this renderer.
    return f"{head}\n{help_text}\n{field.errors}\n{field}{tail}\n"


def _draw_form(context) -> str:
    """div.html, as `{{ form }}` draws it."""
    errors = context["errors"]
    fields = context["fields"]
    hidden = "".join(str(field) for field in context["hidden_fields"])
    parts = [f"{errors}\n"]
    if errors and not fields:
        parts.append(f"\n  <div>{hidden}</div>\n")
    parts.append("\n")
    last = len(fields) - 1
    for number, (field, _errors) in enumerate(fields):
        classes = field.css_classes()
        shown_class = f' class="{_text(classes)}"' if classes else ""
        parts.append(f"\n  <div{shown_class}>\n    {field.as_field_group()}\n    ")
        if number == last:
            parts.append(f"\n      {hidden}\n    ")
        parts.append("\n</div>\n")
    parts.append("\n")
    if not fields and not errors:
        parts.append(f"\n  {hidden}\n")
    return "".join(parts)


_INPUT = ("django/forms/widgets/input.html", "django/forms/widgets/attrs.html")
_INPUT_TYPES = (
    *("text", "email", "number", "date", "datetime", "time", "url", "tel"),
    *("password", "hidden", "search", "color", "checkbox"),
)
_MULTIPLE = (
    "django/forms/widgets/multiple_input.html",
    "django/forms/widgets/input_option.html",
    "django/forms/widgets/radio_option.html",
    "django/forms/widgets/checkbox_option.html",
    *_INPUT,
)

# Each template drawn here, how, and every template it would include (all
# must be Django's own for the Python drawing to be the same).
_DRAWN: dict[str, tuple[Callable[[dict], str], tuple[str, ...]]] = {
    **{f"django/forms/widgets/{kind}.html": (_draw_input, _INPUT) for kind in _INPUT_TYPES},
    "django/forms/widgets/input.html": (_draw_input, _INPUT),
    "django/forms/widgets/textarea.html": (_draw_textarea, ("django/forms/widgets/attrs.html",)),
    "django/forms/widgets/select.html": (
        _draw_select,
        (_SELECT_OPTION, "django/forms/widgets/attrs.html"),
    ),
    "django/forms/widgets/radio.html": (_draw_multiple_input, _MULTIPLE),
    "django/forms/widgets/checkbox_select.html": (_draw_multiple_input, _MULTIPLE),
    "django/forms/label.html": (_draw_label, ("django/forms/attrs.html",)),
    "django/forms/errors/list/default.html": (
        _draw_errors,
        ("django/forms/errors/list/ul.html",),
    ),
    "django/forms/errors/list/ul.html": (_draw_errors, ()),
    "django/forms/field.html": (_draw_field, ()),
    "django/forms/div.html": (_draw_form, ()),
}


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with the templates above drawn in Python."""

    def __init__(self) -> None:
        super().__init__()
        self._drawers: dict[str, Callable[[dict], str] | None] = {}

    def _is_djangos(self, template_name: str) -> bool:
        origin = self.get_template(template_name).template.origin.name
        return str(origin).startswith(_DJANGO_TEMPLATES)

    def _drawer(self, template_name: str) -> Callable[[dict], str] | None:
        try:
            return self._drawers[template_name]
        except KeyError:
            pass
        drawer = None
        if template_name in _DRAWN:
            draw, included = _DRAWN[template_name]
            if all(self._is_djangos(name) for name in (template_name, *included)):
                drawer = draw
        self._drawers[template_name] = drawer
        return drawer

    def render(self, template_name, context, request=None):
        drawer = self._drawer(template_name)
        if drawer is not None:
            try:
                return drawer(context).strip()
            except _NotDrawn:
                pass
        return super().render(template_name, context, request=request)


class ChoicesReadOnce(BaseChoiceIterator):
    """A field's choices read by `read` when the field is first drawn, and
    put in Django's shape once. Given a plain callable instead, Django puts
    every choice in shape again each time the widget looks at them (twice
    a draw: for the required attribute and for the options), a millisecond
    for the 225 areas of the public forms."""

    def __init__(self, read: Callable[[], list]) -> None:
        self.read = read
        self.choices: list | None = None

    def __iter__(self):
        if self.choices is None:
            self.choices = normalize_choices(self.read())
        return iter(self.choices)
