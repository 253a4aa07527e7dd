"""What a reception's recording looks like at central, for the console and the API:
each logged segment and its state, checked with central's own copies."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from protocol.evidence import SegmentManifest, parse_signed_manifest

if TYPE_CHECKING:
    from .service import EvidenceService


def reception_segment(
    session: Session, service: EvidenceService, reception_id: str, sha256: str
) -> SegmentManifest | None:
    """The logged manifest of ``reception_id`` whose segment has hash ``sha256``."""
    for leaf in service.log.reception_leaves(session, reception_id):
        m = parse_signed_manifest(leaf.data).manifest
        if m.sha256 == sha256:
            return m
    return None


def reception_status(
    session: Session, service: EvidenceService, reception_id: str
) -> dict[str, Any]:
    """What the console shows for a reception's recording: each segment and its state.

    Checks, with central's own copies: the manifest signature chain, each blob's hash,
    and each leaf's inclusion in the current checkpoint.
    """
    from protocol import merkle

    leaves = service.log.reception_leaves(session, reception_id)
    size = service.log.size(session)
    root = service.log.root(session, size) if size else b""
    segments, problems, prev = [], [], None
    for n, leaf in enumerate(leaves):
        m = parse_signed_manifest(leaf.data).manifest
        state = "ok"
        if m.index != n or m.prev != prev:
            state = "chain_broken"
        blob = service.blobs.path(m.sha256)
        if not blob.exists():
            state = "missing"
        proof = service.log.inclusion_proof(session, leaf.leaf_index, size)
        try:
            merkle.verify_inclusion(leaf.leaf_index, size, merkle.hash_leaf(leaf.data), proof, root)
        except merkle.ProofError:
            state = "not_in_log"
        if state != "ok":
            problems.append(f"segment {m.index}: {state}")
        prev = hashlib.sha256(leaf.data).hexdigest()
        segments.append(
            {
                "index": m.index,
                "media": m.media,
                "container": m.container,
                "start_ms": m.start_ms,
                "end_ms": m.end_ms,
                "sha256": m.sha256,
                "size": m.size,
                "leaf_index": leaf.leaf_index,
                "final": m.final,
                "state": state,
            }
        )
    complete = bool(segments) and segments[-1]["final"]
    if segments and not complete:
        problems.append("recording not complete yet (no final segment logged)")
    return {
        "reception_id": reception_id,
        "verified": bool(segments) and not problems,
        "complete": complete,
        "tree_size": size,
        "segments": segments,
        "problems": problems,
    }
