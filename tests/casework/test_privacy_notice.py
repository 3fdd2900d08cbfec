"""The privacy notice tells residents how to use their rights, and whom to ask."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_privacy_notice_names_a_real_contact_and_the_time_to_answer(client, settings):
    settings.NFC_PRIVACY_CONTACT_EMAIL = "dpo@nfc.example"
    settings.NFC_PRIVACY_CONTACT_ADDRESS = "NfC, 1 High Street, Sunderland SR1 1AA"
    page = client.get("/privacy/").text
    assert 'href="mailto:dpo@nfc.example"' in page
    assert "NfC, 1 High Street, Sunderland SR1 1AA" in page
    assert "within one month" in page
    assert "How to ask" in page


def test_the_privacy_notice_leaves_out_an_unset_postal_address(client, settings):
    settings.NFC_PRIVACY_CONTACT_ADDRESS = ""
    page = client.get("/privacy/").text
    assert "write to us" not in page
    assert settings.NFC_PRIVACY_CONTACT_EMAIL in page
