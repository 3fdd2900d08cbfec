"""What an area's first page lists of it besides its own row (its advisers,
community worker, stage changes, types and contacts), read in one
statement: the same rows, fields and order as the ORM's reads of each; and
its interactions, written in Python as its template wrote them."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template import engines
from django.template.defaultfilters import truncatechars
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisers import services as staff_services
from advisers.models import AdviserAssignment, CommunityWorkerAllocation, User
from advisers.roles import Role
from areas.models import Area, AreaType, LocalContact, Partnership, Stage
from areas.selectors import first_page_lists
from areas.services import area_change_stage, local_contact_add, stage_change_withdraw
from areas.views import (
    AREA_PAGES,
    _contents_lines,
    _facts_and_people,
    _interaction_lines,
    _interactions,
    _partnership_lines,
    _shortened,
    _stage_changes,
    _stage_lines,
)
from casework.services import interaction_log
from tests.factories import AreaFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

# The page's loop over its interactions, as its template wrote it before
# _interaction_lines: what that function must write, to the byte.
LOOP = (
    "{% load nfc_time %}{% for interaction in interactions %}\n"
    '        <li class="interaction">\n'
    "          <strong>{{ interaction.day }}: {{ interaction.get_kind_display }}</strong>"
    " by {{ interaction.logged_by }}{% if interaction.minutes %},"
    " {{ interaction.minutes|as_duration }}{% endif %}{% if interaction.residents %},"
    " {{ interaction.residents }} resident{{ interaction.residents|pluralize }}"
    "{% if interaction.new_residents %} ({{ interaction.new_residents }} new){% endif %}"
    "{% endif %}\n"
    '          {% if interaction.about %}<br><span class="muted">About:'
    " {{ interaction.about }}</span>{% endif %}\n"
    '          {% if interaction.time_record_id %}<br><span class="muted">Counted as time'
    " given.</span>{% endif %}\n"
    '          {% if interaction.correct_url %}<br><a href="{{ interaction.correct_url }}">'
    'Correct<span class="visually-hidden"> the {{ interaction.get_kind_display|lower }}'
    " of {{ interaction.day }}</span></a>{% endif %}\n"
    "          {% if can_see_notes %}\n"
    "            {% if interaction.notes %}<br>{{ interaction.notes_shown }}{% endif %}\n"
    '            {% if interaction.next_steps %}<br><span class="muted">Next steps:</span>'
    " {{ interaction.next_steps_shown }}{% endif %}\n"
    "          {% endif %}\n"
    "        </li>\n"
    "      {% endfor %}"
)

# The stage timeline's loop and the contents list's (areas/_area_header.html),
# as the templates wrote them before _stage_lines and _contents_lines.
TIMELINE_LOOP = (
    "{% for change in stage_changes %}\n"
    "        {% if change.withdrawn_at %}\n"
    '          <li class="withdrawn"><del><strong>{{ change.get_stage_display }}</strong>'
    " from {{ change.day }}</del>\n"
    "            (withdrawn {{ change.withdrawn_day }}{% if change.withdrawn_by %}"
    " by {{ change.withdrawn_by }}{% endif %}{% if can_see_notes %}:"
    " {{ change.withdrawn_reason }}{% endif %})</li>\n"
    "        {% else %}\n"
    "          <li><strong>{{ change.get_stage_display }}</strong> from {{ change.day }}"
    "{% if can_see_notes and change.note %}: {{ change.note }}{% endif %}"
    '{% if can_correct_stages %} · <a href="{{ change.correct_url }}">Correct'
    '<span class="visually-hidden"> {{ change.get_stage_display }} from {{ change.day }}'
    "</span></a>{% endif %}</li>\n"
    "        {% endif %}\n"
    "      {% endfor %}"
)
CONTENTS_LOOP = (
    "{% for item in contents %}\n"
    '      <li>{% if item.current %}<a href="{{ item.url }}" aria-current="page">'
    "<strong>{{ item.title }}</strong></a>{% else %}"
    '<a href="{{ item.url }}">{{ item.title }}</a>{% endif %}</li>\n'
    "    {% endfor %}"
)
CONTACTS_LOOP = (
    "{% for contact in contacts %}\n"
    "          <li>{{ contact.name }}, {{ contact.get_kind_display|lower }}"
    "{% if contact.role %} ({{ contact.role }}){% endif %}"
    "{% if contact.organisation %}, {{ contact.organisation }}{% endif %}"
    '{% if contact.email %}: <a href="mailto:{{ contact.email }}">{{ contact.email }}</a>'
    "{% endif %}{% if contact.phone %} {{ contact.phone }}{% endif %}\n"
    "            {% if can_edit %}\n"
    '              <form method="post" action="{{ contact.remove_url }}" class="inline-form">\n'
    "                {% csrf_token %}\n"
    '                <button type="submit" class="link-button">Remove'
    '<span class="visually-hidden"> {{ contact.name }}</span></button>\n'
    "              </form>\n"
    "            {% endif %}\n"
    "          </li>\n"
    "        {% endfor %}"
)

# The first page's facts and people, as its template drew them before
# _facts_and_people.
FACTS_AND_PEOPLE = (
    "<h2>Facts</h2>\n"
    '  <dl class="facts">\n'
    "    <dt>Type</dt><dd>{% for type in types %}{{ type.name }}"
    "{% if not forloop.last %}, {% endif %}{% empty %}Not recorded{% endfor %}</dd>\n"
    '    <dt>Population</dt><dd>{{ area.population|default_if_none:"Not recorded" }}'
    "</dd>\n"
    "    <dt>People in England's most deprived tenth</dt><dd>"
    "{% if area.share_most_deprived is not None %}"
    "{{ area.share_most_deprived|as_percent }} ({{ area.population_most_deprived }})"
    "{% else %}Not recorded{% endif %}</dd>\n"
    "    <dt>IMD 2019 rank (1 is most deprived)</dt><dd>"
    '{{ area.imd_rank|default_if_none:"Not recorded" }}{% if area.imd_decile %}, decile '
    "{{ area.imd_decile }}{% endif %}</dd>\n"
    "    <dt>Community Needs Index rank</dt><dd>"
    '{{ area.cni_rank|default_if_none:"Not recorded" }}</dd>\n'
    "    <dt>In the programme</dt><dd>{% if area.in_programme %}"
    "{{ area.get_cohort_display }} cohort, since "
    '{{ area.joined_on|date:"j F Y"|default:"(date not recorded)" }}'
    "{% elif area.cohort %}No: it has left ({{ area.get_cohort_display }} cohort, joined "
    '{{ area.joined_on|date:"j F Y"|default:"on a date not recorded" }}){% else %}No'
    "{% endif %}</dd>\n"
    '    <dt>Stage</dt><dd>{{ area.get_stage_display|default:"–" }}</dd>\n'
    "  </dl>\n"
    '  {% if can_see_notes and area.notes %}<h3>Notes</h3><p class="notes">'
    "{{ area.notes|linebreaksbr }}</p>{% endif %}\n"
    '  {% if can_edit %}<p><a href="{{ addresses.facts }}">Change its types and notes</a>'
    "</p>{% endif %}\n"
    '  {% if can_manage_caseloads and not area.in_programme %}<p><a href="'
    '{{ addresses.join }}">Bring {{ area.name }} into the programme</a></p>{% endif %}\n'
    "\n"
    "  <h2>People</h2>\n"
    '  <p>Named adviser: <strong>{{ current_assignment.adviser|default:"none" }}'
    "</strong>.\n"
    "  Community worker: <strong>{% if current_allocation %}"
    "{{ current_allocation.worker }} ("
    '{{ current_allocation.days_per_month|floatformat:"-1" }} days a month){% else %}none'
    "{% endif %}</strong>.</p>\n"
    '  {% if can_manage_caseloads %}<p><a href="'
    '{{ addresses.assign }}">Change who works here</a></p>{% endif %}\n'
    '  {% if can_edit and current_assignment %}<p><a href="'
    '{{ addresses.handover }}">Handover page</a> · <a href="'
    '{{ addresses.handover_note }}">Write the handover note</a></p>{% endif %}\n'
    "  {% if adviser_assignments|length > 1 %}\n"
    "    <details>\n"
    "      <summary>Earlier advisers</summary>\n"
    "      <ul>\n"
    "        {% for assignment in adviser_assignments %}{% if assignment.ended_on %}\n"
    '          <li>{{ assignment.adviser }}, {{ assignment.started_on|date:"j M Y" }} to '
    '{{ assignment.ended_on|date:"j M Y" }}</li>\n'
    "        {% endif %}{% endfor %}\n"
    "      </ul>\n"
    "    </details>\n"
    "  {% endif %}"
)

# The partnership and its link, as the first page's template drew them
# before _partnership_lines.
PARTNERSHIP = (
    "{% if partnership %}\n"
    "      <p><strong>{{ partnership.name }}</strong>{% if partnership.trusted_organisation %},"
    " with {{ partnership.trusted_organisation }} as its Locally Trusted Organisation"
    "{% endif %}.\n"
    "      {% if partnership.contact_name or partnership.contact_email"
    " or partnership.contact_phone %}Contact: {{ partnership.contact_name }}"
    '{% if partnership.contact_email %} <a href="mailto:{{ partnership.contact_email }}">'
    "{{ partnership.contact_email }}</a>{% endif %}{% if partnership.contact_phone %}"
    " {{ partnership.contact_phone }}{% endif %}{% endif %}</p>\n"
    "    {% else %}\n"
    "      <p>No partnership recorded yet.</p>\n"
    "    {% endif %}\n"
    '    {% if can_edit %}<p><a href="{{ addresses.partnership }}">{% if partnership %}'
    "Change the partnership{% else %}Add the partnership{% endif %}</a></p>{% endif %}"
)


def _assignments(rows):
    return [(a.pk, a.adviser_id, str(a.adviser), a.started_on, a.ended_on) for a in rows]


def _changes(rows):
    return [
        (
            c.pk,
            c.stage,
            c.changed_on,
            c.note,
            c.withdrawn_at,
            c.withdrawn_reason,
            c.withdrawn_by_id,
            str(c.withdrawn_by) if c.withdrawn_by else None,
        )
        for c in rows
    ]


def _contacts(rows):
    return [
        (c.pk, c.name, c.kind, c.role, c.organisation, c.email, c.phone, c.get_kind_display())
        for c in rows
    ]


@pytest.fixture
def busy(adviser, community_worker, manager):
    """An area with a history: three advisers in turn, a worker on 2.5 days
    a month, stages moved (the latest withdrawn), three types and contacts
    whose names sort by case."""
    hendon = AreaFactory(name="Hendon")
    start = datetime.date(2026, 4, 1)
    for n, on in enumerate((start, start.replace(month=6), start.replace(month=9))):
        staff_services.area_assign_adviser(
            area=hendon,
            adviser=adviser if n == 0 else UserFactory(role=Role.ADVISER, full_name=f"Next {n}"),
            by=None,
            on=on,
        )
    staff_services.area_allocate_community_worker(
        area=hendon, worker=community_worker, by=None, days_per_month=Decimal("2.5")
    )
    area_change_stage(area=hendon, stage=Stage.YEAR_ZERO, on=start.replace(month=7), note="Met <b>")
    latest = area_change_stage(area=hendon, stage=Stage.DELIVERING, on=start.replace(month=10))
    stage_change_withdraw(change=latest, reason="Typed & wrong", by=manager)
    for slug, name in (("t-edge", "edge of town"), ("t-ring", "Outer ring"), ("t-far", "Far out")):
        hendon.types.add(AreaType.objects.create(slug=slug, name=name))
    for name, kind in (
        ("bea", LocalContact.Kind.COUNCILLOR),
        ("Abe", LocalContact.Kind.COUNCILLOR),
        ("Zed", LocalContact.Kind.LOCAL_GROUP),
    ):
        local_contact_add(area=hendon, name=name, kind=kind, role="Chair", email="c@example.org")
    return hendon


def test_the_lists_are_the_orms_rows_in_the_orms_order_in_one_query(busy):
    with CaptureQueriesContext(connection) as seen:
        lists = first_page_lists(busy, contacts=True)
    assert len(seen.captured_queries) == 1
    assert _assignments(lists.adviser_assignments) == _assignments(
        busy.adviser_assignments.select_related("adviser")
    )
    assert len(lists.adviser_assignments) == 3
    current = busy.community_worker_allocations.current().select_related("worker").get()
    assert lists.allocation is not None
    assert (lists.allocation.pk, str(lists.allocation.worker), lists.allocation.days_per_month) == (
        current.pk,
        str(current.worker),
        Decimal("2.5"),
    )
    assert _changes(lists.stage_changes) == _changes(
        busy.stage_changes.select_related("withdrawn_by")
    )
    assert any(change.withdrawn_at for change in lists.stage_changes)
    assert [(t.pk, t.slug, t.name) for t in lists.types] == [
        (t.pk, t.slug, t.name) for t in busy.types.all()
    ]
    assert lists.contacts is not None
    assert _contacts(lists.contacts) == _contacts(busy.contacts.all())


def test_contacts_are_not_read_unless_asked_for(busy):
    with CaptureQueriesContext(connection) as seen:
        lists = first_page_lists(busy, contacts=False)
    assert lists.contacts is None
    assert "areas_localcontact" not in seen.captured_queries[0]["sql"]


def test_an_area_with_nothing_listed(db):
    lists = first_page_lists(AreaFactory(programme=False), contacts=True)
    assert (lists.adviser_assignments, lists.allocation, lists.stage_changes) == ([], None, [])
    assert (lists.types, lists.contacts) == ([], [])


def test_the_page_shows_them(busy, manager):
    page = client_for(manager).get(f"/staff/areas/{busy.ward_code}/").text
    assert "Next 1" in page
    assert "(2.5 days a month)" in page
    assert "Met &lt;b&gt;" in page
    assert "withdrawn" in page
    assert "Typed &amp; wrong" in page
    # In the database's order, whatever its collation.
    assert ", ".join(t.name for t in busy.types.all()) in page
    names = [page.index(f"<li>{c.name},") for c in busy.contacts.all()]
    assert names == sorted(names)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Short <b>note</b> & more",
        "x" * 299,
        "x" * 300,
        "x" * 301,
        "é" * 400,
        "e\u0301" * 350,  # combining accents do not count towards the length
        "Long <i>note</i> " * 40,
    ],
)
def test_notes_are_shortened_as_truncatechars_would(text):
    for length in (300, 400):
        assert _shortened(text, length) == truncatechars(text, length)


def test_the_interactions_are_written_as_the_template_wrote_them(hendon, adviser, manager):
    today = timezone.localdate()
    for n, fields in enumerate(
        [
            {"kind": "meeting", "residents": 1, "new_residents": 1, "minutes": 90},
            {"kind": "visit", "residents": 12, "topics": ["people", "money"], "notes": "<b>&"},
            {"kind": "call", "minutes": 5, "next_steps": "Ring O'Neil <back>", "notes": "x" * 500},
            {"kind": "email", "residents": 3, "next_steps": "y" * 400, "topics": ["nothing"]},
        ]
    ):
        interaction_log(
            area=hendon,
            by=adviser if n % 2 else manager,
            date=today - datetime.timedelta(n),
            **fields,
        )
    adviser.full_name = "Asha <Adviser> & co"
    adviser.save()
    template = engines["django"].from_string(LOOP)
    for person in (adviser, manager):
        rows = _interactions(person, hendon)
        assert any(row.correct_url for row in rows)
        for can_see_notes in (True, False):
            drawn = template.render({"interactions": rows, "can_see_notes": can_see_notes})
            assert _interaction_lines(rows, can_see_notes=can_see_notes) == drawn


def test_the_interactions_are_the_orms_rows_in_the_orms_order(hendon, adviser, manager):
    """The compiled statement's interactions are those the ORM read: the
    latest ten of the area alone, newest first, each field and its staff's
    name the same, the staff read with them."""
    from areas.views import _INTERACTION_FIELDS, _INTERACTION_OWN

    other = AreaFactory()
    today = timezone.localdate()
    for n in range(13):
        interaction_log(
            area=hendon if n % 4 else other,
            by=adviser if n % 2 else manager,
            date=today - datetime.timedelta(n % 5),
            kind="visit" if n % 3 else "call",
            residents=n,
            minutes=n or None,
            topics=["people", "money"][: n % 3],
            notes=f"<note {n}>",
            next_steps="" if n % 2 else "Ring back",
        )
    for area in (hendon, other, AreaFactory()):
        orm = list(area.interactions.select_related("logged_by").only(*_INTERACTION_FIELDS)[:10])
        with CaptureQueriesContext(connection) as queries:
            ours = _first_page_rows(area, "interactions")
            drawn = [
                (
                    *(getattr(row, name) for name in _INTERACTION_OWN),
                    row.logged_by.pk,
                    row.logged_by.full_name,
                    row.logged_by.email,
                    str(row.logged_by),
                    row.get_kind_display(),
                )
                for row in ours
            ]
        assert len(queries) == 1
        assert drawn == [
            (
                *(getattr(row, name) for name in _INTERACTION_OWN),
                row.logged_by.pk,
                row.logged_by.full_name,
                row.logged_by.email,
                str(row.logged_by),
                row.get_kind_display(),
            )
            for row in orm
        ]
    assert len(_first_page_rows(hendon, "interactions")) == 9


def _first_page_rows(area, name):
    """The page's ``name`` (interactions or actions), as the view makes them."""
    from areas.views import (
        _ACTION_OWN,
        _INTERACTION_OWN,
        _LATEST_INTERACTIONS,
        _OPEN_ACTIONS,
        _as_instances,
    )
    from casework.models import Action, Interaction

    if name == "interactions":
        rows = _LATEST_INTERACTIONS.rows(None, area_id=area.pk)
        return _as_instances(rows, Interaction, _INTERACTION_OWN, staff="logged_by", area=area)
    rows = _OPEN_ACTIONS.rows(None, area_id=area.pk)
    return _as_instances(rows, Action, _ACTION_OWN, staff="owner", area=area)


