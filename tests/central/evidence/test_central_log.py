"""Central's evidence log: appends, proofs, checkpoints, uploads and receipts over HTTP."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.recording.recorder import Recorder
from appliance.recording.spool import Spool
from appliance.recording.upload import FakeEvidenceClient, HttpEvidenceClient, Uploader
from central.db import utcnow
from central.devices.models import Device
from central.evidence.log import Entry, EvidenceLog, load_log_key
from central.evidence.service import EvidenceService, Receipt, registered_device_key
from firmware_glue.media import SyntheticAudioSource, SyntheticVideoSource
from protocol import keys, merkle, note
from protocol.evidence import Participant, parse_signed_manifest
from tests.protocol.test_merkle import ref_mth

RID = "01937a2b-4c00-7d00-8e00-0000000000a1"
ORIGIN = "zhifang.example/evidence-log"


def test_log_key_is_created_once_with_mode_0600(tmp_path):
    p = tmp_path / "keys/log.key"
    k = load_log_key(p)
    assert p.stat().st_mode & 0o777 == 0o600
    assert keys.public_raw(load_log_key(p).public_key()) == keys.public_raw(k.public_key())


def test_appends_in_batches_match_the_reference_and_proofs_verify(sessions):
    log = EvidenceLog(origin=ORIGIN, key=Ed25519PrivateKey.generate())
    datas = [b"entry %d" % i for i in range(70)]
    with sessions() as s:
        assert log.append(s, [Entry(d, f"{i:064x}") for i, d in enumerate(datas[:33])]) == list(
            range(33)
        )
        s.commit()
    log2 = EvidenceLog(origin=ORIGIN, key=log.signer.key)  # a restarted process
    with sessions() as s:
        log2.append(s, [Entry(d, f"{i + 33:064x}") for i, d in enumerate(datas[33:])])
        s.commit()
    with sessions() as s:
        assert log2.root(s) == ref_mth(datas)
        r40 = log2.root(s, 40)
        assert r40 == ref_mth(datas[:40])
        proof = log2.inclusion_proof(s, 17, 70)
        merkle.verify_inclusion(17, 70, merkle.hash_leaf(datas[17]), proof, ref_mth(datas))
        merkle.verify_consistency(40, 70, log2.consistency_proof(s, 40, 70), r40, ref_mth(datas))
        raw = log2.checkpoint(s)
        s.commit()
        cp, _ = note.open_checkpoint(raw, log2.verifier)
        assert (cp.size, cp.root_hash) == (70, ref_mth(datas))
        with pytest.raises(ValueError):
            log2.inclusion_proof(s, 1, 71)


def test_a_rolled_back_append_leaves_no_trace(sessions):
    log = EvidenceLog(origin=ORIGIN, key=Ed25519PrivateKey.generate())
    with sessions() as s:
        log.append(s, [Entry(b"a", "a" * 64), Entry(b"b", "b" * 64)])
        s.commit()
    with sessions() as s:
        log.append(s, [Entry(b"c", "c" * 64)])
        log.inclusion_proof(s, 0, 3)
        s.rollback()
    with sessions() as s:
        log.append(s, [Entry(b"d", "d" * 64)])
        s.commit()
        assert log.root(s) == ref_mth([b"a", b"b", b"d"])


def make_app(sessions, tmp_path, device_key, *, owner="desk-01", **kw):
    """Central as served, whose evidence service checks manifests against ``device_key``;
    the box ``desk-01`` is registered at site-a (``box_http`` signs its requests) and
    owns every reception (``owner=None``: central has not seen the reception yet)."""
    from central.app import create_app
    from tests.auth import production_settings, register_box

    engine = sessions.kw["bind"]
    app = create_app(production_settings(data_dir=tmp_path / "data"), engine=engine)
    log = EvidenceLog(origin=ORIGIN, key=load_log_key(tmp_path / "log.key"))
    app.state.evidence = EvidenceService(
        log=log,
        data_dir=tmp_path / "data",
        device_key=lambda _s, d: device_key,
        device_site=lambda _s, d: "site-a",
        reception_owner=lambda _s, rid: owner,
        **kw,
    )
    app.state.test_box_key = register_box(sessions, "desk-01", site="site-a")
    return app


def box_http(app):
    """The box's HTTP client: every request signed with its device key."""
    from tests.auth import box_client

    return box_client(app, "desk-01", app.state.test_box_key)


