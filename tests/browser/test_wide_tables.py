"""Wide tables on a phone: the table scrolls inside its box, and its caption
stays readable on the screen."""

import pytest

from advisers import services as staff_services
from advisers.roles import Role
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CAPTION_BOX = """(caption) => {
  const box = caption.getBoundingClientRect();
  return {left: box.left, right: box.right, screen: document.documentElement.clientWidth};
}"""


def caption_on_screen(caption) -> None:
    box = caption.evaluate(CAPTION_BOX)
    assert box["left"] >= 0
    assert box["right"] <= box["screen"]


def test_a_wide_tables_caption_wraps_on_the_screen_and_stays_as_the_table_scrolls(mobile_page):
    page = mobile_page
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    for name, ward_code in (("Hendon", "E05001158"), ("Kingsway", "E05001160")):
        staff_services.area_assign_adviser(
            area=AreaFactory(name=name, ward_code=ward_code), adviser=adviser, by=None
        )
    sign_in(page, adviser)

    caption = page.locator("#caseload-caption")
    wrap = page.locator(".table-wrap", has=caption)
    assert wrap.evaluate("(box) => box.scrollWidth > box.clientWidth"), "the table fits"
    caption_on_screen(caption)

    wrap.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
    caption_on_screen(caption)
    assert_healthy(page)
