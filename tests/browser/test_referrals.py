"""Referrals to specialist partners, in real Chromium: a manager adds a
partner, an adviser refers an area and closes the loop."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from advisers import services
from advisers.models import Role
from casework.models import Partner, Referral
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_adds_a_partner_after_a_mistake(page):
    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))
    page.goto("/staff/referrals/partners/")
    assert_healthy(page)
    page.get_by_role("link", name="Add a partner").click()
    assert_healthy(page)
    page.get_by_label("Name").fill("Money Matters")
    page.get_by_label("Contact e-mail").fill("not an address")
    page.get_by_label("Days this year").fill("4")
    page.get_by_role("button", name="Save").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose at least one kind of expertise")
    expect(summary).to_contain_text("Enter a valid email address")
    expect(page.get_by_label("Name")).to_have_value("Money Matters")
    assert_healthy(page)
    assert not Partner.objects.exists()

    page.get_by_label("Finance").check()
    page.get_by_label("Contact e-mail").fill("hello@money.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row", name=re.compile("Money Matters"))).to_contain_text("Finance")
    assert_healthy(page)


def test_an_adviser_refers_an_area_and_closes_the_loop(page):
    hendon = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    Partner.objects.create(
        name="Planning Aid North", expertise=["planning"], capacity_days=Decimal("2")
    )
    sign_in(page, adviser)

    page.goto("/staff/referrals/new/?area=E05001158")
    assert_healthy(page)
    expect(page.get_by_label("Area")).to_have_value(str(hendon.pk))
    page.get_by_label("Which partner").select_option(
        label="Planning Aid North (Planning; 2 days left)"
    )
    page.get_by_label("What help is asked for").fill("Advice on a neighbourhood plan")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral to Planning Aid North")
    assert_healthy(page)

    page.get_by_label("Accepted").check()
    page.get_by_role("button", name="Save the step").click()
    expect(page.get_by_text("Partner answered in")).to_be_visible()

    page.get_by_label("Delivered").check()
    page.get_by_label("Days the partner gave").fill("3")
    page.get_by_label("Cost (£)").fill("250")
    page.get_by_role("button", name="Save the step").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("has 2 days left")
    expect(page.get_by_label("Cost (£)")).to_have_value("250")
    assert_healthy(page)

    page.get_by_label("Delivered").check()
    page.get_by_label("Days the partner gave").fill("1.5")
    page.get_by_role("button", name="Save the step").click()
    expect(page.get_by_role("status")).to_contain_text("Delivered")

    page.get_by_label("What came of it").fill("The plan went to consultation")
    page.get_by_label("5 (excellent)").check()
    page.get_by_role("button", name="Save the step").click()
    expect(page.get_by_text("5 of 5")).to_be_visible()
    assert_healthy(page)
    assert Referral.objects.get().status == Referral.Status.OUTCOME_RECORDED

    page.goto("/staff/referrals/?status=all")
    expect(page.get_by_role("row", name=re.compile("Planning Aid North"))).to_contain_text(
        "Outcome recorded"
    )
    assert_healthy(page)
    page.goto("/staff/referrals/partners/")
    expect(page.get_by_role("row", name=re.compile("Planning Aid North"))).to_contain_text("0.5")
    assert_healthy(page)
