"""A site's own files reach every path: its holiday calendar, named in the settings,
moves a desk matter's deadline at ingest, in the JSON API and on the console page; a
deadline past the calendar's end is marked 待核定, every page warns, and the admins
are alerted once a day until the next year's file is loaded."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from central.alerts import service as alerts
from central.alerts.models import AlertRow
from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from central.ingest.ingestor import Ingestor
from central.ingest.projection import IdKeys
from central.settings import Settings
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterRow
from protocol.messages import ReceptionStarted, WorkflowStepDone
from tests.auth import add_user, production_settings
from tests.central.helpers import T0, Box

# T0 is 2026-09-21 (Beijing): the 程序性回复 is due 7 days later, 2026-09-28, unless the
# site says that week is off
T_AT = datetime(2026, 9, 21, 8, tzinfo=UTC)
SITE_CALENDAR = {
    "name": "某院 2026-2027（测试）",
    "years": [2026, 2027],
    "holidays": [{"name": "本院调整", "from": "2026-09-22", "to": "2026-09-30"}],
}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(SITE_CALENDAR, ensure_ascii=False), "utf-8")
    return production_settings(database_url=db_url, data_dir=tmp_path, calendar_file=path)


def _desk_matter(sessions: sessionmaker[Session], ingestor: Ingestor, at: int) -> str:
    box = Box(name=f"box-{uuid.uuid4().hex[:8]}", site="minhou")
    with sessions.begin() as s:
        devices.register(
            s, data=DeviceCreate(name=box.name, site=box.site, public_key=box.public_key)
        )
    rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    bodies = [
        ReceptionStarted(reception_id=rid, officer_id="zhang", started_at=at),
        WorkflowStepDone(
            reception_id=rid, officer_id="zhang", step="register", at=at + 1000,
            matter_ref=mid, fields={"诉求": "要求答复"},
        ),
    ]  # fmt: skip
    ingestor.process([box.incoming(box.seal(b)) for b in bodies])
    return mid


def _keys(settings: Settings) -> IdKeys:
    return IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes)


def _procedural(client: TestClient, mid: str) -> dict[str, object]:
    r = client.get(f"/api/matters/{mid}")
    assert r.status_code == 200, r.text
    return next(c for c in r.json()["clocks"] if c["kind"] == "procedural_reply")


def test_the_sites_calendar_moves_a_desk_deadline_in_ingest_api_and_console(
    settings: Settings, sessions: sessionmaker[Session], client: TestClient
) -> None:
    add_user(sessions, "zhang", "officer", display_name="张敏")
    # the ingest runner builds its ingestor exactly so (central/ingest/runner.py)
    ing = Ingestor(sessions, id_keys=_keys(settings), config=WorkflowConfig.from_settings(settings))
    mid = _desk_matter(sessions, ing, T0)
    clock = _procedural(client, mid)
    assert clock["due_on"] == "2026-10-01" and clock["calendar_covered"] is True
    shipped = WorkflowConfig()  # what the site's file replaced: 2026-09-28, a Monday
    assert shipped.calendar.is_working_day(date(2026, 9, 28))
    page = client.get(f"/console/matters/{mid}").text
    assert "2026-10-01" in page and "待核定" not in page
    # the calendar covers the next 60 days: no warning on any page, no alert
    assert 'data-testid="calendar-gap"' not in client.get("/console/").text
    with sessions() as s:
        alerts.scan(s, config=WorkflowConfig.from_settings(settings))
        assert not s.scalars(select(AlertRow).where(AlertRow.kind == "calendar_gap")).all()


def test_a_bad_calendar_file_stops_the_start(tmp_path: Path, db_url: str) -> None:
    from central.app import create_app
    from protocol.calendar import CalendarError

    bad = tmp_path / "holidays.json"
    bad.write_text('{"years": [2027], "holidays": ["2026-10-01"]}', "utf-8")
    with pytest.raises(CalendarError, match="不在声明的年份"):
        create_app(production_settings(database_url=db_url, data_dir=tmp_path, calendar_file=bad))


def test_past_the_calendar_a_deadline_is_provisional_and_the_admins_are_told(
    db_url: str, tmp_path: Path, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """The shipped calendar knows 2026 only: a matter registered in November has its
    3-month result due in 2027, which nobody's calendar has said yet."""
    from central.app import create_app
    from tests.auth import login

    settings = production_settings(database_url=db_url, data_dir=tmp_path)
    app = create_app(settings, engine=engine)
    add_user(sessions, "root", "admin", org="*")
    add_user(sessions, "zhang", "officer", display_name="张敏")
    ing = Ingestor(sessions, id_keys=_keys(settings), config=WorkflowConfig.from_settings(settings))
    mid = _desk_matter(sessions, ing, T0 + 60 * 86_400_000)  # 2026-11-20
    with TestClient(app) as c:
        login(c, "root", send_csrf=True)
        result = next(k for k in c.get(f"/api/matters/{mid}").json()["clocks"]
                      if k["kind"] == "result_reply")  # fmt: skip
        assert result["due_on"].startswith("2027-") and result["calendar_covered"] is False
        page = c.get(f"/console/matters/{mid}").text
        assert "待核定" in page
        if WorkflowConfig().calendar_gap(date.today()) is not None:  # until 2027's file ships
            assert 'data-testid="calendar-gap"' in page
            with sessions() as s:
                alerts.scan(s, config=WorkflowConfig())
                alerts.scan(s, config=WorkflowConfig())  # once a day, not once a scan
                told = s.scalars(select(AlertRow).where(AlertRow.kind == "calendar_gap")).all()
                assert [a.recipient for a in told] == ["root"]
                assert "ZHIFANG_CALENDAR_FILE" in told[0].message


def test_the_sites_file_names_the_site_in_every_new_文号(tmp_path: Path, db_url: str) -> None:
    """A 文号 printed on a 回执 uses the site's own short name and format."""
    from central.workflow import service as wf
    from central.workflow.sites import SitesFileError, load_sites
    from central.workflow.states import Action, Command

    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.minhou]\nshort = "闽侯"\nname = "闽侯县人民检察院"\n', "utf-8")
    s = production_settings(database_url=db_url, data_dir=tmp_path, sites_file=sites)
    config = WorkflowConfig.from_settings(s)
    assert config.sites.names("minhou").name == "闽侯县人民检察院"
    from central.database import make_engine, make_session_factory, migrate

    engine = make_engine(s)
    migrate(engine)
    try:
        with make_session_factory(engine)() as session:
            cmd = Command(Action.register, "zhang", T_AT, reason="来信登记")
            m = wf.open_matter(session, command=cmd, officer_id="zhang", summary="要求答复",
                               site="minhou", config=config)  # fmt: skip
            assert session.get_one(MatterRow, m.id).ref_no == "闽侯检信〔2026〕1号"
    finally:
        engine.dispose()
    bad = tmp_path / "bad.toml"
    bad.write_text('[sites.minhou]\nshort = "闽侯"\nref_format = "{short}检信"\n', "utf-8")
    with pytest.raises(SitesFileError, match="须含"):
        load_sites(bad)
