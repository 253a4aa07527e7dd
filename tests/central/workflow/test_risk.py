"""Risk levels with reasons, from site-editable rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from central.workflow.risk import (
    DEFAULT_RISK_RULES,
    Level,
    RiskFacts,
    RiskRulesError,
    assess,
    load_risk_rules,
    parse_risk_rules,
)


def test_nothing_known_is_low():
    a = assess(RiskFacts(statements=("要求退还多收的物业费",)))
    assert (a.level, a.findings, a.reason) == (Level.low, (), "未发现风险因素")
    assert a.level.wire == "low"


def test_stated_self_harm_is_high_with_the_words():
    a = assess(RiskFacts(statements=("再不解决我就去跳楼", "家里人也说不想活了")))
    assert a.level is Level.high and a.level.wire == "high"
    assert a.findings[0].code == "self_harm"
    assert "跳楼" in a.reason and "不想活" in a.reason


def test_stated_violence_is_high():
    a = assess(RiskFacts(statements=("我要报复那个包工头",)))
    assert [f.code for f in a.findings] == ["violence"] and a.level is Level.high


@pytest.mark.parametrize(
    ("visitors", "group", "level"),
    [
        (1, False, Level.low),
        (2, True, Level.medium),
        (3, False, Level.medium),
        (5, True, Level.high),
    ],
)
def test_group_visits(visitors, group, level):
    assert assess(RiskFacts(visitors=visitors, group_visit=group)).level is level


@pytest.mark.parametrize(
    ("facts", "code", "level"),
    [
        (RiskFacts(repeat_visits_unresolved=2), "repeat", Level.medium),
        (RiskFacts(repeat_visits_unresolved=4), "repeat", Level.high),
        (RiskFacts(overdue_days=1), "overdue", Level.medium),
        (RiskFacts(overdue_days=30), "overdue", Level.high),
        (RiskFacts(dissatisfied=1), "dissatisfied", Level.medium),
        (RiskFacts(dissatisfied=2), "dissatisfied", Level.high),
        (RiskFacts(stated_level=Level.medium, stated_reason="情绪激动"), "stated", Level.medium),
    ],
)
def test_each_rule_gives_its_reason(facts, code, level):
    a = assess(facts)
    assert [(f.code, f.level) for f in a.findings] == [(code, level)]
    assert a.level is level and a.reason


def test_highest_finding_first_and_overall_level_is_the_maximum():
    a = assess(RiskFacts(overdue_days=3, dissatisfied=2, visitors=3))
    assert a.level is Level.high
    assert a.findings[0].code == "dissatisfied"
    assert a.reason.count("；") == 2


def test_a_site_edits_the_rules(tmp_path: Path):
    f = tmp_path / "risk.toml"
    f.write_text(
        'violence_words = ["讨说法"]\n[repeat_visits]\nmedium_at = 0\nhigh_at = 10\n', "utf-8"
    )
    rules = load_risk_rules(f)
    assert assess(RiskFacts(statements=("今天必须讨说法",)), rules).level is Level.high
    assert assess(RiskFacts(repeat_visits_unresolved=5), rules).level is Level.low
    assert assess(RiskFacts(statements=("我要报复",)), rules).level is Level.low
    assert rules.overdue_days == DEFAULT_RISK_RULES.overdue_days


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("violence_wrds = []", "violence_wrds"),
        ("[overdue_days]\nmedium_at = 10\nhigh_at = 5\n", "high_at"),
        ("[overdue_days]\nmedium_at = -1\nhigh_at = 5\n", "medium_at"),
    ],
)
def test_bad_risk_rules_are_refused(text, match):
    with pytest.raises(RiskRulesError, match=match):
        parse_risk_rules(text, fmt="toml")


def test_risk_rules_file_type(tmp_path: Path):
    with pytest.raises(RiskRulesError):
        load_risk_rules(tmp_path / "risk.ini")
    f = tmp_path / "risk.json"
    f.write_text('{"dissatisfied": {"medium_at": 2, "high_at": 3}}', "utf-8")
    assert assess(RiskFacts(dissatisfied=1), load_risk_rules(f)).level is Level.low
