"""casework/_action_list.html's rows, made once for the list: the list is on
the busiest pages (an area's, an adviser's caseload), and an address
reversed row by row costs more than its query."""

from urllib.parse import quote

from django import template

from advisers.permissions import may_change_action
from areas import links

register = template.Library()


@register.simple_tag(takes_context=True)
def action_rows(context, actions) -> list:
    """``{% action_rows actions as rows %}``: ``actions``, each with the
    address of its area's page (where the list shows areas), and the
    addresses to change it and mark it done (empty when the person may not),
    the same as ``{% url %}`` would give row by row."""
    user = context["user"]
    rows = list(actions)
    area_page = links.area_page_addresses()
    change = links.addresses("casework:action_change", 1)
    done = links.addresses("casework:action_done", 1)
    back_here = "?next=" + quote(context["request"].get_full_path(), safe="/")
    for action in rows:
        if context.get("show_area"):
            action.area_url = area_page(action.area.ward_code)
        may_change = may_change_action(user, action)
        action.change_url = change(action.pk) + back_here if may_change else ""
        action.done_url = done(action.pk) if may_change else ""
    return rows