def test_the_open_actions_are_the_orms_rows_in_the_orms_order(hendon, adviser, manager):
    """The compiled statement's actions are those the ORM read: the area's
    open ones alone, soonest due first, each field, its owner and its area
    the same, read in one query."""
    from areas.views import _ACTION_OWN
    from casework.services import action_add, action_done

    other = AreaFactory()
    today = timezone.localdate()
    for n in range(9):
        action = action_add(
            area=hendon if n % 3 else other,
            by=manager,
            owner=adviser if n % 3 and n % 2 else manager,
            description=f"<Ring> {n} & more",
            due_on=today + datetime.timedelta(n % 4 - 2),
        )
        if n == 4:
            action_done(action=action, by=manager)

    def drawn(rows):
        return [
            (
                *(getattr(row, name) for name in _ACTION_OWN),
                row.owner.pk,
                row.owner.full_name,
                row.owner.email,
                str(row.owner),
                row.area.pk,
                row.is_overdue,
            )
            for row in rows
        ]

    for area in (hendon, other, AreaFactory()):
        orm = area.actions.open().select_related("owner")
        with CaptureQueriesContext(connection) as queries:
            ours = drawn(_first_page_rows(area, "actions"))
        assert len(queries) == 1
        assert ours == drawn(orm)
    assert len(_first_page_rows(hendon, "actions")) == 5


