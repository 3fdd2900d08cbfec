"""includes/time_record_form.html's fields for a fresh form, written once
in Python: on an adviser's home page the form's field templates (a
template for each field, each option and each radio button) cost more than
the rest of the page's template."""

import html

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _options(choices, selected) -> str:
    return "".join(
        f'  <option value="{html.escape(str(value))}"{" selected" if value == selected else ""}>'
        f"{html.escape(str(label))}</option>\n\n"
        for value, label in choices
    )


def _radios(choices, checked) -> str:
    return "".join(
        f'<div>\n    <label for="id_unit_{n}"><input type="radio" name="unit" '
        f'value="{html.escape(str(value))}" required id="id_unit_{n}"'
        f"{' checked' if value == checked else ''}>"
        f"\n {html.escape(str(label))}</label>\n\n</div>"
        for n, (value, label) in enumerate(choices)
    )


@register.simple_tag
def fresh_time_form_fields(form) -> SafeString:
    """``{% fresh_time_form_fields time_form %}``: the area, date, amount,
    unit, kind and note fields of an unbound TimeRecordForm (no errors, no
    fixed area), as their ``as_field_group`` and widget templates drew them,
    from a FreshTimeRecordForm (its areas, and the form class's fields)."""
    fields = form.fields
    # As the form asks its date field's initial (a callable: today).
    initial = fields["date"].initial
    day = initial() if callable(initial) else initial
    drawn = (
        '<div><label for="id_area">Area:</label>\n\n\n\n<select name="area" id="id_area">\n'
        f"{_options(form.area_choices, None)}</select></div>\n  \n"
        '  <div><label for="id_date">Date:</label>\n\n\n\n'
        f'<input type="date" name="date" value="{day:%Y-%m-%d}" required id="id_date"></div>\n'
        '  <div class="inline-fields">\n'
        '    <div><label for="id_amount">How long:</label>\n\n\n\n'
        f'<input type="number" name="amount" value="{html.escape(str(fields["amount"].initial))}" '
        'min="0.1" max="24" step="0.01" required id="id_amount"></div>\n'
        "    <fieldset>\n"
        "      <legend>In</legend>\n"
        f'      <div id="id_unit">{_radios(fields["unit"].choices, fields["unit"].initial)}\n'
        "</div>\n"
        "    </fieldset>\n"
        "  </div>\n"
        '  <div><label for="id_kind">What kind:</label>\n\n\n\n<select name="kind" id="id_kind">\n'
        f"{_options(fields['kind'].choices, fields['kind'].initial)}</select></div>\n"
        '  <div><label for="id_note">Note:</label>\n\n\n\n'
        '<input type="text" name="note" maxlength="200" id="id_note"></div>'
    )
    # Every value from the form, the database or the settings is escaped
    # above; the rest is this function's own markup.
    return mark_safe(drawn)
