"""Evidence bound to its box (#13), in the service (the HTTP seam passes the caller), on
SQLite and PostgreSQL: a box holding its own valid key tries to put its media into
another box's reception, at segment 0 and at segment N, before and after central knows
the reception; announces a 1 TiB segment; floods its quota."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from appliance.recording.spool import Spool
from appliance.recording.upload import HttpEvidenceClient, Uploader
from central.alerts.models import AlertRow
from central.alerts.service import raise_foreign_reception, scan
from central.app import create_app
from central.database import make_session_factory
from central.db import utcnow
from central.devices.models import Device
from central.dossier.models import Reception
from central.evidence.binding import UploadLimits, UploadRefused
from central.evidence.log import EvidenceLog
from central.evidence.models import Upload
from central.evidence.service import EvidenceService, Parked, Receipt
from protocol import keys
from protocol.evidence import SegmentManifest, SignedManifest, sign_manifest
from tests.auth import box_client, production_settings
from tests.central.accounts.helpers import add_user

OWNER = {"caller_device": "desk-02", "caller_site": "minhou"}
INTRUDER = {"caller_device": "desk-01", "caller_site": "gulou"}


@pytest.fixture
def db(engine: Engine) -> sessionmaker[Session]:
    """The whole migrated schema (devices, receptions, evidence, alerts), both databases."""
    return make_session_factory(engine)


@pytest.fixture
def desk_keys(db: sessionmaker[Session]) -> dict[str, Ed25519PrivateKey]:
    """desk-02 at minhou owns the receptions; desk-01 at gulou is the intruder (a stolen
    or misconfigured box with its own valid key)."""
    out = {"desk-02": Ed25519PrivateKey.generate(), "desk-01": Ed25519PrivateKey.generate()}
    with db.begin() as s:
        for name, site in (("desk-02", "minhou"), ("desk-01", "gulou")):
            s.add(
                Device(id=name, site=site, public_key=keys.public_key_b64(out[name]),
                       registered_at=utcnow())
            )  # fmt: skip
    add_user(db, "leader-minhou", "leader", org="minhou", on_duty=True)
    return out


def service(tmp_path: Path, **limits: int) -> EvidenceService:
    log = EvidenceLog(origin="zhifang.test/evidence", key=Ed25519PrivateKey.generate())
    return EvidenceService(
        log=log, data_dir=tmp_path / "ev", limits=UploadLimits(**limits),
        on_foreign=raise_foreign_reception,
    )  # fmt: skip


def known(db: sessionmaker[Session], rid: str, owner: str = "desk-02") -> None:
    """The reception's events reached central: ingest's projection made its row."""
    with db.begin() as s:
        s.add(Reception(id=rid, device=owner, events=1))


def segments(
    key: Ed25519PrivateKey, device: str, rid: str, n: int, *, size: int = 2048, first: int = 0,
    prev: str | None = None,
) -> list[tuple[SignedManifest, bytes]]:  # fmt: skip
    out = []
    for i in range(first, first + n):
        data = os.urandom(size)
        m = SegmentManifest(
            reception_id=rid, device=device, device_key=keys.key_id(key), index=i,
            start_ms=i * 2000, end_ms=i * 2000 + 2000, media="audio", container="wav",
            sha256=hashlib.sha256(data).hexdigest(), size=len(data), prev=prev,
            final=i == first + n - 1,
        )  # fmt: skip
        sm = sign_manifest(m, key)
        prev = sm.manifest_hash()
        out.append((sm, data))
    return out


def upload(
    svc: EvidenceService, db: sessionmaker[Session], sm: SignedManifest, data: bytes, who: dict
) -> Receipt | Parked:
    with db() as s:
        try:
            up = svc.init_upload(s, manifest_bytes=sm.to_bytes(), **who)
            svc.put_chunk(s, upload_id=up.id, offset=0, data=data, **who)
            got = svc.finalize(s, upload_id=up.id, **who)
        finally:
            s.commit()  # what the API does: a refusal and its alert are kept
    return got


def logged(svc: EvidenceService, db: sessionmaker[Session], rid: str) -> list[tuple[str, int]]:
    with db() as s:
        from protocol.evidence import parse_signed_manifest

        return [
            (parse_signed_manifest(leaf.data).manifest.device, leaf.seg_index or 0)
            for leaf in svc.log.reception_leaves(s, rid)
        ]


def alerts(db: sessionmaker[Session]) -> list[str]:
    with db() as s:
        q = select(AlertRow.message).where(AlertRow.kind == "foreign_reception")
        return list(s.scalars(q))


def test_a_foreign_boxs_segment_0_is_refused_and_the_owners_chain_goes_on(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    svc, rid = service(tmp_path), str(uuid.uuid4())
    known(db, rid)
    [(sm, data)] = segments(desk_keys["desk-01"], "desk-01", rid, 1)
    with pytest.raises(UploadRefused) as e:
        upload(svc, db, sm, data, INTRUDER)
    assert (e.value.reason, e.value.status, e.value.retry) == ("foreign_reception", 403, False)
    assert "refused (foreign_reception) for desk-01" in caplog.text  # logged with its reason
    (message,) = alerts(db)
    assert "desk-01" in message and "desk-02" in message
    for sm, data in segments(desk_keys["desk-02"], "desk-02", rid, 2):
        assert isinstance(upload(svc, db, sm, data, OWNER), Receipt)
    assert logged(svc, db, rid) == [("desk-02", 0), ("desk-02", 1)]


def test_a_foreign_boxs_segment_n_is_refused(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> None:
    svc, rid = service(tmp_path), str(uuid.uuid4())
    known(db, rid)
    [(first, data)] = segments(desk_keys["desk-02"], "desk-02", rid, 1)
    upload(svc, db, first, data, OWNER)
    # chained to the owner's logged segment 0 (its hash is public), signed by desk-01
    [(sm, data)] = segments(
        desk_keys["desk-01"], "desk-01", rid, 1, first=1, prev=first.manifest_hash()
    )
    with pytest.raises(UploadRefused, match="desk-02") as e:
        upload(svc, db, sm, data, INTRUDER)
    assert e.value.reason == "foreign_reception"
    assert logged(svc, db, rid) == [("desk-02", 0)]


def test_a_segment_for_a_reception_not_yet_known_is_parked_then_checked(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> None:
    svc, rid = service(tmp_path), str(uuid.uuid4())
    [(bad, bad_data)] = segments(desk_keys["desk-01"], "desk-01", rid, 1)
    ours = segments(desk_keys["desk-02"], "desk-02", rid, 2)
    assert isinstance(upload(svc, db, bad, bad_data, INTRUDER), Parked)  # not trusted
    assert isinstance(upload(svc, db, *ours[0], OWNER), Parked)
    assert logged(svc, db, rid) == []  # nothing is evidence before central knows whose
    known(db, rid)  # desk-02's reception.started arrives
    with db() as s:
        intruders = s.scalars(select(Upload.id).where(Upload.device == "desk-01")).one()
        with pytest.raises(UploadRefused) as e:
            svc.finalize(s, upload_id=intruders, **INTRUDER)  # the box asks again
        s.commit()
        assert e.value.reason == "foreign_reception"
        owners = s.scalars(select(Upload.id).where(Upload.device == "desk-02")).one()
        assert isinstance(svc.finalize(s, upload_id=owners, **OWNER), Receipt)
        s.commit()
    assert isinstance(upload(svc, db, *ours[1], OWNER), Receipt)
    assert logged(svc, db, rid) == [("desk-02", 0), ("desk-02", 1)]
    with db() as s:
        assert s.scalar(select(Upload.status).where(Upload.id == intruders)) == "refused"


def test_a_box_cannot_upload_in_another_boxs_name_or_touch_its_uploads(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> None:
    svc, rid = service(tmp_path), str(uuid.uuid4())
    known(db, rid)
    [(sm, data)] = segments(desk_keys["desk-02"], "desk-02", rid, 1)
    with db() as s:
        with pytest.raises(UploadRefused) as e:  # desk-01 passing on desk-02's manifest
            svc.init_upload(s, manifest_bytes=sm.to_bytes(), **INTRUDER)
        assert e.value.reason == "foreign_device"
        with pytest.raises(UploadRefused) as e:  # desk-02 calling from another site
            svc.init_upload(s, manifest_bytes=sm.to_bytes(), caller_device="desk-02",
                            caller_site="gulou")  # fmt: skip
        assert e.value.reason == "wrong_site"
        up = svc.init_upload(s, manifest_bytes=sm.to_bytes(), **OWNER)
        for call in (
            lambda: svc.put_chunk(s, upload_id=up.id, offset=0, data=data, **INTRUDER),
            lambda: svc.finalize(s, upload_id=up.id, **INTRUDER),
            lambda: svc.get_upload(s, up.id, **INTRUDER),
        ):
            with pytest.raises(UploadRefused) as e:
                call()
            assert e.value.reason == "foreign_device"


def test_a_second_segment_0_is_refused_and_index_0_is_checked_too(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> None:
    svc, rid = service(tmp_path), str(uuid.uuid4())
    known(db, rid)
    key = desk_keys["desk-02"]
    [(first, data)] = segments(key, "desk-02", rid, 1)
    upload(svc, db, first, data, OWNER)
    [(again, data2)] = segments(key, "desk-02", rid, 1)  # another segment 0
    with pytest.raises(UploadRefused) as e:
        upload(svc, db, again, data2, OWNER)
    assert e.value.reason == "duplicate"
    [(odd, data3)] = segments(key, "desk-02", str(uuid.uuid4()), 1, prev="0" * 64)
    with pytest.raises(UploadRefused) as e:  # a segment 0 claiming a predecessor
        upload(svc, db, odd, data3, OWNER)
    assert e.value.reason == "chain_broken"


def test_an_oversized_manifest_is_refused(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> None:
    svc, rid = service(tmp_path, segment_max_bytes=64 * 1024 * 1024), str(uuid.uuid4())
    known(db, rid)
    m = SegmentManifest(
        reception_id=rid, device="desk-02", device_key=keys.key_id(desk_keys["desk-02"]),
        index=0, start_ms=0, end_ms=2000, media="video", container="h264",
        sha256="0" * 64, size=2**40, prev=None,
    )  # fmt: skip
    with db() as s, pytest.raises(UploadRefused) as e:
        svc.init_upload(
            s, manifest_bytes=sign_manifest(m, desk_keys["desk-02"]).to_bytes(), **OWNER
        )
    assert (e.value.reason, e.value.status) == ("segment_too_large", 413)


def test_a_quota_exceeded_is_refused_for_now(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> None:
    svc = service(tmp_path, inflight_max_bytes=5000, daily_max_bytes=9000)
    rid = str(uuid.uuid4())
    known(db, rid)
    segs = segments(desk_keys["desk-02"], "desk-02", rid, 5, size=2048)
    with db() as s:
        svc.init_upload(s, manifest_bytes=segs[0][0].to_bytes(), **OWNER)
        svc.init_upload(s, manifest_bytes=segs[1][0].to_bytes(), **OWNER)  # 4096 in flight
        with pytest.raises(UploadRefused) as e:
            svc.init_upload(s, manifest_bytes=segs[2][0].to_bytes(), **OWNER)
        assert (e.value.reason, e.value.status, e.value.retry) == ("quota_inflight", 429, True)
        s.commit()
    for sm, data in segs[:2]:  # those two are finished: room again in flight
        upload(svc, db, sm, data, OWNER)
    for sm, data in segs[2:4]:  # 8192 announced today
        upload(svc, db, sm, data, OWNER)
    with pytest.raises(UploadRefused) as e:
        upload(svc, db, *segs[4], OWNER)
    assert (e.value.reason, e.value.retry) == ("quota_daily", True)


@pytest.fixture
def central_http(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> Iterator[tuple[TestClient, EvidenceService]]:
    app = create_app(production_settings(data_dir=tmp_path / "central"), engine=db.kw["bind"])
    svc = service(tmp_path, inflight_max_bytes=3000)
    app.state.evidence = svc
    with box_client(app, "desk-02", desk_keys["desk-02"]) as http:  # signed as the box
        yield http, svc


def test_the_box_keeps_a_segment_until_central_accepts_it(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict, central_http: tuple
) -> None:
    http, svc = central_http
    rid = str(uuid.uuid4())
    spool = Spool(tmp_path / "spool", limit_bytes=10**7)
    (tmp_path / "spool" / rid).mkdir()
    for sm, data in segments(desk_keys["desk-02"], "desk-02", rid, 3, size=2048):
        spool.media_path(sm).write_bytes(data)
        spool.put_manifest(sm)
    up = Uploader(spool, HttpEvidenceClient(http))
    # the reception is not known yet: segment 0 parked, then the quota (3000 bytes in
    # flight) stops the round; nothing is freed on the box
    assert up.run_once() == (0, 3)
    assert len(up.parked) == 1 and up.refused == {}
    assert all(spool.media_path(sm).exists() for sm in spool.pending())
    known(db, rid)  # the events arrive
    rounds = 0
    while spool.pending():
        up.run_once()
        rounds += 1
        assert rounds < 6
    assert logged(svc, db, rid) == [("desk-02", 0), ("desk-02", 1), ("desk-02", 2)]


def test_segments_parked_for_over_a_day_are_told_to_the_admins_once_a_day(
    tmp_path: Path, db: sessionmaker[Session], desk_keys: dict
) -> None:
    svc, rid = service(tmp_path), str(uuid.uuid4())
    add_user(db, "admin-1", "admin", org="minhou")
    [(sm, data)] = segments(desk_keys["desk-02"], "desk-02", rid, 1)
    assert isinstance(upload(svc, db, sm, data, OWNER), Parked)  # its reception never came
    now = utcnow()

    def parked_alerts(at: datetime) -> list[AlertRow]:
        with db() as s:
            scan(s, now=at)
            return list(s.scalars(select(AlertRow).where(AlertRow.kind == "evidence_parked")))

    assert parked_alerts(now + timedelta(hours=23)) == []  # not yet a day
    [told] = parked_alerts(now + timedelta(hours=25))
    assert told.recipient == "admin-1" and "1 段录像" in told.message and "desk-02" in told.message
    assert len(parked_alerts(now + timedelta(hours=26))) == 1  # once that day
    assert len(parked_alerts(now + timedelta(hours=49))) == 2  # and again the next
    known(db, rid)  # the reception arrives and the box asks again: logged, no more alerts
    with db() as s:
        up = s.scalars(select(Upload.id).where(Upload.device == "desk-02")).one()
        assert isinstance(svc.finalize(s, upload_id=up, **OWNER), Receipt)
        s.commit()
    assert len(parked_alerts(now + timedelta(hours=73))) == 2