def test_the_stage_timeline_is_written_as_the_template_wrote_it(busy, manager):
    manager.full_name = "Mina <Manager> & co"
    manager.save()
    changes = _stage_changes(busy, first_page_lists(busy, contacts=False).stage_changes)
    assert any(change.withdrawn_at for change in changes)
    assert any(change.note for change in changes)
    # A withdrawal with nobody named (the import's), and one whose reason
    # is empty.
    changes[0].withdrawn_by = None
    changes[-1].withdrawn_at, changes[-1].withdrawn_reason = timezone.now(), ""
    changes[-1].withdrawn_day = "1 May 2026"
    template = engines["django"].from_string(TIMELINE_LOOP)
    for can_see_notes in (True, False):
        for can_correct in (True, False):
            drawn = template.render(
                {
                    "stage_changes": changes,
                    "can_see_notes": can_see_notes,
                    "can_correct_stages": can_correct,
                }
            )
            written = _stage_lines(changes, can_see_notes=can_see_notes, can_correct=can_correct)
            assert written == drawn
    assert "Met &lt;b&gt;" in _stage_lines(changes, can_see_notes=True, can_correct=True)
    assert _stage_lines([], can_see_notes=True, can_correct=True) == ""


def test_the_contents_list_is_written_as_the_template_wrote_it():
    template = engines["django"].from_string(CONTENTS_LOOP)
    contents = [
        {"title": title, "url": f"/staff/areas/E05000001/{n}/?a=1&b=<2>", "current": n == 2}
        for n, (_, _, title, _) in enumerate(AREA_PAGES)
    ]
    contents.append({"title": "Odd <b>title</b> & more", "url": "/x/", "current": False})
    for some in (contents, contents[:1], []):
        assert _contents_lines(some) == template.render({"contents": some})


