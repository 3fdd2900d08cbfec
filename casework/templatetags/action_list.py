"""casework/_action_list.html's rows, written once for the list: the list is
on the busiest pages (an area's, an adviser's caseload), where the template's
loop of a dozen values an action cost more than its query, and an address
reversed row by row more still."""

from urllib.parse import quote

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from advisers.permissions import may_change_action
from areas import links

register = template.Library()


@register.simple_tag(takes_context=True)
def action_lines(context, actions) -> SafeString:
    """``{% action_lines actions %}``: an <li> for each of ``actions``, as
    the template's loop wrote it: the action, its area's page (where the
    list shows areas), its owner and due day, and the links to change it and
    mark it done for those who may."""
    user = context["user"]
    show_area = context.get("show_area")
    area_page = links.area_page_addresses()
    change = links.addresses("casework:action_change", 1)
    done = links.addresses("casework:action_done", 1)
    here = context["request"].get_full_path()
    back_here = "?next=" + quote(here, safe="/")
    # The same for every row: the form's token and where it returns to.
    csrf_token = context.get("csrf_token")
    if csrf_token and csrf_token != "NOTPROVIDED":
        token_input = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        )
    else:
        token_input = ""
    next_value = escape(here)
    # Most lists have one owner or a few: each named once.
    owners: dict[int, str] = {}
    # Whether the person may change an action turns on its owner and its
    # area alone (may_change_action): asked once for each pair.
    may_change: dict[tuple[int, int], bool] = {}
    lines = []
    for action in actions:
        description = conditional_escape(action.description)
        if show_area:
            area = (
                f' · <a href="{escape(area_page(action.area.ward_code))}">'
                f"{conditional_escape(action.area.name)}</a>"
            )
        else:
            area = ""
        if action.owner_id not in owners:
            owners[action.owner_id] = conditional_escape(str(action.owner))
        overdue = ' <strong class="overdue">overdue</strong>' if action.is_overdue else ""
        asked = (action.owner_id, action.area_id)
        if asked not in may_change:
            may_change[asked] = may_change_action(user, action)
        if may_change[asked]:
            changes = (
                f'\n          · <a href="{escape(change(action.pk) + back_here)}">Change'
                f'<span class="visually-hidden">: {description}</span></a>\n'
                f'          <form method="post" action="{escape(done(action.pk))}"'
                ' class="inline-form">\n'
                f"            {token_input}\n"
                f'            <input type="hidden" name="next" value="{next_value}">\n'
                '            <button type="submit" class="link-button">Mark done'
                f'<span class="visually-hidden">: {description}</span></button>\n'
                "          </form>\n        "
            )
        else:
            changes = ""
        lines.append(
            "\n      <li>\n"
            f"        <strong>{description}</strong>\n"
            f"        {area}\n"
            f"        · {owners[action.owner_id]} · by "
            f"{action.due_on:%-d %b %Y}{overdue}\n"
            f"        {changes}\n"
            "      </li>\n    "
        )
    # Every value from the database, the request or the settings is escaped
    # above; the rest is this function's own markup.
    return mark_safe("".join(lines))
