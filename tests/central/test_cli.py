"""``zhifang central migrate`` and ``device add/list/revoke``, as an admin types them."""

from __future__ import annotations

import argparse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central import cli
from protocol import keys


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="zhifang")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("ZHIFANG_ENVIRONMENT", "development")
    monkeypatch.setenv("ZHIFANG_DATABASE_URL", db_url)


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
    assert run("central", "device", "revoke", "desk-1") == 0
    assert run("central", "device", "revoke", "nope") == 1
    run("central", "device", "list")
    assert "已吊销" in capsys.readouterr().out


def test_a_production_config_with_placeholder_secrets_does_not_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ZHIFANG_ENVIRONMENT", raising=False)
    with pytest.raises(SystemExit) as e:
        run("central", "migrate")
    assert e.value.code == 2
    assert "placeholder" in capsys.readouterr().err