def test_the_contacts_are_written_as_the_template_wrote_them(busy):
    contacts = first_page_lists(busy, contacts=True).contacts
    assert contacts is not None
    contacts[0].name, contacts[0].organisation = "O'Neil <b>", "Council & co"
    contacts[1].role, contacts[1].email, contacts[1].phone = "", "", "0191 <1>"
    for n, contact in enumerate(contacts):
        contact.remove_url = f"/staff/areas/{busy.ward_code}/contacts/{n}/remove/?a=1&b=2"
    old = engines["django"].from_string(CONTACTS_LOOP)
    new = engines["django"].from_string(
        "{% load area_contacts %}{% contact_lines contacts can_edit %}"
    )
    for token in ("a-token", ""):
        for can_edit in (True, False):
            for some in (contacts, contacts[:1], []):
                context = {"contacts": some, "can_edit": can_edit, "csrf_token": token}
                assert new.render(context) == old.render(context)
    drawn = new.render({"contacts": contacts, "can_edit": True, "csrf_token": "a-token"})
    assert "O&#x27;Neil &lt;b&gt;" in drawn
    assert 'value="a-token"' in drawn


def _facts_contexts():
    """Areas in each state the facts draw, each with people and links."""
    asha = User(full_name="Asha <Adviser> & co", email="asha@example.org")
    ben = User(full_name="", email="ben@example.org")
    areas = [
        Area(
            name="Hendon",
            cohort=1,
            stage=Stage.DELIVERING,
            joined_on=datetime.date(2026, 4, 1),
            population=6000,
            population_most_deprived=3000,
            imd_rank=12,
            imd_decile=1,
            cni_rank=40,
            notes="Line <one>\n\nLine & two",
        ),
        Area(
            name="O'Hare <b>",
            cohort=2,
            stage=Stage.OUTREACH,
            population=5,
            population_most_deprived=9,
        ),
        Area(
            name="Left",
            cohort=3,
            stage=Stage.LEFT,
            joined_on=datetime.date(2019, 1, 2),
            population=0,
            population_most_deprived=0,
            imd_decile=10,
        ),
        Area(
            name="Left, undated",
            cohort=1,
            stage=Stage.LEFT,
            population=1000,
            population_most_deprived=1,
        ),
        Area(name="Never", population=1000, population_most_deprived=999, cni_rank=1),
    ]
    assignments = [
        AdviserAssignment(adviser=asha, started_on=datetime.date(2026, 5, 1)),
        AdviserAssignment(
            adviser=ben, started_on=datetime.date(2025, 1, 3), ended_on=datetime.date(2026, 4, 30)
        ),
        AdviserAssignment(
            adviser=asha, started_on=datetime.date(2024, 2, 9), ended_on=datetime.date(2025, 1, 2)
        ),
    ]
    addresses = {
        name: f"/staff/areas/E05000001/{name}/?a=1&b=<2>"
        for name in ("facts", "join", "assign", "handover", "handover_note")
    }
    types = [AreaType(name="Coastal & <rural>"), AreaType(name="Estate")]
    for n, area in enumerate(areas):
        for flags in range(8):
            some = assignments[: (n + flags) % 4]
            yield {
                "area": area,
                "types": types[: n % 3],
                "can_see_notes": bool(flags & 1),
                "can_edit": bool(flags & 2),
                "can_manage_caseloads": bool(flags & 4),
                "current_assignment": next((a for a in some if a.ended_on is None), None),
                "current_allocation": (
                    CommunityWorkerAllocation(
                        worker=ben, days_per_month=Decimal(("2.5", "2.0")[n % 2])
                    )
                    if flags % 3
                    else None
                ),
                "adviser_assignments": some,
                "addresses": addresses,
            }


