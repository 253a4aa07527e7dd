"""The console's form action: a refusal writes nothing and says why; success commits and
says so; anything else is not a refusal and goes on to the app's error handlers."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from central.access.principals import Staff
from central.console.actions import FormAction, back


class Session:
    """Counts what the action does to the transaction."""

    def __init__(self) -> None:
        self.done: list[str] = []

    def commit(self) -> None:
        self.done.append("commit")

    def rollback(self) -> None:
        self.done.append("rollback")


class Refused(ValueError):
    pass


ACC = Staff(1, "li", "李", "officer", "site-a", "csrf")


def where(r: Any) -> str:
    return unquote(r.headers["location"])


def test_done_commits_and_goes_back_with_the_message() -> None:
    s = Session()
    with FormAction(s, ACC, back="/console/x", refusals=(Refused,), anchor="#plans") as act:  # type: ignore[arg-type]
        act.done("已保存", extra="&site=a")
    assert s.done == ["commit"]
    assert act.response.status_code == 303
    assert where(act.response) == "/console/x?msg=已保存&site=a#plans"


def test_a_refusal_writes_nothing_and_says_why() -> None:
    s = Session()
    with FormAction(s, ACC, back="/console/x", refusals=(Refused,)) as act:  # type: ignore[arg-type]
        raise Refused("期限应为日期")
    assert s.done == ["rollback"]
    assert where(act.response) == "/console/x?error=期限应为日期"


def test_anything_else_is_not_a_refusal() -> None:
    s = Session()
    with pytest.raises(KeyError), FormAction(s, ACC, back="/x", refusals=(Refused,)):  # type: ignore[arg-type]
        raise KeyError("bug")
    assert s.done == ["rollback"]


def test_forgetting_to_say_what_was_done_is_a_bug() -> None:
    with pytest.raises(RuntimeError), FormAction(Session(), ACC, back="/x", refusals=()):  # type: ignore[arg-type]
        pass


def test_back_quotes_the_message() -> None:
    assert back("/console/a", "a&b", error=True).headers["location"] == "/console/a?error=a%26b"
