"""Issue 4 item 6: every attack on an exported bundle is detected and named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.evidence.bundle import render_report
from protocol import keys
from protocol.bundle import Trust, verify_bundle
from protocol.evidence import parse_signed_manifest, sign_manifest

from .helpers import ORIGIN, MemLog, export, log_reception, record


@pytest.fixture
def world(tmp_path):
    """Two receptions logged (interleaved with others), one bundle exported."""
    log = MemLog()
    ours = record(tmp_path / "rec", segments=5, seed=1)
    other = record(tmp_path / "other", segments=3, seed=2, key=ours.key)
    for i in range(7):
        log.append(b"earlier entry %d" % i)
    log_reception(log, ours)
    log_reception(log, other)
    log.append(b"later entry")
    out = tmp_path / "bundle"
    wkey = Ed25519PrivateKey.generate()
    export(out, log, ours, witness_key=wkey)
    other_out = tmp_path / "other-bundle"
    export(other_out, log, other)
    return {"log": log, "ours": ours, "other": other, "out": out, "other_out": other_out}


def codes(out: Path) -> set[str]:
    r = verify_bundle(out)
    assert not r.ok
    return {f.code for f in r.failures}


def where(out: Path) -> set[str]:
    return {f.where for f in verify_bundle(out).failures}


def unlink_copy(p: Path) -> None:
    """Break the hard link so tampering touches only the bundle's copy."""
    data = p.read_bytes()
    p.unlink()
    p.write_bytes(data)


def flip(p: Path, offset: int) -> None:
    unlink_copy(p)
    b = bytearray(p.read_bytes())
    b[offset % len(b)] ^= 0x01
    p.write_bytes(bytes(b))


def test_an_untouched_bundle_verifies(world):
    r = verify_bundle(world["out"])
    assert r.ok, r.failures
    assert {"checkpoint_signature", "segments", "cosignature:witness.example/w1"} <= set(r.passed)
    assert ("npc_deputy", "王代表") in r.facts["participants"]
    text = render_report(r)
    assert "通过" in text and "人大代表 王代表" in text


@pytest.mark.parametrize("offset", [0, 17, -1])
def test_one_flipped_byte_in_a_segment(world, offset):
    flip(world["out"] / "media/000002.bin", offset)
    assert codes(world["out"]) == {"segment_hash_mismatch"}
    assert where(world["out"]) == {"media/000002.bin"}


@pytest.mark.parametrize("offset", [5, 60, 200, -3])
def test_one_flipped_byte_in_a_manifest(world, offset):
    flip(world["out"] / "manifests/000001.json", offset)
    assert "manifests/000001.json" in where(world["out"])


@pytest.mark.parametrize("offset", [30, 45, -5])
def test_one_flipped_byte_in_a_proof(world, offset):
    p = world["out"] / "proofs/000003.json"
    flip(p, offset)
    assert where(world["out"]) == {"proofs/000003.json"}


def test_a_flipped_byte_in_the_checkpoint(world):
    p = world["out"] / "checkpoint.note"
    text = p.read_bytes()
    cut = text.index(b"\n") + 1  # the tree size line
    p.write_bytes(text[:cut] + bytes([text[cut] ^ 1]) + text[cut + 1 :])
    assert "checkpoint_bad_signature" in codes(world["out"])


