"""The organ API's per-token rate limit: counted in the database, atomically, so several
workers and processes share it; over it, 429 with Retry-After, audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from central.api.organ_deps import clock
from central.database import make_engine
from central.settings import Settings
from central.sharing import rate
from central.sharing.models import OrganRow, OrganToken, RateCount
from tests.auth import central_client, production_settings
from tests.central.sharing.test_sharing import hdr
from tests.concurrency import race

# 2026-11-30 09:15:20 in Beijing: 40 s left in the minute, 14 h 44 min 40 s in the day
NOW = datetime(2026, 11, 30, 1, 15, 20, tzinfo=UTC)
TO_MIDNIGHT = 14 * 3600 + 44 * 60 + 40


def _admit(sessions: sessionmaker[Session], limits: rate.Limits, now: datetime = NOW) -> bool:
    with sessions() as s:
        out = rate.admit(s, "t1", limits, now=now)
        if out.refusal is None:
            s.commit()
            return True
        s.rollback()
        return False


@pytest.mark.parametrize("window", ["minute", "day"])
def test_concurrent_requests_over_the_limit_admit_exactly_the_limit(
    served: sessionmaker[Session], window: str
) -> None:
    n, limit = 24, 7
    limits = rate.Limits(limit, 10_000) if window == "minute" else rate.Limits(10_000, limit)
    assert sum(race(n, lambda: _admit(served, limits))) == limit
    with served() as s:  # refused requests counted nowhere
        hits = {b: n for b, n in s.execute(select(RateCount.bucket, RateCount.hits))}
    assert hits == {"m:2026-11-30T09:15": limit, "d:2026-11-30": limit}


def test_a_refused_request_counts_in_no_window(served: sessionmaker[Session]) -> None:
    limits = rate.Limits(per_minute=3, per_day=5)
    assert [_admit(served, limits) for _ in range(5)] == [True, True, True, False, False]
    # had the two refused counted in the day, the next minute would admit one
    later = NOW + timedelta(minutes=1)
    assert [_admit(served, limits, later) for _ in range(3)] == [True, True, False]
    with served() as s:
        out = rate.admit(s, "t1", limits, now=later + timedelta(minutes=1))
        assert out.refusal is not None and out.refusal.window.per == "天"
        assert "每天 5 次" in out.refusal.message
        s.rollback()
        # the next day starts afresh, at Beijing midnight (16:00 UTC)
        assert rate.admit(s, "t1", limits, now=NOW.replace(hour=16, minute=0)).refusal is None


def test_old_windows_are_pruned_when_a_minute_opens(served: sessionmaker[Session]) -> None:
    limits = rate.Limits(100, 10_000)
    long_ago = NOW - timedelta(days=2)
    assert _admit(served, limits, long_ago)
    with served() as s:
        first = rate.admit(s, "t1", limits, now=NOW)
        s.commit()
        second = rate.admit(s, "t1", limits, now=NOW)
        s.commit()
        assert first.opened_minute and not second.opened_minute
        assert rate.prune(s, now=NOW) == 2  # the minute and the day of two days ago
        left = set(s.scalars(select(RateCount.bucket)))
    assert left == {"m:2026-11-30T09:15", "d:2026-11-30"}


def test_limits_come_from_the_token_else_the_organ_else_settings(settings: Settings) -> None:
    o = OrganRow(id="o", rate_per_minute=None, rate_per_day=300)
    t = OrganToken(id="t", rate_per_minute=None, rate_per_day=None)
    assert rate.limits_for(settings, o, t) == rate.Limits(60, 300)
    t.rate_per_minute, t.rate_per_day = 5, 50
    assert rate.limits_for(settings, o, t) == rate.Limits(5, 50)
    env = production_settings(sharing_rate_per_minute=9)
    assert rate.limits_for(env, OrganRow(), OrganToken()).per_minute == 9


# ---- over HTTP, the way organs call --------------------------------------------------


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    eng = make_engine(settings)  # as served: not the fixture's BEGIN IMMEDIATE engine
    c = central_client(settings, eng)
    c.app.dependency_overrides[clock] = lambda: NOW  # type: ignore[attr-defined]
    with c:
        yield c
    eng.dispose()


def _organ(c: TestClient, oid: str = "police-a") -> tuple[str, str]:
    """A new organ and one token; returns (token id, token)."""
    body = {"id": oid, "name": "甲县公安局", "kind": "police", "fields": ["summary"]}
    assert c.post("/api/sharing/organs", json=body).status_code == 201
    r = c.post(f"/api/sharing/organs/{oid}/tokens", json={}).json()
    return r["id"], r["token"]


def test_over_the_limit_answers_429_with_retry_after_and_is_audited(client: TestClient) -> None:
    c = client
    tid, tok = _organ(c)
    _, other = _organ(c, "town-b")
    r = c.put(f"/api/sharing/tokens/{tid}/rate", json={"per_minute": 3})
    assert r.status_code == 200
    assert [c.get("/api/organ/matters", headers=hdr(tok)).status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    r = c.get("/api/organ/matters", headers=hdr(tok, "核查走访情况"))
    assert r.status_code == 429 and r.headers["Retry-After"] == "40"
    assert r.json()["detail"] == "调用过于频繁（每分钟最多 3 次），请 40 秒后再试"
    assert c.get("/api/organ/matters", headers=hdr(other)).status_code == 200  # per token

    trail = c.get("/api/sharing/audit", params={"organ": "police-a"}).json()
    refused = [a["purpose"] for a in trail if a["action"] == "sharing.refused"]
    assert len(refused) == 2 and all("调用过于频繁" in p for p in refused)
    assert any(p.startswith("核查走访情况（被拒绝") for p in refused)
    assert sum(a["action"] == "sharing.access" for a in trail) == 3
    everyone = c.get("/api/sharing/audit").json()
    assert any(a["action"] == "sharing.rate.set" for a in everyone)


def test_an_organs_daily_cap_applies_to_its_tokens(client: TestClient) -> None:
    c = client
    tid, tok = _organ(c)
    assert c.put("/api/sharing/organs/police-a/rate", json={"per_day": 2}).status_code == 200
    codes = [c.get("/api/organ/matters", headers=hdr(tok)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = c.get("/api/organ/matters", headers=hdr(tok))
    assert r.headers["Retry-After"] == str(TO_MIDNIGHT) and "今日调用已达上限" in r.text
    # the token's own limit overrides its organ's; null goes back to inheriting
    c.put(f"/api/sharing/tokens/{tid}/rate", json={"per_day": 10})
    assert c.get("/api/organ/matters", headers=hdr(tok)).status_code == 200
    c.put(f"/api/sharing/tokens/{tid}/rate", json={"per_day": None})
    assert c.get("/api/organ/matters", headers=hdr(tok)).status_code == 429
    assert c.put("/api/sharing/tokens/none/rate", json={}).status_code == 404
    assert c.put("/api/sharing/organs/none/rate", json={"per_day": 0}).status_code == 422


def test_concurrent_http_requests_admit_exactly_the_limit(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    tid, tok = _organ(client)
    client.put(f"/api/sharing/tokens/{tid}/rate", json={"per_minute": 5})
    n = 16

    def call() -> bool:
        code = client.get("/api/organ/matters", headers=hdr(tok)).status_code
        assert code in (200, 429)
        return code == 200

    assert sum(race(n, call)) == 5
    with sessions() as s:
        from central.audit.models import AuditLog

        actions = s.execute(
            select(AuditLog.action, func.count())
            .where(AuditLog.actor == "organ:police-a")
            .group_by(AuditLog.action)
        ).all()
    assert dict(actions) == {"sharing.access": 5, "sharing.refused": n - 5}