def staff_http(app, sessions, username="zhang", role="officer"):
    """An officer of the box's site, logged in."""
    from tests.auth import staff_client

    return staff_client(app, sessions, username, role, "site-a")


def record_reception(tmp_path, key):
    spool = Spool(tmp_path / "spool", limit_bytes=10**8)
    rec = Recorder(spool, key=key, device="desk-01", clock=lambda: 0)
    rec.start(RID, [Participant(role="lawyer", name="李律师")])
    v, a = SyntheticVideoSource(t0_ms=1000), SyntheticAudioSource(t0_ms=1000)
    rec.record_video([v.read() for _ in range(10)], 10)
    rec.record_audio([a.read() for _ in range(10)])
    rec.record_video([v.read() for _ in range(10)], 10)
    rec.stop()
    return spool


def test_box_uploads_through_http_until_acknowledged(sessions, tmp_path):
    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    spool = record_reception(tmp_path, key)
    with box_http(app) as http:
        up = Uploader(spool, HttpEvidenceClient(http))
        assert up.run_once() == (3, 0)
        assert spool.pending() == []
        receipt = (spool.root / RID / "000002.acked").read_text()
        cp_raw = http.get("/api/evidence/checkpoint").content
        vkey = http.get("/api/evidence/log-key").json()["vkey"]
    cp, _ = note.open_checkpoint(cp_raw, note.NoteVerifier.from_vkey(vkey))
    assert cp.size == 3
    import json

    r = json.loads(receipt)
    sm = spool.manifests(RID)[2]
    merkle.verify_inclusion(
        r["leaf_index"],
        r["proof"]["tree_size"],
        sm.leaf_hash(),
        [base64.b64decode(h) for h in r["proof"]["hashes"]],
        note.parse_checkpoint(note.parse_note(r["checkpoint"].encode()).text).root_hash,
    )
    blob = tmp_path / "data/blobs" / sm.manifest.sha256[:2] / sm.manifest.sha256[2:4]
    assert (blob / sm.manifest.sha256).exists()


def test_a_resumed_upload_and_a_refused_one(sessions, tmp_path):
    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    spool = record_reception(tmp_path, key)
    first = spool.manifests(RID)[0]
    data = spool.media_path(first).read_bytes()
    with box_http(app) as http:
        st = http.post("/api/evidence/uploads", content=first.to_bytes()).json()
        uid = st["upload_id"]
        http.put(f"/api/evidence/uploads/{uid}", params={"offset": 0}, content=data[:1000])
        r = http.put(f"/api/evidence/uploads/{uid}", params={"offset": 0 + 5}, content=b"x")
        assert r.status_code == 409 and r.json()["detail"]["reason"] == "wrong_offset"
        # the box restarts: init again resumes the same upload where it stopped
        again = http.post("/api/evidence/uploads", content=first.to_bytes()).json()
        assert (again["upload_id"], again["received"]) == (uid, 1000)
        http.put(f"/api/evidence/uploads/{uid}", params={"offset": 1000}, content=data[1000:])
        assert http.post(f"/api/evidence/uploads/{uid}/finalize").status_code == 200

        # segment 1's bytes altered on the box: refused with the reason, kept on the box
        second = spool.manifests(RID)[1]
        p = spool.media_path(second)
        b = bytearray(p.read_bytes())
        b[100] ^= 1
        p.write_bytes(bytes(b))
        st = http.post("/api/evidence/uploads", content=second.to_bytes()).json()
        http.put(f"/api/evidence/uploads/{st['upload_id']}", params={"offset": 0}, content=bytes(b))
        r = http.post(f"/api/evidence/uploads/{st['upload_id']}/finalize")
        assert r.status_code == 422 and r.json()["detail"]["reason"] == "hash_mismatch"
        up = Uploader(spool, HttpEvidenceClient(http))
        _done, left = up.run_once()
        assert left >= 1 and p.exists()


