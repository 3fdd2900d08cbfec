"""The area page's stage form, written in Python (areas.views.
_stage_form_fields): to the byte what ``{{ form }}`` drew of a fresh
StageChangeForm, for each stage an area can be at and each person who may
move it."""

import pytest
from django.utils import timezone

from areas.forms import StageChangeForm, stage_choices
from areas.models import Stage
from areas.views import _stage_form_fields
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("stage", [value for value, _ in Stage.choices])
@pytest.mark.parametrize("role", ["adviser", "manager"])
def test_the_written_form_is_the_one_django_drew(request, stage, role):
    person = request.getfixturevalue(role)
    area = AreaFactory()
    area.stage = stage
    form = StageChangeForm(user=person, area=area)
    written = _stage_form_fields(stage_choices(person, area))
    if form.has_choices:
        assert written == str(form)
        assert f'value="{timezone.localdate():%Y-%m-%d}"' in written
    else:
        assert written == ""


def test_choices_are_escaped_as_django_escapes_them(manager):
    area = AreaFactory()
    odd = [("a&b", 'Say "<b>hi</b>"'), (Stage.LEAVING, "Leaving & <i>gone</i>")]
    form = StageChangeForm(user=manager, area=area)
    form.fields["stage"].choices = [("", "Choose the new stage"), *odd]
    written = _stage_form_fields(odd)
    assert written == str(form)
    assert "&lt;b&gt;hi&lt;/b&gt;" in written
