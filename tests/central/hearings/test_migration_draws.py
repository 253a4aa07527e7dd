"""Migration 0017_hearing_draws on a database made before it, on SQLite and PostgreSQL:
a hearing with several open commitments keeps its newest, one whose draw is revealed
keeps none; the others are marked abandoned, by the migration, saying why. Then the
database refuses a second open commitment, and the migration goes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from central.database import alembic_config, make_engine, migrate
from central.db import utcnow
from central.settings import Settings


def test_legacy_open_commitments_are_abandoned_by_the_migration(settings: Settings) -> None:

    engine: Engine = make_engine(settings)
    try:
        migrate(engine, revision="0016_matter_refs")
        # rows as the schema of 0016 has them, in SQL: the ORM models are the head's
        # (later migrations add columns that 0016 does not have)
        start = utcnow() + timedelta(days=3)
        sqlite = engine.dialect.name == "sqlite"

        def ts(at: datetime) -> datetime:
            return at.replace(tzinfo=None) if sqlite else at

        now = ts(utcnow())
        hearings = ["h-legacy-0", "h-legacy-1"]
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO matter (id, status, summary, officer_id, registered_at, "
                    "updated_at, version, supervisions, paused) VALUES ('m-legacy', "
                    "'registered', '不服判决申请监督', 'officer-1', :now, :now, 1, 0, :f)"
                ),
                {"now": now, "f": False},
            )
            for i, hid in enumerate(hearings):
                c.execute(
                    text(
                        "INSERT INTO hearing (id, matter_id, title, mode, location, meeting_url, "
                        "starts_at, ends_at, status, created_by, created_at, record, outcome) "
                        "VALUES (:id, 'm-legacy', :t, 'in_person', '听证室', '', :s, :e, "
                        "'scheduled', 'lin', :now, '', '')"
                    ),
                    {"id": hid, "t": f"听证{i}", "s": ts(start),
                     "e": ts(start + timedelta(hours=1)), "now": now},
                )  # fmt: skip
        t0 = datetime(2026, 1, 1, tzinfo=UTC)
        rows = [  # (id, hearing, status, minutes after t0)
            ("a1", hearings[0], "committed", 0),
            ("a2", hearings[0], "committed", 5),
            ("a3", hearings[0], "committed", 9),  # the newest: kept open
            ("b1", hearings[1], "committed", 0),
            ("b2", hearings[1], "revealed", 3),
            ("b3", hearings[1], "committed", 7),
        ]
        with engine.begin() as c:
            for did, hid, st, m in rows:
                at = t0 + timedelta(minutes=m)
                c.execute(
                    text(
                        "INSERT INTO hearing_draw (id, hearing_id, commitment, commit_record, "
                        "status, committed_at) VALUES (:id, :h, :c, :r, :s, :at)"
                    ),
                    {"id": did, "h": hid, "c": did * 32, "r": "{}", "s": st,
                     "at": ts(at)},
                )  # fmt: skip
        migrate(engine)
        with engine.connect() as c:
            got = {
                r.id: (r.status, r.abandoned_by, r.abandon_reason)
                for r in c.execute(
                    text("SELECT id, status, abandoned_by, abandon_reason FROM hearing_draw")
                )
            }
        assert {k: v[0] for k, v in got.items()} == {
            "a1": "abandoned", "a2": "abandoned", "a3": "committed",
            "b1": "abandoned", "b2": "revealed", "b3": "abandoned",
        }  # fmt: skip
        assert got["a1"][1] == "迁移 0017" and "保留最新的一个" in str(got["a1"][2])
        assert "本听证已公布结果" in str(got["b3"][2])
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO hearing_draw (id, hearing_id, commitment, commit_record, "
                    "status, committed_at) VALUES ('a4', :h, :c, '{}', 'committed', :at)"
                ),
                {"h": hearings[0], "c": "f" * 64, "at": t0.replace(tzinfo=None)},
            )

        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0016_matter_refs")
        with engine.connect() as c:
            statuses = set(c.execute(text("SELECT status FROM hearing_draw")).scalars())
        assert statuses == {"committed", "revealed"}
    finally:
        engine.dispose()