def test_manifests_signed_by_another_key_or_breaking_the_chain_are_refused(sessions, tmp_path):
    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, Ed25519PrivateKey.generate().public_key())
    spool = record_reception(tmp_path, key)
    with box_http(app) as http:
        r = http.post("/api/evidence/uploads", content=spool.manifests(RID)[0].to_bytes())
        assert r.status_code == 403 and r.json()["detail"]["reason"] == "manifest_wrong_device_key"
        r = http.post("/api/evidence/uploads", content=b"{not json")
        assert r.status_code == 422 and r.json()["detail"]["reason"] == "manifest_not_json"


def test_registered_device_key_comes_from_the_device_table(sessions):
    key = Ed25519PrivateKey.generate()
    with sessions() as s:
        s.add(
            Device(
                id="desk-01",
                site="site-a",
                public_key=keys.public_key_b64(key),
                registered_at=utcnow(),
            )
        )
        s.commit()
        got = registered_device_key(s, "desk-01")
        assert got is not None and keys.public_raw(got) == keys.public_raw(key.public_key())
        assert registered_device_key(s, "desk-99") is None


def test_uploader_retries_until_acknowledged_with_the_fake(tmp_path):
    key = Ed25519PrivateKey.generate()
    spool = record_reception(tmp_path, key)
    fake = FakeEvidenceClient()
    fake.fail_next = 4
    up = Uploader(spool, fake)
    rounds = 0
    while spool.pending():
        up.run_once()
        rounds += 1
        assert rounds < 10
    assert [parse_signed_manifest(m).manifest.index for m in fake.log] == [0, 1, 2]


def test_a_manifest_that_breaks_the_logged_chain_is_refused(sessions, tmp_path):
    from protocol.evidence import sign_manifest

    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    spool = record_reception(tmp_path, key)
    with box_http(app) as http:
        Uploader(spool, HttpEvidenceClient(http)).run_once()
        second = spool.manifests(RID)[1].manifest
        forged = sign_manifest(second.model_copy(update={"prev": "0" * 64, "index": 2}), key)
        r = http.post("/api/evidence/uploads", content=forged.to_bytes())
        assert r.status_code == 422 and r.json()["detail"]["reason"] == "chain_broken"


def test_console_sees_the_verification_state_and_can_play_a_segment(sessions, tmp_path):
    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    spool = record_reception(tmp_path, key)
    with box_http(app) as box:
        Uploader(spool, HttpEvidenceClient(box)).run_once()
    with staff_http(app, sessions) as http:
        st = http.get(f"/api/evidence/receptions/{RID}").json()
        assert st["verified"] and st["complete"] and st["problems"] == []
        audio = st["segments"][1]
        assert (audio["media"], audio["state"]) == ("audio", "ok")
        r = http.get(f"/api/evidence/blobs/{audio['sha256']}", params={"reception": RID})
        assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
        assert r.content[:4] == b"RIFF"
        from sqlalchemy import select

        from central.audit.models import AuditLog

        with sessions() as s:  # a playback is a dossier read: it is in the audit log
            played = s.scalars(select(AuditLog).where(AuditLog.action == "recording.play"))
            assert [(a.actor, a.target) for a in played] == [
                ("zhang", f"segment:{audio['sha256']}")
            ]
        assert http.get("/api/evidence/blobs/xyz", params={"reception": RID}).status_code == 422
        assert (
            http.get(f"/api/evidence/blobs/{'0' * 64}", params={"reception": RID}).status_code
            == 404
        )
        assert http.get(f"/api/evidence/blobs/{audio['sha256']}").status_code == 422
        none = http.get("/api/evidence/receptions/00000000-0000-0000-0000-000000000000").json()
        assert not none["verified"] and none["segments"] == []


