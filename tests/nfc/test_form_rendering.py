"""nfc.form_rendering: every form of the portal drawn by it is the same
HTML, byte for byte, as drawn by Django's own templates, unbound and bound
with wrong input (errors shown), and typed input is escaped the same way."""

import datetime
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.http import QueryDict

from advisers.models import Role
from areas.models import Area
from casework import data_requests
from casework.models import Action, Interaction, Partner, Referral
from events.models import Event
from nfc.form_rendering import ChoicesReadOnce, FormRenderer
from tests.factories import EventFactory, SupportRequestFactory, UserFactory

APPS = ("advisers", "areas", "casework", "events", "evaluation", "nfc")
# A base that cannot be made on its own: its subclasses name its salt.
NOT_MADE = {"nfc.public_forms.PublicFormDefence"}
NASTY = "<script>alert('x')</script> & \"quoted\""


def _project_forms() -> dict[str, type[forms.BaseForm]]:
    found = {}
    for app in APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in module_info.name or ".management" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for value in vars(module).values():
                if (
                    inspect.isclass(value)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__.split(".")[0] in APPS
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


FORMS = _project_forms()


@pytest.fixture
def arguments(hendon, adviser, manager):
    """What each form that needs more than its data is made with, by name;
    a list gives several ways (each is drawn)."""
    areas = Area.objects.filter(pk=hendon.pk)
    support_request = SupportRequestFactory(area=hendon)
    action = Action.objects.create(
        area=hendon, owner=adviser, description="Ring the <chair>", due_on=datetime.date(2026, 7, 1)
    )
    interaction = Interaction.objects.create(
        area=hendon,
        date=datetime.date(2026, 7, 1),
        kind=Interaction.Kind.MEETING,
        residents=3,
        new_residents=1,
        notes="Met & talked",
        logged_by=adviser,
    )
    partner = Partner.objects.create(name="Planning Aid North", expertise=["planning"])
    referrals = [
        Referral.objects.create(
            area=hendon,
            partner=partner,
            help_asked="Lease",
            status=status,
            requested_on=datetime.date(2026, 7, 1),
        )
        for status in (
            Referral.Status.REQUESTED,
            Referral.Status.ACCEPTED,
            Referral.Status.DELIVERED,
        )
    ]
    event: Event = EventFactory(published=True)
    return {
        "advisers.forms.TimeRecordForm": {"areas": areas},
        "areas.forms.StageChangeForm": {"user": manager, "area": hendon},
        "casework.data_request_views.ChooseForm": {
            "found": data_requests.ResidentRecords(support_requests=[support_request])
        },
        "casework.forms.ActionChangeForm": {"action": action, "writer": adviser},
        "casework.forms.ActionForm": {"areas": areas, "writer": adviser},
        "casework.forms.AuditFilterForm": [{"user": manager}, {"user": adviser}],
        "casework.forms.InteractionCorrectionForm": {
            "interaction": interaction,
            "writer": adviser,
        },
        "casework.forms.InteractionForm": {"areas": areas, "writer": adviser},
        "casework.referral_views.ReferralForm": {"areas": areas},
        "casework.referral_views.ReferralStepForm": [
            {"referral": referral} for referral in referrals
        ],
        "evaluation.forms.DeliveryFilterForm": [
            {"for_manager": True, "in_region": False},
            {"for_manager": False, "in_region": True},
        ],
        "evaluation.forms.ReportStartForm": {
            "user": UserFactory(role=Role.EVALUATOR),
            "today": datetime.date(2026, 11, 30),
        },
        "events.checkin_forms.WalkInForm": {"event": event},
        "events.forms.EventForm": [{"user": manager}, {"user": adviser}],
        "events.network_forms.ConnectionForm": {
            "own_areas": areas,
            "events": Event.objects.filter(pk=event.pk),
        },
        "events.resident_data_views.RegistrationCorrectForm": [
            {"walk_in": False},
            {"walk_in": True},
        ],
    }


def _data(form: forms.BaseForm, *, choose: bool) -> QueryDict:
    """Wrong input in every field (or, with `choose`, a real choice in each
    field with choices, so options are drawn selected)."""
    data = QueryDict(mutable=True)
    for name, field in form.fields.items():
        value = NASTY
        choices = [key for key, _label in getattr(field, "choices", []) or [] if key != ""]
        if choose and choices and not isinstance(choices[0], (list, tuple)):
            value = str(getattr(choices[-1], "value", choices[-1]))
        data.setlist(form.add_prefix(name), [value])
    return data


def _drawn(form: forms.BaseForm, renderer) -> str:
    """The whole form and each field as the portal's templates draw them,
    with nothing drawn before (errors are made with the form's renderer)."""
    form.renderer = renderer
    form._errors = None
    form._bound_fields_cache = {}
    parts = [str(form), str(form.non_field_errors())]
    for field in form:
        parts += [str(field.as_field_group()), str(field.errors), str(field), field.label_tag()]
    return "\n".join(parts)


def _made(name: str, kind: type[forms.BaseForm], arguments):
    ways = arguments.get(name, {})
    for kwargs in ways if isinstance(ways, list) else [ways]:
        yield kind(**kwargs)
        shape = kind(**kwargs)
        for data in (QueryDict(), _data(shape, choose=False), _data(shape, choose=True)):
            yield kind(data, **kwargs)


def test_the_portal_draws_its_forms_with_the_python_renderer():
    assert isinstance(get_default_renderer(), FormRenderer)


def test_every_form_of_the_portal_is_drawn_as_djangos_templates_draw_it(arguments):
    assert len(FORMS) > 40, "the forms were not found"
    django, ours = DjangoTemplates(), FormRenderer()
    drawn = 0
    for name, kind in sorted(FORMS.items()):
        if name in NOT_MADE:
            continue
        for form in _made(name, kind, arguments):
            expected = _drawn(form, django)
            assert _drawn(form, ours) == expected, name
            drawn += 1
    assert drawn > 150
    # Every template the portal's forms use was drawn in Python.
    assert sorted(ours._drawers) == sorted(
        name for name, drawer in ours._drawers.items() if drawer is not None
    )


def test_typed_input_is_escaped_as_django_escapes_it():
    class Typed(forms.Form):
        text = forms.CharField(max_length=3)
        note = forms.CharField(widget=forms.Textarea)
        pick = forms.ChoiceField(choices=[("a", "A & <b>")])
        ticks = forms.MultipleChoiceField(
            choices=[("x", 'X "1"'), ("y", "Y")], widget=forms.CheckboxSelectMultiple
        )

    data = QueryDict(mutable=True)
    for name in Typed.base_fields:
        data.setlist(name, [NASTY])
    django = _drawn(Typed(data), DjangoTemplates())
    ours = _drawn(Typed(data), FormRenderer())
    assert ours == django
    assert "<script>" not in ours
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;"
    assert f'value="{escaped}"' in ours
    assert f"{escaped}</textarea>" in ours
    assert "A &amp; &lt;b&gt;</option>" in ours
    assert "X &quot;1&quot;</label>" in ours


def test_an_overridden_template_keeps_winning(tmp_path, settings):
    """A form template of the same name found before Django's own is drawn
    by the template engine, not by the Python drawing."""
    override = tmp_path / "django" / "forms" / "widgets"
    override.mkdir(parents=True)
    (override / "text.html").write_text('<input class="ours" name="{{ widget.name }}">')

    class Overridden(FormRenderer):
        @property
        def engine(self):
            return self.backend(
                {
                    "APP_DIRS": False,
                    "DIRS": [tmp_path, Path(forms.__file__).parent / "templates"],
                    "NAME": "overridden",
                    "OPTIONS": {},
                }
            )

    html = forms.TextInput().render("who", "x", renderer=Overridden())
    assert html == '<input class="ours" name="who">'


def test_choices_read_once_are_read_when_first_drawn_and_only_once():
    reads = []

    def read():
        reads.append(1)
        return [("", "Choose"), ("North", [("1", "Hendon")])]

    field = forms.ChoiceField(required=True)
    field.choices = ChoicesReadOnce(read)
    assert reads == []
    html = field.widget.render("area", "1")
    assert field.widget.use_required_attribute("1")
    assert reads == [1]
    assert '<optgroup label="North">' in html
    assert '<option value="1" selected>Hendon</option>' in html
