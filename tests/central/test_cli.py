"""``zhifang central migrate`` and ``device add/list/revoke``, as an admin types them."""

from __future__ import annotations

import argparse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central import cli
from central.settings import Settings
from protocol import keys
from tests.auth import central_env


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="zhifang")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for k, v in central_env(settings).items():
        monkeypatch.setenv(k, v)


def test_migrate_then_add_list_and_revoke_a_device(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = keys.public_key_b64(Ed25519PrivateKey.generate())
    assert run("central", "migrate") == 0
    assert run("central", "device", "add", "desk-1", "--site", "minhou", "--public-key", pub) == 0
    assert run("central", "device", "add", "desk-1", "--site", "gulou", "--public-key", pub) == 1
    assert run("central", "device", "add", "Desk 1", "--site", "minhou", "--public-key", pub) == 2
    assert run("central", "device", "list") == 0
    assert f"desk-1\tminhou\toffline\t-\t{pub}" in capsys.readouterr().out
    assert run("central", "device", "revoke", "desk-1", "--reason", "设备丢失") == 0
    assert run("central", "device", "revoke", "nope", "--reason", "x") == 1
    run("central", "device", "list")
    assert "已吊销" in capsys.readouterr().out


def test_a_sites_provisioning_credential_is_issued_listed_and_revoked(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("central", "migrate") == 0
    capsys.readouterr()
    assert run("central", "provisioning", "issue", "--site", "minhou", "--label", "技术科") == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("zfp_")
    cid = token.split("_")[1]
    assert run("central", "provisioning", "list") == 0
    listed = capsys.readouterr().out
    assert cid in listed and "minhou" in listed and token not in listed
    assert run("central", "provisioning", "revoke", cid) == 0
    assert run("central", "provisioning", "revoke", "0" * 16) == 1
    run("central", "provisioning", "list")
    assert "已吊销" in capsys.readouterr().out


def test_a_production_config_with_placeholder_secrets_does_not_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ZHIFANG_ENVIRONMENT", raising=False)
    with pytest.raises(SystemExit) as e:
        run("central", "migrate")
    assert e.value.code == 2
    assert "placeholder" in capsys.readouterr().err