def test_the_facts_and_people_are_written_as_the_template_wrote_them(db):
    template = engines["django"].from_string("{% load area_figures %}" + FACTS_AND_PEOPLE)
    seen = set()
    for context in _facts_contexts():
        written = _facts_and_people(context)
        assert written == template.render(context)
        seen.add(written)
    assert len(seen) > 30


def test_the_partnership_is_written_as_the_template_wrote_it():
    template = engines["django"].from_string(PARTNERSHIP)
    address = "/staff/areas/E05000001/partnership/?a=1&b=<2>"
    full = {
        "name": "Hendon <Together> & co",
        "trusted_organisation": "O'Neil Trust",
        "contact_name": "Pat <P>",
        "contact_email": "pat@example.org",
        "contact_phone": "0191 <1>",
    }
    partnerships = [None, Partnership(**full), Partnership(name="Bare")]
    for blank in ("trusted_organisation", "contact_name", "contact_email", "contact_phone"):
        partnerships.append(Partnership(**{**full, blank: ""}))
    partnerships.append(Partnership(name="Phone only", contact_phone="0191 1"))
    for partnership in partnerships:
        for can_edit in (True, False):
            context = {
                "partnership": partnership,
                "can_edit": can_edit,
                "addresses": {"partnership": address},
            }
            written = _partnership_lines(partnership, can_edit=can_edit, address=address)
            assert written == template.render(context)
