"""The holiday calendar and the rules file a site edits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from central.workflow.calendar import (
    SAMPLE_CN_2026,
    WEEKENDS_ONLY,
    CalendarError,
    load_calendar,
    parse_csv,
    parse_json,
)
from central.workflow.rules import (
    DEFAULT_RULES,
    DEFAULT_RULES_FILE,
    RulesError,
    Unit,
    load_rules,
    parse_rules,
)

CN = load_calendar(SAMPLE_CN_2026)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-01-01", False),  # 元旦
        ("2026-01-04", True),  # Sunday, 调休 working day
        ("2026-02-14", True),  # Saturday, 调休
        ("2026-02-16", False),  # 春节 Monday
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday, 调休
        ("2026-03-07", False),  # ordinary Saturday
        ("2026-05-05", False),  # 劳动节 Tuesday
        ("2026-05-09", True),
        ("2026-09-20", True),
        ("2026-10-07", False),
        ("2026-10-10", True),
        ("2026-10-12", True),
    ],
)
def test_sample_2026_calendar(day, working):
    assert CN.is_working_day(date.fromisoformat(day)) is working


def test_sample_says_it_must_be_checked_and_covers_only_2026():
    raw = SAMPLE_CN_2026.read_text("utf-8")
    assert "核对" in raw and "国务院办公厅" in raw
    assert CN.covers(date(2026, 6, 1)) and not CN.covers(date(2027, 1, 4))
    assert not WEEKENDS_ONLY.is_working_day(date(2026, 3, 7))
    assert CN.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)


def test_csv_calendar(tmp_path: Path):
    f = tmp_path / "cal.csv"
    f.write_text("date,kind,name\n2026-10-01,holiday,国庆\n2026-10-10,workday,调休\n", "utf-8")
    cal = load_calendar(f)
    assert not cal.is_working_day(date(2026, 10, 1)) and cal.is_working_day(date(2026, 10, 10))
    assert cal.covers(date(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("date,kind\n2026-10-01,vacation\n", "kind"),
        ("date,kind\n2026-13-01,holiday\n", "第 2 行"),
        ("day,kind\n", "表头"),
        ("date,kind\n2026-10-09,workday\n", "周末"),  # a Friday cannot be a 调休 workday
    ],
)
def test_bad_csv_is_refused(text, match):
    with pytest.raises(CalendarError, match=match):
        parse_csv(text)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]}', "既是假日又是调休"),
        ('{"holidays": [], "colour": "red"}', "colour"),
        ('{"years": [2026], "holidays": ["2027-01-01"]}', "不在声明的年份"),
        ('{"holidays": [{"from": "2026-10-07", "to": "2026-10-01"}]}', "before"),
        ("not json", "格式错误"),
    ],
)
def test_bad_json_is_refused(text, match):
    with pytest.raises(CalendarError, match=match):
        parse_json(text)


def test_unknown_calendar_file_type(tmp_path: Path):
    with pytest.raises(CalendarError):
        load_calendar(tmp_path / "cal.xlsx")
    with pytest.raises(CalendarError, match="无法读取"):
        load_calendar(tmp_path / "missing.json")


def test_default_rules_file_matches_the_built_in_defaults():
    assert load_rules(DEFAULT_RULES_FILE) == DEFAULT_RULES
    r = DEFAULT_RULES
    assert (r.procedural_reply.limit, r.procedural_reply.unit) == (7, Unit.calendar_days)
    assert (r.result_reply.limit, r.result_reply.unit) == (3, Unit.months)
    assert (r.acceptance_decision.limit, r.handling.limit, r.max_extension_days) == (15, 60, 30)
    assert r.review_request.limit == r.review_decision.limit == r.re_review_decision.limit == 30


def test_fujian_site_uses_working_days(tmp_path: Path):
    f = tmp_path / "rules.toml"
    f.write_text('[procedural_reply]\nlimit = 7\nunit = "working_days"\n', "utf-8")
    r = load_rules(f)
    assert r.procedural_reply.unit is Unit.working_days
    assert r.handling == DEFAULT_RULES.handling


@pytest.mark.parametrize(
    ("text", "fmt", "match"),
    [
        ("[handling]\nlimit = 60\nunit = 'calendar_days'\nlimt = 3\n", "toml", "limt"),
        ("handlng = 3\n", "toml", "handlng"),
        ('timezone = "Mars/Olympus"\n', "toml", "time zone"),
        ("[handling]\nlimit = 0\nunit = 'calendar_days'\n", "toml", "limit"),
        ('{"handling": {"limit": 60, "unit": "fortnights"}}', "json", "unit"),
        ("[handling", "toml", "期限规则文件有误"),
    ],
)
def test_bad_rules_are_refused_with_the_key(text, fmt, match):
    with pytest.raises(RulesError, match=match):
        parse_rules(text, fmt=fmt)


def test_rules_file_type(tmp_path: Path):
    with pytest.raises(RulesError):
        load_rules(tmp_path / "rules.yaml")
    f = tmp_path / "rules.json"
    f.write_text('{"max_extensions": 2}', "utf-8")
    assert load_rules(f).max_extensions == 2
