"""The admin's front page: the day's figures per channel, emails, stock pushes, problems; bounded queries;
every number links to the admin list it was counted from."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import figures
from marketplaces.models import MarketplaceAccount
from tests.dashboard import story

pytestmark = pytest.mark.django_db


def _by_channel(board):
    return {c["channel"]: c for c in board.channels}


def test_figures_per_channel_today_and_the_week():
    story.a_week()
    board = figures.collect()
    amazon, ebay = _by_channel(board)["amazon"], _by_channel(board)["ebay"]
    assert (amazon["orders_in"].today.value, amazon["orders_in"].week.value) == (3, 7)
    assert (amazon["sent"].today.value, amazon["sent"].week.value) == (3, 7)
    assert (amazon["shipped"].today.value, amazon["shipped"].week.value) == (3, 7)
    assert (amazon["tracking_pushed"].today.value, amazon["tracking_pushed"].week.value) == (3, 7)
    assert (ebay["orders_in"].today.value, ebay["shipped"].week.value) == (2, 0)
    assert amazon["delay"]["p50_today"] == 60.0
    assert amazon["delay"]["p50_week"] == 600.0  # 3 at 60 s, 4 at 600 s
    assert amazon["delay"]["p95_week"] == 600.0
    assert ebay["delay"]["p95_today"] == 120.0


def test_stock_emails_alerts_and_failed_jobs():
    story.a_week()
    board = figures.collect()
    (stock,) = board.stock
    assert stock["channel"] == "amazon"
    assert (stock["accepted"].today.value, stock["accepted"].week.value) == (10, 15)
    assert (stock["rejected"].today.value, stock["rejected"].week.value) == (2, 2)
    emails = {e["kind"]: e for e in board.emails}
    assert emails["split_package"]["sent"].today.value == 2
    assert emails["split_package"]["failed"].today.value == 1
    assert emails["delivery_confirm"]["bounced"].week.value == 1
    assert emails["delivery_confirm"]["bounced"].today.value == 0
    assert board.open_alert_count == 1 and board.open_alerts[0]["critical"]
    assert board.failed_job_count == 1
    assert board.charts["orders"]["series"][0]["values"][-1] == 3  # Amazon today


def test_the_number_of_queries_does_not_grow_with_the_rows():
    story.a_week()
    with CaptureQueriesContext(connection) as few:
        figures.collect()
    acct = MarketplaceAccount.objects.create(name="Mirakl", channel="mirakl")  # a third channel, 10x rows
    for n in range(10):
        story.orders(acct, count=20, at=timezone.now(), shipped=True)
        story.stock_push(acct, accepted=3, rejected=1, at=timezone.now())
        story.failed_job(kind=f"kind.{n}")
    with CaptureQueriesContext(connection) as many:
        figures.collect()
    assert len(few) == len(many) == 11


def test_front_page_shows_the_figures_and_every_link_opens_its_filtered_list(admin_client):
    story.a_week()
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="dashboard-orders"' in html and "dashboard/uplot/uPlot.iife.min.js" in html
    assert "Open alerts: 1" in html and "Failed jobs (24 h): 1" in html
    links = {unescape(u) for u in re.findall(r'href="(/admin/[a-z_]+/[a-z]+/\?[^"]+)"', html)}
    assert len(links) > 20
    for url in links:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "?e=1" not in response.get("Location", ""), url


def test_the_amazon_orders_link_lists_exactly_the_counted_orders(admin_client):
    story.a_week()
    amazon = _by_channel(figures.collect())["amazon"]
    page = admin_client.get(amazon["orders_in"].week.url)
    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == 7


def test_front_page_has_no_microseconds_and_no_empty_oldest(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "(oldest - s)" not in html and "oldest" not in html
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)


def test_front_page_highlights_open_alerts_and_failed_jobs_with_links(admin_client):
    story.a_week()
    html = admin_client.get("/admin/").content.decode()
    assert "Service health: FAIL" in html
    assert 'class="ops-attention-critical"' in html
    assert "job(s) failed in the last 24 h" in html
    assert "/admin/integration_server/outboundjob/?state__exact=failed" in html
    assert "no live worker (heartbeat missing or stale)" in html  # the kernel's own problem is kept too
