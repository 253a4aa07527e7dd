"""Integer parameters the HTTP API shares, bounded where they come in.

An unbounded ``int`` from a path, query or body reached the database as it was: past
2**63 - 1 SQLite's driver fails, past 2**31 - 1 PostgreSQL's ``integer`` columns (the
row ids) do, and the caller got a 500 (found by the schemathesis run,
tests/central/access/test_schemathesis.py). Counts and byte offsets may go to 2**53, as far
as a JSON number stays exact.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

ID_MAX = 2**31 - 1  # PostgreSQL's integer: every row id column here
COUNT_MAX = 2**53

RowId = Annotated[int, Path(ge=1, le=ID_MAX, description="row id")]
Offset = Annotated[int, Query(ge=0, le=COUNT_MAX, description="how many to skip")]
After = Annotated[int, Query(ge=0, le=ID_MAX, description="the last row id already had")]
