"""``zhifang central migrate`` and ``device add/list/revoke``, as an admin types them."""

from __future__ import annotations

import argparse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central import cli
from central.settings import Settings
from protocol import keys
from tests.auth import central_env, production_env


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


def test_the_command_key_is_shown_staged_and_activated_without_a_gap(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from central.devices.control import SigningPublisher, load_command_key
    from central.publisher import RecordingPublisher
    from central.settings import Settings
    from protocol import control
    from protocol.messages import Command

    for k, v in production_env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("ZHIFANG_DATA_DIR", str(tmp_path))
    assert run("central", "command-key", "show") == 0
    current = capsys.readouterr().out.strip()
    assert (tmp_path / "keys" / "command.key").stat().st_mode & 0o777 == 0o600
    assert run("central", "command-key", "activate") == 1  # nothing staged
    assert "stage" in capsys.readouterr().err
    assert run("central", "command-key", "stage") == 0
    staged = capsys.readouterr().out.strip()
    assert staged != current
    assert run("central", "command-key", "show") == 0
    assert capsys.readouterr().out.strip() == current  # staged only: still signing with it
    assert run("central", "command-key", "activate") == 0
    assert capsys.readouterr().out.strip() == staged
    assert list((tmp_path / "keys").glob("command.retired-*.key"))

    # a box that pinned both (during the rotation) takes what central signs now
    pub = RecordingPublisher()
    key = load_command_key(Settings())
    topic = "zhifang/v1/minhou/desk-1/cmd/resend"
    cmd = Command(cmd_id="c1", issued_at=1_800_000_000_000, body={"from_seq": 1, "to_seq": 1})
    SigningPublisher(pub, key=key).publish(topic, cmd.model_dump_json().encode())
    got = control.verify_command(
        pub.sent[0][1], site="minhou", device="desk-1", command="resend",
        pinned=[keys.load_public_b64(current), keys.load_public_b64(staged)],
        now_ms=1_800_000_000_000, max_age_ms=60_000,
    )  # fmt: skip
    assert got == cmd
    with pytest.raises(control.ControlError) as e:  # one that pinned only the old key
        control.verify_command(
            pub.sent[0][1], site="minhou", device="desk-1", command="resend",
            pinned=[keys.load_public_b64(current)], now_ms=1_800_000_000_000, max_age_ms=60_000,
        )  # fmt: skip
    assert e.value.reason == "unknown_key"
