"""C2SP signed notes, tlog checkpoints and witness cosignatures (Ed25519).

* signed-note: text ending in a newline, a blank line, then signature lines
  ``— <key name> <base64(key id || signature)>``. Key id = first 4 bytes of
  SHA-256(name || 0x0A || 0x01 || public key) for Ed25519.
* tlog-checkpoint: the note text is ``origin``, decimal tree size, base64 root hash,
  then optional extension lines.
* tlog-cosignature v1: a witness signs ``cosignature/v1\\ntime <t>\\n`` + the
  checkpoint text with signature type 0x04; the signature is key id || uint64 time
  (big-endian) || Ed25519 signature. A witness cosigns only a checkpoint consistent
  with the last one it saw for that log (``Witness`` keeps no state of its own).

Errors::

    ProtocolError
     └── NoteError (also ValueError)       malformed note / checkpoint, bad signature
          └── WitnessRefused               the witness will not cosign; reason says why
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import keys, merkle
from .errors import ProtocolError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
DASH = "\u2014 "  # em dash + space starts every signature line
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,19})$")


class NoteError(ProtocolError, ValueError):
    reason = "bad_note"


class WitnessRefused(NoteError):
    reason = "witness_refused"


def _b64d(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as e:
        raise NoteError(f"{what} is not base64", reason="bad_base64") from e


def _check_name(name: str) -> str:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} is empty or has spaces or '+'", reason="bad_key_name")
    return name


def key_id(name: str, alg: int, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([alg]) + keys.public_raw(public)
    ).digest()[:4]


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes  # 4 bytes
    data: bytes  # the rest: Ed25519 signature (cosignature: timestamp + signature)

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.data).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")


def parse_note(raw: bytes) -> Note:
    """Strictly parse a signed note (signatures not yet verified)."""
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError(f"note is {len(raw)} bytes, over {MAX_NOTE_BYTES}", reason="too_large")
    try:
        whole = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NoteError("note is not UTF-8", reason="not_utf8") from e
    if _CONTROL.search(whole):
        raise NoteError("note has a control character other than newline", reason="control_char")
    cut = whole.rfind("\n\n")
    if cut < 0:
        raise NoteError("note has no blank line before its signatures", reason="no_signatures")
    text, sigs = whole[: cut + 1], whole[cut + 2 :]
    if not sigs:
        raise NoteError("note ends in a blank line, no signature after it", reason="no_signatures")
    if not sigs.endswith("\n"):
        raise NoteError("note does not end in a newline (truncated?)", reason="truncated")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures", reason="too_many")
    out: list[Signature] = []
    for i, line in enumerate(lines):
        if not line.startswith(DASH):
            raise NoteError(f"signature line {i + 1} does not start with '— '", reason="bad_line")
        parts = line[len(DASH) :].split(" ")
        if len(parts) != 2:
            raise NoteError(f"signature line {i + 1} is not '— name sig'", reason="bad_line")
        name, blob = _check_name(parts[0]), _b64d(parts[1], f"signature line {i + 1}")
        if len(blob) < 5:
            raise NoteError(f"signature line {i + 1} is too short", reason="bad_line")
        out.append(Signature(name, blob[:4], blob[4:]))
    return Note(text, tuple(out))


class NoteSigner:
    """Ed25519 signer of notes under a key name (the log's origin, or a witness name)."""

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        self.name = _check_name(name)
        self.key = key
        self.verifier = NoteVerifier(name, key.public_key())

    def sign(self, text: str) -> Signature:
        _check_text(text)
        return Signature(self.name, self.verifier.key_id, self.key.sign(text.encode("utf-8")))


class NoteVerifier:
    def __init__(self, name: str, public: Ed25519PublicKey) -> None:
        self.name = _check_name(name)
        self.public = public
        self.key_id = key_id(name, ALG_ED25519, public)

    def vkey(self) -> str:
        """The verifier key text: ``name+hex(key id)+base64(0x01 || public key)``."""
        blob = bytes([ALG_ED25519]) + keys.public_raw(self.public)
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(blob).decode()}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        parts = vkey.strip().split("+", 2)  # base64 may contain "+" too
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError(f"verifier key {vkey!r} is not name+keyid+key", reason="bad_vkey")
        blob = _b64d(parts[2], "verifier key")
        if len(blob) != 33 or blob[0] != ALG_ED25519:
            raise NoteError("verifier key is not an Ed25519 key", reason="bad_vkey")
        v = cls(parts[0], Ed25519PublicKey.from_public_bytes(blob[1:]))
        if v.key_id.hex() != parts[1]:
            raise NoteError("verifier key id does not match its key", reason="bad_vkey")
        return v

    def verify(self, note: Note) -> Signature:
        """Return this key's signature on ``note``; raise if absent or wrong."""
        mine = [s for s in note.signatures if s.name == self.name and s.key_id == self.key_id]
        if not mine:
            raise NoteError(f"note is not signed by {self.name}", reason="unsigned")
        for s in mine:  # every signature claiming to be this key must hold
            try:
                self.public.verify(s.data, note.text.encode("utf-8"))
            except InvalidSignature as e:
                raise NoteError(
                    f"signature of {self.name} on the note does not verify",
                    reason="bad_signature",
                ) from e
        return mine[0]


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or _CONTROL.search(text):
        raise NoteError("note text must end in newline, no blank lines", reason="bad_text")


