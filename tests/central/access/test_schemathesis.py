"""Schemathesis against central's own OpenAPI schema, as production runs it.

Every operation of the schema (``app.openapi()``: ``/api/openapi.json`` is for staff
only) gets requests Schemathesis makes from it, valid ones and ones that break the
schema (wrong types, missing fields, strings where numbers go), sent through the app:

* by nobody: a route not on the public list answers 401 or 403 - never 2xx, never a
  validation error (the gate runs before the route reads anything) - and no 5xx;
* by an admin of site A, logged in, with the session's CSRF token: no 5xx, a clear
  4xx for what the schema does not allow, and answers that match the schema. Path
  parameters are the world's real records half of the time, so requests reach the
  services, not only the "not found" of a random id.

The default run is small (``EXAMPLES`` cases per operation and mode, derandomized, on
SQLite); ``ZHIFANG_FUZZ_EXAMPLES=25`` runs a bigger, random one on SQLite and
PostgreSQL (docs/security.md).
Failures are collected across operations, one line each with the request to repeat.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from tests.databases import pg_schema_url

from .expected import rows
from .world import World

EXAMPLES = int(os.environ.get("ZHIFANG_FUZZ_EXAMPLES", "4"))
BIG = "ZHIFANG_FUZZ_EXAMPLES" in os.environ
# each example is 172 cases (86 operations, valid and invalid): about 20 s on a busy machine
pytestmark = pytest.mark.timeout(300 + EXAMPLES * 90)
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
]


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if BIG else ["sqlite"]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite in the default run; the bigger run covers PostgreSQL too."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from pg_schema_url(prefix="zf_fuzz")


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # one per operation and kind

    def fail(self, case: Case, kind: str, detail: str) -> None:
        key = f"{case.operation.label} {kind}"
        self.failures.setdefault(key, f"{key}: {detail} ({_repeat(case)})")


def _repeat(case: Case) -> str:
    kw = case.as_transport_kwargs(base_url="")
    body = kw.get("json", kw.get("data"))
    return f"{kw['method']} {kw['url']} params={kw.get('params')} body={body!r:.200}"


def _send(client: TestClient, case: Case) -> Any:
    """The case as a request of ``client`` (its cookie and CSRF header ride along)."""
    kw = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: v for k, v in kw["headers"].items() if k.lower() != "user-agent"}
    extra: dict[str, Any] = {}
    if "json" in kw:
        extra["content"] = json.dumps(kw["json"]).encode()
    elif "data" in kw:
        data = kw["data"]
        extra["content"] = data if isinstance(data, bytes | str) else None
        if extra["content"] is None:
            extra = {"data": data}
    return client.request(
        kw["method"], kw["url"], params=kw.get("params"), headers=headers,
        follow_redirects=False, **extra,
    )  # fmt: skip


def _known(world: World) -> dict[str, str]:
    ids = world.ids
    return {
        "person_id": ids["person"], "reception_id": ids["reception"],
        "matter_id": ids["matter"], "hearing_id": ids["hearing"], "draw_id": ids["draw"],
        "plan_id": ids["plan"], "task_id": ids["task"], "name": "box-spare",
        "organ_id": "police-x", "article_id": "1",
    }  # fmt: skip


def _run(world: World, principal: str, judge: Callable[[Case, Any, Tally], None]) -> Tally:
    app = world.app
    schema = schemathesis.openapi.from_dict(app.openapi())
    client = world.client(principal)
    known = _known(world)
    tally = Tally()
    for result in schema.get_all_operations():
        op = result.ok()
        tally.operations += 1
        names = {p.name for p in op.path_parameters}
        real = {k: v for k, v in known.items() if k in names}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = op.as_strategy(generation_mode=mode)
            if real and principal != "anonymous" and mode is GenerationMode.POSITIVE:
                strategy = st.one_of(
                    strategy, op.as_strategy(generation_mode=mode, path_parameters=real)
                )

            @hsettings(
                max_examples=EXAMPLES, deadline=None, database=None, derandomize=not BIG,
                suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
            )  # fmt: skip
            @given(case=strategy)
            def one(case: Case) -> None:
                tally.cases += 1
                try:
                    r = _send(client, case)
                except Exception as e:  # the test client re-raises what would be a 500
                    tally.fail(case, "5xx", f"{type(e).__name__}: {e}"[:200])
                    return
                judge(case, r, tally)

            try:
                one()
            except Exception as e:  # e.g. an operation with nothing to negate
                if "Unsatisfiable" not in type(e).__name__ and "unsatisf" not in str(e).lower():
                    raise
    return tally


def _report(tally: Tally) -> str:
    return f"{tally.operations} operations, {tally.cases} cases, failures:\n" + "\n".join(
        sorted(tally.failures.values())
    )


def test_nobody_gets_past_a_gate_and_nothing_answers_5xx(world: World) -> None:
    public = {(m, p) for (m, p), (who, _) in rows().items() if who == "public"}

    def judge(case: Case, r: Any, tally: Tally) -> None:
        if r.status_code >= 500:
            tally.fail(case, "5xx", f"{r.status_code} {r.text[:160]!r}")
        elif (case.method.upper(), case.path) not in public and r.status_code not in (401, 403):
            tally.fail(case, "anonymous", f"{r.status_code}, want 401/403 {r.text[:120]!r}")

    tally = _run(world, "anonymous", judge)
    print(_report(tally))
    assert tally.operations >= 80 and tally.cases >= tally.operations * 2
    assert tally.failures == {}, _report(tally)


def test_a_logged_in_admin_gets_clear_answers_and_never_a_5xx(world: World) -> None:
    def judge(case: Case, r: Any, tally: Tally) -> None:
        try:
            case.validate_response(r, checks=CHECKS)
        except FailureGroup as group:
            for f in group.exceptions:
                tally.fail(case, f.title, f"{r.status_code} {f.message[:200]!r} {r.text[:160]!r}")

    tally = _run(world, "admin-a", judge)
    print(_report(tally))
    assert tally.operations >= 80 and tally.cases >= tally.operations * 2
    assert tally.failures == {}, _report(tally)
