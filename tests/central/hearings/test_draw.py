"""The draw is deterministic from the published record, any change is caught, and each
person's frequency of selection matches quota / pool size."""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from typing import Any

import pytest

from central.hearings import draw as d

SEED = "11" * 32
SEED_SHA = hashlib.sha256(bytes.fromhex(SEED)).hexdigest()
CANDS = {f"law-{i}": "lawyer" for i in range(5)} | {f"npc-{i}": "npc_deputy" for i in range(4)}
CANDS |= {f"com-{i}": "community_rep" for i in range(7)}
QUOTAS = {"lawyer": 2, "npc_deputy": 1, "community_rep": 3}


def record(seed_sha: str | None = SEED_SHA, beacon: dict[str, Any] | None = None) -> dict[str, Any]:
    return d.commit_record(
        hearing_id="h1",
        matter_id="m1",
        candidates=CANDS,
        excluded={"law-9": "利害关系 person:p1"},
        quotas=QUOTAS,
        seed_sha256=seed_sha,
        beacon=beacon,
        committed_at="2026-11-29T10:00:00+00:00",
    )


def published(seed: str = SEED, beacon_value: str | None = None, **kw: Any) -> dict[str, Any]:
    rec = record(**kw)
    return {
        "commit": rec,
        "commitment": d.commitment(rec),
        "reveal": {"seed": seed, "beacon_value": beacon_value},
        "result": d.select(rec, seed, beacon_value),
    }


def test_the_published_draw_verifies_and_respects_quotas() -> None:
    pub = published()
    assert d.verify(pub) == []
    sel = pub["result"]["selected"]
    assert Counter(CANDS[s] for s in sel) == Counter(QUOTAS)
    assert len(set(sel)) == 6
    assert d.select(pub["commit"], SEED, None) == pub["result"]  # deterministic


def test_beacon_only_and_seed_plus_beacon() -> None:
    b = {"source": "drand:quicknet", "round": 123456}
    assert d.verify(published(seed="", seed_sha=None, beacon=b, beacon_value="ab" * 48)) == []
    both = published(beacon=b, beacon_value="cd" * 48)
    assert d.verify(both) == []


def tamper(path: str, value: Any) -> dict[str, Any]:
    pub = copy.deepcopy(published())
    node: Any = pub
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node[k]
    last = keys[-1]
    node[int(last) if last.isdigit() else last] = value
    return pub


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("commit.candidates.0.id", "law-x", "承诺不符"),  # a changed candidate list
        ("commit.candidates.0.category", "npc_deputy", "承诺不符"),
        ("commit.rules.quotas.lawyer", 1, "承诺不符"),  # changed rules
        ("commit.excluded", [], "承诺不符"),
        ("reveal.seed", "22" * 32, "种子与事先承诺的哈希不符"),  # a changed seed
        ("result.selected.0", "law-4", "抽取结果不符"),  # a changed result
        ("commitment", "00" * 32, "承诺不符"),
    ],
)
def test_any_change_is_named(path: str, value: Any, words: str) -> None:
    problems = d.verify(tamper(path, value))
    assert problems and any(words in p for p in problems), problems


def test_a_recomputed_commitment_still_fails_on_the_result() -> None:
    pub = tamper("commit.candidates.0.id", "law-x")
    pub["commitment"] = d.commitment(pub["commit"])
    assert any("抽取结果不符" in p for p in d.verify(pub))


def test_refusals_at_commit_time() -> None:
    with pytest.raises(d.DrawError, match="随机来源"):
        record(seed_sha=None)
    with pytest.raises(d.DrawError, match="只有 4 名"):
        d.commit_record(
            hearing_id="h",
            matter_id="m",
            candidates=CANDS,
            excluded={},
            quotas={"npc_deputy": 5},
            seed_sha256=SEED_SHA,
            beacon=None,
            committed_at="t",
        )
    with pytest.raises(d.DrawError, match="不能事后加入信标"):
        d.select(record(), SEED, "ff")


# chi-square critical values at p = 0.001 for df = 3, 4, 6
CHI2_999 = {3: 16.27, 4: 18.47, 6: 22.46}


def test_selection_frequencies_match_quota_over_pool() -> None:
    """4,000 draws with seeds 0..3999: per category, a chi-square test of each person's
    count against N·quota/n, and every person within 5 standard deviations."""
    n_draws = 4000
    counts: Counter[str] = Counter()
    for i in range(n_draws):
        seed = i.to_bytes(32, "big").hex()
        rec = record(seed_sha=hashlib.sha256(bytes.fromhex(seed)).hexdigest())
        counts.update(d.select(rec, seed, None)["selected"])
    for cat, quota in QUOTAS.items():
        people = [c for c, k in CANDS.items() if k == cat]
        p = quota / len(people)
        exp = n_draws * p
        chi2 = sum((counts[x] - exp) ** 2 / exp for x in people)
        print(
            f"{cat}: p={p:.3f} expected {exp:.0f}, "
            f"got {[counts[x] for x in people]}, chi2={chi2:.2f}"
        )
        assert chi2 < CHI2_999[len(people) - 1]
        sd = (n_draws * p * (1 - p)) ** 0.5
        assert all(abs(counts[x] - exp) < 5 * sd for x in people)


def test_stream_is_unbiased_for_small_ranges() -> None:
    s = d.Stream(b"k")
    c = Counter(s.below(3) for _ in range(3000))
    assert set(c) == {0, 1, 2} and all(900 < v < 1100 for v in c.values())


def test_invitation_escapes_text_and_folds_long_lines() -> None:
    from datetime import UTC, datetime

    from central.hearings.ics import invitation
    from central.hearings.models import HearingRow

    h = HearingRow(
        id="h1",
        title="关于某村征地补偿，信访人张某；李某的申请" * 3,
        mode="in_person",
        location="县检察院听证室, 三楼",
        meeting_url="",
        starts_at=datetime(2026, 12, 1, 1, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 3, tzinfo=UTC),
    )
    text = invitation(
        h,
        attendees=[('王"五\r\nX-EVIL:1', "w@example.org\r\n")],
        now=datetime(2026, 11, 29, tzinfo=UTC),
    )
    lines = text.split("\r\n")
    assert all(len(x.encode()) <= 75 for x in lines)
    assert not any(x.startswith("X-EVIL") for x in lines)
    unfolded = text.replace("\r\n ", "")
    assert "LOCATION:县检察院听证室\\, 三楼" in unfolded and "DTSTART:20261201T010000Z" in unfolded
    assert "SUMMARY:公开听证：关于某村征地补偿\\，" not in unfolded  # full-width comma is text
    assert "信访人张某\\；" not in unfolded and "；" in unfolded
    assert 'CN="王 五  X-EVIL 1"' in unfolded and "mailto:w@example.org\r\n" in text.replace(
        "\r\n ", ""
    )
