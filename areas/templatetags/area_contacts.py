from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def contact_lines(context, contacts, can_edit) -> SafeString:
    """An area's local contacts, as its first page's loop over them wrote
    them, to the byte, every value escaped as the template would; each with
    the form to remove it (its address the view's ``remove_url``) for those
    who may. The form's token is the page's own, as {% csrf_token %} draws
    it. tests/areas/test_first_page_lists.py holds the two equal."""
    token = CsrfTokenNode().render(context) if can_edit else ""
    lines = []
    for contact in contacts:
        name = conditional_escape(contact.name)
        line = f"<li>{name}, {conditional_escape(contact.get_kind_display().lower())}"
        if contact.role:
            line += f" ({conditional_escape(contact.role)})"
        if contact.organisation:
            line += f", {conditional_escape(contact.organisation)}"
        if contact.email:
            email = conditional_escape(contact.email)
            line += f': <a href="mailto:{email}">{email}</a>'
        if contact.phone:
            line += f" {conditional_escape(contact.phone)}"
        line += "\n            "
        if can_edit:
            line += (
                '\n              <form method="post" action='
                f'"{conditional_escape(contact.remove_url)}" class="inline-form">\n'
                f"                {token}\n"
                '                <button type="submit" class="link-button">Remove'
                f'<span class="visually-hidden"> {name}</span></button>\n'
                "              </form>\n            "
            )
        lines.append(f"\n          {line}\n          </li>\n        ")
    # Safe: built above from escaped values, the page's own markup and the
    # token Django's own tag drew.
    return mark_safe("".join(lines))
