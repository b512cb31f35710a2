"""Progress over time: a learner's conversations measured, the trend, the coach view, the pages
and the short-lived links a coach opens them with."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from app.models import ProgressLink
from app.models.tables import utcnow
from tests.api.helpers import LISTENER_TO_RECRUITER, assert_problem
from tests.api.progress_data import improving_learner, key_client, practice


@pytest.fixture
async def learner(client: httpx.AsyncClient) -> str:
    await improving_learner(client, "alex")
    return "alex"


async def test_five_conversations_and_more_show_the_trend_of_a_learner_who_got_better(
    client, learner
):
    response = await client.get(f"/v1/learners/{learner}/progress")
    assert response.status_code == 200, response.text
    body = response.json()
    rows = body["conversations"]
    assert len(rows) == 6
    assert [r["source"] for r in rows].count("imported") == 1
    assert rows[2]["persona"] == "Marisol Vega (real conversation)"
    assert rows[0]["persona"].endswith("recruiter") or "Priya" in rows[0]["persona"]
    for row in rows:
        assert {"date", "genuine_interest_rate", "follow_up_share", "reflection_ratio"} <= set(row)
        assert {"talk_share", "outcome", "turns", "moves"} <= set(row)
    assert rows[-1]["genuine_interest_rate"] > rows[0]["genuine_interest_rate"]
    trend = body["trend"]
    assert trend["status"] == "improving" and trend["compared"] == 3
    improved = {c["measure"] for c in trend["improved"]}
    assert "genuine_interest_rate" in improved
    assert "pitch" in improved  # the pitching stopped
    assert trend["next_practice"]["text"]
    assert sum(body["outcomes"].values()) == 6


async def test_a_single_conversation_is_too_few_for_a_trend_but_has_a_next_step(client):
    await practice(client, "new-learner", LISTENER_TO_RECRUITER[:3])
    body = (await client.get("/v1/learners/new-learner/progress")).json()
    assert body["trend"]["status"] == "too_few"
    assert body["trend"]["improved"] == [] and body["trend"]["next_practice"]["text"]


async def test_a_learner_with_no_conversations_is_404(client):
    assert_problem(await client.get("/v1/learners/nobody/progress"), 404, "not_found")


async def test_the_coach_view_lists_the_tenants_learners_with_their_trend(client, learner):
    await practice(client, "bea", LISTENER_TO_RECRUITER[:4])
    body = (await client.get("/v1/learners")).json()
    assert body["total"] == 2
    by_ref = {row["user_ref"]: row for row in body["learners"]}
    assert by_ref["alex"]["status"] == "improving" and by_ref["alex"]["conversations"] == 6
    assert len(by_ref["alex"]["genuine_interest_rates"]) == 6
    assert by_ref["bea"]["status"] == "too_few"
    assert body["learners"][0]["user_ref"] == "bea"  # most recently active first


async def test_another_tenant_sees_none_of_it(app, client, learner):
    async with key_client(app) as other:
        assert_problem(await other.get(f"/v1/learners/{learner}/progress"), 404)
        assert (await other.get("/v1/learners")).json()["total"] == 0


async def test_a_publishable_key_cannot_read_progress(app, learner):
    async with key_client(app, publishable=True) as visitor:
        for path in ("/v1/learners", "/v1/learners/alex/progress"):
            assert_problem(await visitor.get(path), 403, "secret_key_required")
        link = await visitor.post("/v1/progress-links", json={})
        assert_problem(link, 403, "secret_key_required")


async def test_the_page_draws_the_charts_as_inline_svg_and_loads_nothing_from_elsewhere(
    client, learner
):
    response = await client.get(f"/v1/learners/{learner}/progress.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    html = response.text
    assert html.count("<svg") == 5  # genuine interest, follow-ups, reflections, talk, outcomes
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    assert "Next thing to practise" in html and "Improving" in html
    assert "Marisol Vega (real conversation)" in html


async def test_a_link_opens_one_learners_page_in_a_browser_without_a_key(app, client, learner):
    link = await client.post("/v1/progress-links", json={"user_ref": learner})
    assert link.status_code == 201
    body = link.json()
    assert body["path"].startswith(f"/v1/learners/{learner}/progress.html?token=pl_")
    assert body["url"].endswith(body["path"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://rapport.test"
    ) as browser:
        page = await browser.get(body["path"])
        assert page.status_code == 200 and "Progress of alex" in page.text
        assert "All learners" not in page.text  # this link opens only this learner
        token = body["token"]
        coach = await browser.get(f"/v1/learners.html?token={token}")
        assert_problem(coach, 404)
        other = await browser.get(f"/v1/learners/bea/progress.html?token={token}")
        assert_problem(other, 404)
        assert_problem(await browser.get(f"/v1/learners/{learner}/progress"), 401)


async def test_a_coach_link_opens_the_coach_view_and_every_learner_under_it(app, client, learner):
    token = (await client.post("/v1/progress-links", json={"expires_in": 600})).json()["token"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://rapport.test"
    ) as browser:
        coach = await browser.get(f"/v1/learners.html?token={token}")
        assert coach.status_code == 200 and coach.text.count("<svg") == 1
        href = re.search(r'href="(/v1/learners/alex/progress\.html\?token=[^"]+)"', coach.text)
        assert href is not None
        learner_page = await browser.get(href.group(1))
        assert learner_page.status_code == 200 and "All learners" in learner_page.text


async def test_an_expired_or_made_up_link_is_401(app, client, learner):
    token = (await client.post("/v1/progress-links", json={"user_ref": learner})).json()["token"]
    path = f"/v1/learners/{learner}/progress.html?token="
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://rapport.test"
    ) as browser:
        assert_problem(await browser.get(path + "pl_" + "x" * 43), 401, "unauthorized")
        async with app.state.runtime.db.transaction() as session:
            await session.execute(
                update(ProgressLink).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        expired = assert_problem(await browser.get(path + token), 401, "unauthorized")
        assert "expired" in expired["detail"]


async def test_a_link_for_a_learner_nobody_has_met_is_404_and_bounds_are_checked(client):
    assert_problem(await client.post("/v1/progress-links", json={"user_ref": "ghost"}), 404)
    too_long = await client.post("/v1/progress-links", json={"expires_in": 8 * 24 * 3600})
    assert_problem(too_long, 422, "invalid_input")
