"""nfc.widgets: drawn as Django's own templates draw them, and escaped."""

import re

from django import forms

from nfc.widgets import PlainSelect

CHOICES = [
    ("", "Choose one"),
    ("none", "Not one of these"),
    ("Sunderland", [("1", "Hendon"), ("2", 'Ryhope <& "Grangetown">')]),
]


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_a_plain_select_is_drawn_as_djangos_select():
    for value in ("", "2", None):
        attrs = {"id": "id_area", "required": True, "aria-describedby": "area_help"}
        ours = PlainSelect(choices=CHOICES).render("area", value, attrs)
        django = forms.Select(choices=CHOICES).render("area", value, attrs)
        assert _tags(ours) == _tags(django)


def test_a_plain_select_escapes_its_labels_and_values():
    html = PlainSelect(choices=[('"><script>', "<script>alert(1)</script>")]).render("x", "")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&quot;&gt;&lt;script&gt;"' in html