def test_witnesses_cosign_the_checkpoint_and_the_bundle_carries_it(sessions, tmp_path):
    from central.evidence.export import export_reception
    from central.evidence.witness import LocalWitness, cosign_checkpoint
    from protocol.bundle import verify_bundle

    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    svc = app.state.evidence
    wkey = Ed25519PrivateKey.generate()
    w = LocalWitness(
        note.Witness("witness.example/w1", wkey, svc.log.verifier), now_s=1_800_000_000
    )
    wv = note.CosignatureVerifier("witness.example/w1", wkey.public_key())
    svc.witness_keys = (("witness.example/w1", wkey.public_key()),)
    spool = record_reception(tmp_path, key)
    with box_http(app) as http:
        Uploader(spool, HttpEvidenceClient(http)).run_once()
    with sessions() as s:
        svc.log.append(s, [Entry(b"another reception", "e" * 64)])
        cosign_checkpoint(s, svc.log, [(w, wv)])  # the witness has seen nothing: from 0
        s.commit()
    assert w.state[ORIGIN].size == 4
    with sessions() as s:
        svc.log.append(s, [Entry(b"yet another", "f" * 64)])
        raw = cosign_checkpoint(s, svc.log, [(w, wv)])  # consistency 4 → 5
        s.commit()
        assert wv.verify(note.parse_note(raw)) == 1_800_000_000
        report = export_reception(
            s, svc, reception_id=RID, out=tmp_path / "b", device_key=key.public_key()
        )
    assert report.ok, report.failures
    assert "cosignature:witness.example/w1" in report.passed
    assert verify_bundle(tmp_path / "b").facts["witnesses"] == {"witness.example/w1": 1_800_000_000}


def test_a_witness_refuses_a_split_view(sessions, tmp_path):
    from central.evidence.witness import LocalWitness, cosign_checkpoint

    wkey = Ed25519PrivateKey.generate()
    honest = EvidenceLog(origin=ORIGIN, key=Ed25519PrivateKey.generate())
    w = LocalWitness(note.Witness("w", wkey, honest.verifier))
    wv = note.CosignatureVerifier("w", wkey.public_key())
    with sessions() as s:
        honest.append(s, [Entry(b"a", "a" * 64), Entry(b"b", "b" * 64)])
        cosign_checkpoint(s, honest, [(w, wv)])
        s.rollback()  # forget it here, as if it were another database
    # the same key signs another history of size 3: a fork
    fork = EvidenceLog(origin=ORIGIN, key=honest.signer.key)
    with sessions() as s:
        fork.append(s, [Entry(b"a", "a" * 64), Entry(b"B", "c" * 64), Entry(b"c", "d" * 64)])
        with pytest.raises(note.WitnessRefused) as e:
            cosign_checkpoint(s, fork, [(w, wv)])
        assert e.value.reason == "inconsistent"


def test_finalize_survives_a_crash_after_the_blob_was_stored(sessions, tmp_path):
    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    svc = app.state.evidence
    spool = record_reception(tmp_path, key)
    sm = spool.manifests(RID)[0]
    data = spool.media_path(sm).read_bytes()
    caller = {"caller_device": "desk-01", "caller_site": "site-a"}
    with sessions() as s:
        up = svc.init_upload(s, manifest_bytes=sm.to_bytes(), **caller)
        svc.put_chunk(s, upload_id=up.id, offset=0, data=data, **caller)
        s.commit()
        uid = up.id
    with sessions() as s:
        svc.finalize(s, upload_id=uid, **caller)
        s.rollback()  # the power went before the commit: the blob moved, nothing logged
    assert svc.blobs.path(sm.manifest.sha256).exists()
    with sessions() as s:
        receipt = svc.finalize(s, upload_id=uid, **caller)
        s.commit()
    assert isinstance(receipt, Receipt) and receipt.leaf_index == 0


def test_oversized_requests_are_refused_without_buffering(sessions, tmp_path):
    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    with box_http(app) as http:
        r = http.post("/api/evidence/uploads", content=b"x" * (300 * 1024))
        assert r.status_code == 413 and r.json()["detail"]["reason"] == "too_large"