def test_a_segment_deleted_from_the_middle(world):
    out = world["out"]
    (out / "media/000002.bin").unlink()
    (out / "manifests/000002.json").unlink()
    (out / "proofs/000002.json").unlink()
    assert "missing_file" in codes(out)
    # renumbering the rest to hide the gap breaks the chain and the signed indexes
    for i in (3, 4):
        for d, ext in (("media", "bin"), ("manifests", "json"), ("proofs", "json")):
            (out / f"{d}/{i:06d}.{ext}").rename(out / f"{d}/{i - 1:06d}.{ext}")
    idx = json.loads((out / "bundle.json").read_text())
    idx["segments"] = 4
    (out / "bundle.json").write_bytes(
        json.dumps(idx, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert {"index_out_of_order", "chain_broken"} <= codes(out)


def test_the_last_segment_deleted(world):
    out = world["out"]
    for d, ext in (("media", "bin"), ("manifests", "json"), ("proofs", "json")):
        (out / f"{d}/000004.{ext}").unlink()
    idx = json.loads((out / "bundle.json").read_text())
    idx["segments"] = 4
    (out / "bundle.json").write_bytes(
        json.dumps(idx, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert codes(out) == {"chain_end_wrong"}


def test_segments_with_identical_bytes_are_not_an_attack(tmp_path):
    # digital silence or a still scene gives byte-identical segments, each with its
    # own signed manifest: that must verify
    log = MemLog()
    silent = record(tmp_path / "silent", segments=4, seed=3, same_bytes=True)
    log_reception(log, silent)
    export(tmp_path / "bundle", log, silent)
    report = verify_bundle(tmp_path / "bundle")
    assert report.ok, report.failures


def test_a_segment_duplicated(world):
    out = world["out"]
    for d, ext in (("media", "bin"), ("manifests", "json"), ("proofs", "json")):
        shutil.copyfile(out / f"{d}/000001.{ext}", out / f"{d}/000002.{ext}")
    assert {"duplicate_segment", "index_out_of_order"} <= codes(out)


def test_two_segments_reordered(world):
    out = world["out"]
    for d, ext in (("media", "bin"), ("manifests", "json"), ("proofs", "json")):
        a, b = out / f"{d}/000001.{ext}", out / f"{d}/000002.{ext}"
        tmp = a.with_suffix(".tmp")
        a.rename(tmp)
        b.rename(a)
        tmp.rename(b)
    assert {"index_out_of_order", "chain_broken"} <= codes(out)


def test_a_segment_swapped_in_from_another_reception(world):
    out, other = world["out"], world["other_out"]
    for d, ext in (("media", "bin"), ("manifests", "json"), ("proofs", "json")):
        (out / f"{d}/000001.{ext}").unlink()
        shutil.copyfile(other / f"{d}/000001.{ext}", out / f"{d}/000001.{ext}")
    assert "foreign_manifest" in codes(out)


def test_a_manifest_re_signed_with_another_key(world):
    out = world["out"]
    p = out / "manifests/000002.json"
    sm = parse_signed_manifest(p.read_bytes())
    rogue = Ed25519PrivateKey.generate()
    p.write_bytes(sign_manifest(sm.manifest, rogue).to_bytes())
    assert {"manifest_bad_signature", "inclusion_root_mismatch"} <= codes(out)
    # and swapping the device key in the bundle too is still caught by the log
    p.write_bytes(
        sign_manifest(
            sm.manifest.model_copy(update={"device_key": keys.key_id(rogue)}), rogue
        ).to_bytes()
    )
    (out / "keys/device.pub").write_text(keys.public_key_b64(rogue) + "\n")
    assert "inclusion_root_mismatch" in codes(out)


def test_a_checkpoint_from_a_forked_log(world, tmp_path):
    """Split view: the operator signs a second tree that holds a rewritten segment."""
    log, ours = world["log"], world["ours"]
    fork = MemLog(key=log.key)
    forged = record(tmp_path / "forged", segments=5, seed=1, key=ours.key)
    for i in range(7):
        fork.append(b"earlier entry %d" % i)
    log_reception(fork, forged)
    out = tmp_path / "forked-bundle"
    export(out, fork, forged)
    assert verify_bundle(out).ok  # self-consistent on its own...
    # ...but a witness that saw the real log refuses to cosign it (see test_note), and
    # a verifier holding the honest checkpoint sees the fork:
    (out / "checkpoint.note").write_bytes((world["out"] / "checkpoint.note").read_bytes())
    assert codes(out) >= {"proof_wrong_size"} or "inclusion_root_mismatch" in codes(out)


def test_a_split_view_lacks_the_honest_witness_cosignature(world, tmp_path):
    """The operator forks the log to rewrite a segment; the witness that cosigned the
    honest checkpoint refuses the fork, so a verifier pinning that witness sees it."""
    from protocol import merkle, note

    log, ours = world["log"], world["ours"]
    wkey = Ed25519PrivateKey.generate()
    w = note.Witness("witness.example/w1", wkey, note.NoteVerifier(ORIGIN, log.key.public_key()))
    _, seen = w.cosign(log.checkpoint(), last=None, proof=[], now_s=1)

    fork = MemLog(key=log.key)
    forged = record(tmp_path / "forged", segments=5, seed=1, key=ours.key)
    for i in range(7):
        fork.append(b"earlier entry %d" % i)
    log_reception(fork, forged)
    for i in range(fork.frontier.size, log.frontier.size + 1):
        fork.append(b"padding %d" % i)  # grow past the honest size, as a fork would
    with pytest.raises(note.WitnessRefused):
        w.cosign(
            fork.checkpoint(),
            last=seen,
            proof=merkle.consistency_proof(seen.size, fork.frontier.size, fork.get),
            now_s=2,
        )
    out = tmp_path / "forked-bundle"
    export(out, fork, forged)  # the forger can only ship it without that cosignature
    pinned = Trust(witnesses=(("witness.example/w1", wkey.public_key()),))
    r = verify_bundle(out, trust=pinned)
    assert [f.code for f in r.failures] == ["witness_no_cosignature"]


def test_a_truncated_bundle(world):
    out = world["out"]
    p = out / "manifests/000003.json"
    p.write_bytes(p.read_bytes()[:-10])
    assert "manifest_not_json" in codes(out)
    (out / "checkpoint.note").write_bytes((out / "checkpoint.note").read_bytes()[:-3])
    assert "checkpoint_truncated" in codes(out)


def test_a_truncated_segment(world):
    p = world["out"] / "media/000000.bin"
    unlink_copy(p)
    p.write_bytes(p.read_bytes()[:-1])
    assert codes(world["out"]) == {"segment_size_mismatch"}


@pytest.mark.parametrize(
    "name", ["manifests/000000.json", "proofs/000001.json", "bundle.json", "checkpoint.note"]
)
def test_trailing_garbage(world, name):
    p = world["out"] / name
    p.write_bytes(p.read_bytes() + b" ")
    assert not verify_bundle(world["out"]).ok


def test_trailing_garbage_in_a_segment(world):
    p = world["out"] / "media/000003.bin"
    unlink_copy(p)
    p.write_bytes(p.read_bytes() + b"\0")
    assert codes(world["out"]) == {"segment_size_mismatch"}


def test_pinned_keys_catch_a_wholly_replaced_bundle(world, tmp_path):
    """An attacker who re-signs everything with his own keys fails against pinned keys."""
    log = MemLog()
    fake = record(tmp_path / "fake", segments=2, seed=9)
    log_reception(log, fake)
    out = tmp_path / "fake-bundle"
    export(out, log, fake)
    assert verify_bundle(out).ok
    from protocol.note import NoteVerifier

    honest = world["log"]
    pinned = Trust(
        device_key=world["ours"].key.public_key(),
        log_vkey=NoteVerifier("zhifang.example/evidence-log", honest.key.public_key()).vkey(),
    )
    r = verify_bundle(out, trust=pinned)
    assert {f.code for f in r.failures} >= {"checkpoint_unsigned", "manifest_wrong_device_key"}


def test_missing_witness_cosignature(world):
    p = world["out"] / "checkpoint.note"
    p.write_bytes(p.read_bytes().rsplit(b"\xe2\x80\x94 witness", 1)[0])
    assert "witness_no_cosignature" in codes(world["out"])