def sign_note(text: str, signers: Sequence[NoteSigner]) -> Note:
    return Note(text, tuple(s.sign(text) for s in signers))


# --- checkpoints -------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise NoteError("checkpoint text does not end in a newline", reason="bad_checkpoint")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise NoteError("checkpoint needs origin, size and root lines", reason="bad_checkpoint")
    if not _SIZE.match(lines[1]) or int(lines[1]) > 2**63 - 1:
        raise NoteError(f"checkpoint size {lines[1]!r} is not a number", reason="bad_checkpoint")
    root = _b64d(lines[2], "checkpoint root hash")
    if len(root) != merkle.HASH_SIZE:
        raise NoteError("checkpoint root hash is not 32 bytes", reason="bad_checkpoint")
    if any(not ext for ext in lines[3:]):
        raise NoteError("checkpoint has an empty extension line", reason="bad_checkpoint")
    return Checkpoint(lines[0], int(lines[1]), root, tuple(lines[3:]))


def open_checkpoint(raw: bytes, log: NoteVerifier) -> tuple[Checkpoint, Note]:
    """Parse a signed checkpoint and check the log's signature and origin."""
    note = parse_note(raw)
    log.verify(note)
    cp = parse_checkpoint(note.text)
    if cp.origin != log.name:
        raise NoteError(
            f"checkpoint origin {cp.origin!r} is not the log {log.name!r}", reason="wrong_origin"
        )
    return cp, note


# --- witness cosignatures (tlog-cosignature v1) -------------------------------------


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode("utf-8")


class CosignatureVerifier:
    def __init__(self, name: str, public: Ed25519PublicKey) -> None:
        self.name = _check_name(name)
        self.public = public
        self.key_id = key_id(name, ALG_COSIGNATURE_V1, public)

    def verify(self, note: Note) -> int:
        """Check the witness's cosignature on a checkpoint note; return its time."""
        mine = [s for s in note.signatures if s.name == self.name and s.key_id == self.key_id]
        if not mine:
            raise NoteError(f"checkpoint is not cosigned by {self.name}", reason="no_cosignature")
        s = mine[0]
        if len(s.data) != 8 + 64:
            raise NoteError(f"cosignature of {self.name} has the wrong length", reason="bad_line")
        ts = int.from_bytes(s.data[:8], "big")
        try:
            self.public.verify(s.data[8:], _cosigned_message(note.text, ts))
        except InvalidSignature as e:
            raise NoteError(
                f"cosignature of witness {self.name} does not verify", reason="bad_cosignature"
            ) from e
        return ts


@dataclass(frozen=True)
class WitnessState:
    """What a witness last cosigned for one log."""

    size: int
    root_hash: bytes


class Witness:
    """Cosigns a log's checkpoint only if it extends the last one it cosigned.

    Pure: the caller loads the state, passes it in and stores the returned one.
    """

    def __init__(self, name: str, key: Ed25519PrivateKey, log: NoteVerifier) -> None:
        self.name = _check_name(name)
        self.key = key
        self.log = log
        self.verifier = CosignatureVerifier(name, key.public_key())

    def cosign(
        self,
        raw: bytes,
        *,
        last: WitnessState | None,
        proof: Sequence[bytes],
        now_s: int,
    ) -> tuple[Signature, WitnessState]:
        try:
            cp, note = open_checkpoint(raw, self.log)
        except NoteError as e:
            raise WitnessRefused(f"checkpoint refused: {e}", reason=e.reason) from e
        if last is not None:
            if cp.size < last.size:
                raise WitnessRefused(
                    f"checkpoint size {cp.size} is older than {last.size} already cosigned",
                    reason="rollback",
                )
            try:
                merkle.verify_consistency(last.size, cp.size, proof, last.root_hash, cp.root_hash)
            except merkle.ProofError as e:
                raise WitnessRefused(
                    f"checkpoint of size {cp.size} is not consistent with size {last.size} "
                    f"already cosigned (split view): {e}",
                    reason="inconsistent",
                ) from e
        sig = self.key.sign(_cosigned_message(note.text, now_s))
        line = Signature(self.name, self.verifier.key_id, now_s.to_bytes(8, "big") + sig)
        return line, WitnessState(cp.size, cp.root_hash)
