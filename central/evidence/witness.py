"""Witness cosigning of checkpoints (C2SP tlog-cosignature; 第三方见证 of the log).

A witness cosigns a checkpoint only if it is consistent with the last one it
cosigned, so a log that shows different trees to different people (a split view)
cannot get both cosigned. Central asks each configured witness with the consistency
proof from the size the witness last saw; a witness that saw another size says so
(``WitnessConflict``) and central retries from there once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from protocol import note

from .errors import EvidenceLogError
from .log import EvidenceLog
from .models import CheckpointRow


class WitnessConflict(EvidenceLogError):
    def __init__(self, size: int) -> None:
        super().__init__(f"witness last saw size {size}")
        self.size = size


class WitnessClient(Protocol):
    name: str

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], raw: bytes) -> note.Signature:
        """Return the cosignature, or raise WitnessConflict / note.WitnessRefused."""
        ...


@dataclass
class LocalWitness:
    """An in-process witness (tests, demo, or a witness run by another office)."""

    witness: note.Witness
    state: dict[str, note.WitnessState] = field(default_factory=dict)  # origin → last seen
    now_s: int = 0

    @property
    def name(self) -> str:
        return self.witness.name

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], raw: bytes) -> note.Signature:
        origin = self.witness.log.name
        last = self.state.get(origin)
        if (last.size if last else 0) != old_size:
            raise WitnessConflict(last.size if last else 0)
        sig, new = self.witness.cosign(raw, last=last, proof=proof, now_s=self.now_s)
        self.state[origin] = new
        return sig


def cosign_checkpoint(
    session: Session,
    log: EvidenceLog,
    witnesses: Sequence[tuple[WitnessClient, note.CosignatureVerifier]],
) -> bytes:
    """Collect cosignatures on the current checkpoint; store and return the note."""
    raw = log.checkpoint(session)
    size = log.size(session)
    row = session.get(CheckpointRow, size)
    assert row is not None
    signed = note.parse_note(row.cosigned or raw)
    have = {s.name for s in signed.signatures}
    sigs = list(signed.signatures)
    for client, verifier in witnesses:
        if client.name in have:
            continue
        old = 0
        for _ in range(2):
            try:
                proof = log.consistency_proof(session, old, size)
                sig = client.add_checkpoint(old, proof, raw)
                break
            except WitnessConflict as e:
                if e.size > size:
                    raise note.WitnessRefused(
                        f"witness {client.name} saw size {e.size}, larger than ours ({size})",
                        reason="rollback",
                    ) from e
                old = e.size
        else:
            raise note.WitnessRefused(f"witness {client.name} keeps moving", reason="conflict")
        candidate = note.Note(signed.text, (*sigs, sig))
        verifier.verify(candidate)  # never store a cosignature that does not hold
        sigs.append(sig)
    row.cosigned = note.Note(signed.text, tuple(sigs)).to_bytes()
    session.flush()
    return row.cosigned
