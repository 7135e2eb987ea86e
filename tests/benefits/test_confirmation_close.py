"""Closing a confirmation campaign: only after the grace period, never while spot checks are pending
(the message names how many), by an approver of its division; the figures are frozen and audited, and
a closed campaign accepts no confirmation (400 in Chinese, nothing changed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from benefits import actions, confirmation, confirmation_figures
from benefits.models import CampaignStatus, ConfirmationCampaign, ConfirmationItem, ConfirmationStatus, SpotCheck
from subjects.models import BenefitType, Category, Subject
from tests.conftest import COUNTY_A
from tests.subjects.conftest import new_id

pytestmark = pytest.mark.django_db

OPENED = "2025-03-03"
AFTER_GRACE = "2025-04-07"  # window closes 2025-03-31, grace 5 days: closable from 2025-04-06


@pytest.fixture
def campaign(
    standards: None, make_subject: Callable[..., Subject], caseworker: User, county_approver: User
) -> ConfirmationCampaign:
    """天河区's 2025 campaign with three people: 张三 confirmed at home and drawn for a spot check,
    李四 confirmed at the station (not drawn), 王五 left open (overdue after the grace period)."""
    with freeze_time("2025-01-10"):
        for name in ("张三", "李四", "王五"):
            subject = make_subject(COUNTY_A, id_number=new_id(COUNTY_A), name=name, category=Category.MARTYR_SURVIVOR)
            actions.do_award_benefit(
                subject, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=dt.date(2025, 1, 2), actor=None
            )
    with freeze_time(OPENED):
        made = confirmation.do_open_campaign(
            COUNTY_A,
            year=2025,
            actor=county_approver,
            window_start=dt.date(2025, 3, 3),
            window_end=dt.date(2025, 3, 31),
            spot_check_percent=0,
        )
        zhang, li = _item(made, "张三"), _item(made, "李四")
        confirmation.do_confirm_item(zhang, method="home_visit", evidence={}, actor=caseworker)
        confirmation.do_confirm_item(li, method="station", evidence={}, actor=caseworker)
    ConfirmationItem.objects.filter(pk=zhang.pk).update(spot_check=SpotCheck.PENDING)  # drawn
    with freeze_time("2025-04-06 02:00"):
        assert confirmation.suspend_overdue() == 1
    return made


def _item(campaign: ConfirmationCampaign, name: str) -> ConfirmationItem:
    return ConfirmationItem.objects.get(campaign=campaign, subject__name=name)


def _close(client: APIClient, campaign: ConfirmationCampaign) -> Any:
    return client.post(f"/api/v1/confirmation-campaigns/{campaign.pk}/close/")


def test_a_campaign_is_not_closed_before_its_grace_period_is_over(
    campaign: ConfirmationCampaign, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    with freeze_time("2025-04-05"):
        refused = _close(api_as(county_approver), campaign)
    assert refused.status_code == 400
    assert "2025-04-06" in refused.json()["status"][0]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_a_campaign_with_pending_spot_checks_is_not_closed_and_the_message_counts_them(
    campaign: ConfirmationCampaign, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(county_approver)
    events = AuditEvent.objects.count()
    with freeze_time(AFTER_GRACE):
        refused = _close(client, campaign)
    assert refused.status_code == 400
    message = refused.json()["spot_check"][0]
    assert "1" in message and "抽查" in message
    campaign.refresh_from_db()
    assert (campaign.status, campaign.final_figures, AuditEvent.objects.count()) == (CampaignStatus.OPEN, {}, events)


def test_closing_freezes_the_figures_and_is_audited(
    campaign: ConfirmationCampaign, county_approver: User, api_as: Callable[[User], APIClient]
) -> None:
    client = api_as(county_approver)
    with freeze_time(AFTER_GRACE):
        confirmation.do_spot_check(_item(campaign, "张三"), upheld=True, actor=county_approver)
        live = confirmation_figures.campaign_figures(campaign)
        closed = _close(client, campaign)
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "closed" and body["closed_by"] == county_approver.pk
    assert body["final_figures"] == live["total"]
    assert (body["final_figures"]["items"], body["final_figures"]["confirmed"], body["final_figures"]["overdue"]) == (
        3,
        2,
        1,
    )
    campaign.refresh_from_db()
    assert campaign.final_figures["counties"] == {COUNTY_A: live["total"]}
    event = AuditEvent.objects.get(event_type="benefit.campaign_closed", object_id=str(campaign.pk))
    assert event.data["confirmed"] == 2

    # Frozen: what the reports read no longer follows the items.
    ConfirmationItem.objects.filter(campaign=campaign).update(status=ConfirmationStatus.CANCELLED)
    assert confirmation_figures.figures(COUNTY_A, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == live["total"]
    with freeze_time(AFTER_GRACE):
        assert _close(client, campaign).status_code == 409  # already closed


def test_a_closed_campaign_accepts_no_confirmation_and_changes_nothing(
    campaign: ConfirmationCampaign,
    county_approver: User,
    caseworker: User,
    api_as: Callable[[User], APIClient],
) -> None:
    with freeze_time(AFTER_GRACE):
        confirmation.do_spot_check(_item(campaign, "张三"), upheld=True, actor=county_approver)
        confirmation.do_close_campaign(campaign, actor=county_approver)
    wang = _item(campaign, "王五")
    client = api_as(caseworker)
    events = AuditEvent.objects.count()
    with freeze_time("2025-05-10"):
        refused = client.post(f"/api/v1/confirmation-items/{wang.pk}/confirm/", {"method": "home_visit"}, format="json")
        cancel = client.post(f"/api/v1/confirmation-items/{wang.pk}/cancel/", {"reason": "迁出"}, format="json")
    assert refused.status_code == 400 and cancel.status_code == 400
    message = refused.json()["campaign"][0]
    assert "王五" in message and "2025" in message and "结束" in message
    wang.refresh_from_db()
    assert (wang.status, wang.method, wang.confirmed_at) == (ConfirmationStatus.OVERDUE, "", None)
    assert AuditEvent.objects.count() == events


def test_only_an_approver_of_the_division_closes_and_an_outsider_gets_404(
    campaign: ConfirmationCampaign,
    caseworker: User,
    caseworker_b: User,
    outsider: User,
    api_as: Callable[[User], APIClient],
    client: Any,
) -> None:
    with freeze_time(AFTER_GRACE):
        assert _close(api_as(caseworker), campaign).status_code == 403
        for user in (caseworker_b, outsider):
            assert _close(api_as(user), campaign).status_code == 404
            client.force_login(user)
            assert client.post(reverse("benefits:close_campaign", args=[campaign.pk])).status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_the_campaign_page_closes_it_with_a_button(
    campaign: ConfirmationCampaign, county_approver: User, web_as: Callable[[User], Any]
) -> None:
    page_url = reverse("benefits:campaign", args=[campaign.pk])
    with freeze_time(AFTER_GRACE):
        client = web_as(county_approver)
        page = client.get(page_url).content.decode()
        assert 'id="close-campaign"' in page
        refused = client.post(reverse("benefits:close_campaign", args=[campaign.pk]), follow=True)
        assert "抽查" in refused.content.decode()
        confirmation.do_spot_check(_item(campaign, "张三"), upheld=True, actor=county_approver)
        done = client.post(reverse("benefits:close_campaign", args=[campaign.pk]), follow=True).content.decode()
    assert 'id="campaign-closed"' in done and 'id="close-campaign"' not in done
    assert (
        "confirm_item" not in done and f"/benefits/confirmation/items/{_item(campaign, '王五').pk}/confirm/" not in done
    )
