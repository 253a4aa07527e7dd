"""Record on the box, upload, export the bundle with the CLI, verify it offline."""

from __future__ import annotations

import argparse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.recording.upload import HttpEvidenceClient, Uploader
from central.app import create_app
from central.database import make_engine, make_session_factory, migrate
from central.db import utcnow
from central.devices.models import Device
from central.dossier.models import Reception
from central.evidence import cli
from central.evidence.bundle import REPORT_NAME
from protocol import keys
from tests.auth import box_client, central_env, production_settings

from .test_central_log import RID, record_reception


def run(argv):
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def central_with_a_reception(tmp_path, monkeypatch):
    data = tmp_path / "central"
    settings = production_settings(data_dir=data)
    for k, v in central_env(settings).items():
        monkeypatch.setenv(k, v)
    engine = make_engine(settings)
    migrate(engine)
    sessions = make_session_factory(engine)
    key = Ed25519PrivateKey.generate()
    with sessions() as s:
        s.add(
            Device(
                id="desk-01", site="s1", public_key=keys.public_key_b64(key), registered_at=utcnow()
            )
        )
        s.flush()
        s.add(Reception(id=RID, device="desk-01", events=1))  # its events reached central
        s.commit()
    app = create_app(settings, engine=engine)
    spool = record_reception(tmp_path, key)
    with box_client(app, "desk-01", key) as http:
        assert Uploader(spool, HttpEvidenceClient(http)).run_once() == (3, 0)
    engine.dispose()
    return tmp_path


def test_export_then_verify_offline(central_with_a_reception, capsys):
    out = central_with_a_reception / "bundle"
    assert run(["evidence", "export", RID, "--out", str(out)]) == 0
    report = (out / REPORT_NAME).read_text("utf-8")
    assert "核验结论: 通过" in report and "律师 李律师" in report
    assert sorted(p.name for p in (out / "media").iterdir()) == [
        "000000.y4m",
        "000001.wav",
        "000002.y4m",
    ]
    capsys.readouterr()
    assert run(["evidence", "verify", str(out)]) == 0
    assert "通过" in capsys.readouterr().out

    vkey = (out / "keys/log.vkey").read_text().strip()
    assert run(["evidence", "verify", str(out), "--log-key", vkey]) == 0
    other = Ed25519PrivateKey.generate()
    assert run(["evidence", "verify", str(out), "--device-key", keys.public_key_b64(other)]) == 1

    seg = out / "media/000001.wav"
    data = bytearray(seg.read_bytes())
    data[500] ^= 0x80
    seg.write_bytes(bytes(data))
    capsys.readouterr()
    assert run(["evidence", "verify", str(out)]) == 1
    text = capsys.readouterr().out
    assert "[segment_hash_mismatch] media/000001.wav" in text and "不通过" in text


def test_export_of_an_unknown_reception_fails_clearly(central_with_a_reception, capsys):
    rc = run(
        [
            "evidence",
            "export",
            "00000000-0000-0000-0000-000000000000",
            "--out",
            str(central_with_a_reception / "b"),
        ]
    )
    assert rc == 2 and "没有已存证的录像" in capsys.readouterr().out


def test_export_with_an_rfc3161_timestamp(central_with_a_reception, tsa_server, capsys):
    url, d = tsa_server
    out = central_with_a_reception / "stamped"
    argv = ["evidence", "export", RID, "--out", str(out), "--tsa-url", url]
    assert run([*argv, "--tsa-cert", str(d / "tsa.pem")]) == 0
    assert (out / "checkpoint.tsr").exists() and (out / "keys/tsa.pem").exists()
    assert "可信时间戳 (RFC 3161)" in (out / REPORT_NAME).read_text("utf-8")
    assert run(["evidence", "verify", str(out)]) == 0
