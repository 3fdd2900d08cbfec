"""advisers.navigation: the menu's addresses, worked out once a process."""

from django.urls import get_script_prefix, set_script_prefix

from advisers.navigation import DESTINATIONS


def test_a_menu_address_follows_the_prefix_the_portal_is_served_under():
    home = next(d for d in DESTINATIONS if d.url_name == "advisers:home")
    before = get_script_prefix()
    try:
        assert home.url == "/staff/"
        set_script_prefix("/nfc/")
        assert home.url == "/nfc/staff/"
    finally:
        set_script_prefix(before)
    assert home.url == "/staff/"
