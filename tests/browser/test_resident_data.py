"""A manager answers a resident's data request in real Chromium: finds her
requests and event registration by a phone number written another way,
leaves out a neighbour's, downloads her data, corrects her name after a
mistake, and erases her details after reading what goes and what stays."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from advisers.models import Role
from casework.models import DataRequest, SupportRequest
from events.models import Registration
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import EventFactory, RegistrationFactory, SupportRequestFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_exports_corrects_and_erases_a_residents_details(page, hendon):
    priya = SupportRequestFactory(
        area=hendon,
        name="Priya Quaysde",
        email="priya@example.org",
        phone="0191 496 0123",
        description="The damp in our community flat",
    )
    registration = RegistrationFactory(
        event=EventFactory(published=True, title="Coastal gathering"),
        area=hendon,
        name="Priya Quaysde",
        email="",
        phone="+44 191 4960123",
        access_needs="A hearing loop, please",
    )
    neighbour = SupportRequestFactory(
        area=hendon, name="Sam Neighbour", email="", phone="01914960123", contact_by="phone"
    )
    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))

    page.get_by_role("link", name="Residents' data").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Residents' data requests")
    assert_healthy(page)

    # A number that is not one: a clear summary, and what was typed kept.
    page.get_by_label("Their phone number").fill("ring me")
    page.get_by_role("button", name="Find their records").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a phone number in digits")
    expect(page.get_by_label("Their phone number")).to_have_value("ring me")
    assert_healthy(page)

    page.get_by_label("Their phone number").fill("+44 (0)191 496 0123")
    page.get_by_role("button", name="Find their records").click()
    expect(page.get_by_role("heading", name="Requests found (2)")).to_be_visible()
    expect(page.get_by_role("heading", name="Event registrations found (1)")).to_be_visible()
    assert_healthy(page)
    # The same phone finds the neighbour: not hers.
    page.get_by_label(f"{neighbour.reference} is theirs").uncheck()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download their data").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert download.value.suggested_filename.startswith("nfc-your-data-")
    requests_file = archive.read("your-requests.csv").decode("utf-8-sig")
    assert "Priya Quaysde" in requests_file
    assert "Sam Neighbour" not in requests_file
    assert "A hearing loop, please" in archive.read("registrations.csv").decode("utf-8-sig")
    assert "Coastal gathering" in archive.read("read-me-first.txt").decode()
    assert DataRequest.objects.filter(support_request=priya, kind="export").exists()
    assert DataRequest.objects.filter(subject=registration.data_key, kind="export").exists()

    # Her name was misspelt: correct it, after a slip.
    page.get_by_role("link", name=f"Correct the details on {priya.reference}").click()
    assert_healthy(page)
    page.get_by_label("Their name").fill("Priya Quayside")
    page.get_by_label("Their e-mail address").fill("priya at example.org")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a valid email address")
    expect(page.get_by_label("Their name")).to_have_value("Priya Quayside")
    assert_healthy(page)
    priya.refresh_from_db()
    assert priya.name == "Priya Quaysde"
    page.get_by_label("Their e-mail address").fill("priya@example.org")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("Corrected their name.")).to_be_visible()
    priya.refresh_from_db()
    assert priya.name == "Priya Quayside"

    # Then she asks us to delete them: the page says what goes first.
    page.get_by_role("link", name="Their data requests: download or erase").click()
    expect(page.get_by_role("heading", name="Requests found (1)")).to_be_visible()
    page.get_by_role("button", name="Erase their details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase the resident's details?")
    expect(page.get_by_text("1 of them is still open, and will be closed:")).to_be_visible()
    assert_healthy(page)
    page.get_by_role("button", name="Yes, erase their details").click()
    expect(page.get_by_text(re.compile(rf"Erased .* 1 request: {priya.reference}"))).to_be_visible()
    assert_healthy(page)
    priya.refresh_from_db()
    assert (priya.name, priya.email, priya.phone) == ("(removed at the resident's request)", "", "")
    assert priya.status == SupportRequest.Status.CLOSED
    neighbour.refresh_from_db()
    assert neighbour.name == "Sam Neighbour"

    # Her place at the event is found by her number; on a phone, the page
    # fits: its tables scroll in their own boxes.
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_label("Their phone number").fill("0191 496 0123")
    page.get_by_label("A request's reference").fill("")
    page.get_by_role("button", name="Find their records").click()
    expect(page.get_by_role("heading", name="Requests found (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Event registrations found (1)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_healthy(page)
    page.get_by_label(f"{neighbour.reference} is theirs").uncheck()
    page.get_by_role("button", name="Erase their details").click()
    expect(page.get_by_text("from 1 event registration")).to_be_visible()
    expect(page.get_by_text("1 of these is for an event still to come")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_healthy(page)
    page.get_by_role("button", name="Yes, erase their details").click()
    expect(page.get_by_text(re.compile(r"Erased .* 1 event registration"))).to_be_visible()
    registration.refresh_from_db()
    assert (registration.name, registration.phone, registration.access_needs) == ("", "", "")
    assert registration.status == Registration.Status.CANCELLED
    neighbour.refresh_from_db()
    assert neighbour.name == "Sam Neighbour"
