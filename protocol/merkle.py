"""RFC 6962 / RFC 9162 Merkle tree: hashing, proofs, verification. Pure, no I/O.

Hashing: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), the
empty tree's root is SHA-256("").

Storage is passed in as a function. A *node* ``(level, index)`` is a perfect
subtree: the ``2**level`` leaves starting at ``index * 2**level``. A log stores the
hash of every perfect subtree once it is complete (``Frontier.append`` says which
ones became complete); every root and proof is computed from those alone, so proof
generation reads O(log n) nodes in one batch call and never rehashes leaves.

Errors::

    ProtocolError
     └── ProofError (also ValueError)      reason says which check failed
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .errors import ProtocolError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeId = tuple[int, int]  # (level, index)
GetNodes = Callable[[Sequence[NodeId]], Sequence[bytes]]


class ProofError(ProtocolError, ValueError):
    """A proof does not prove what it claims. ``reason`` names the failed check."""

    reason = "bad_proof"


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def node_key(level: int, index: int) -> int:
    """One integer per node, for storage keys (index < 2**48 leaves)."""
    return (level << 48) | index


def _split(n: int) -> int:
    """Largest power of two strictly less than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The perfect nodes covering leaves ``[begin, end)``, left to right.

    ``begin`` must be a multiple of a power of two >= ``end - begin`` (true of every
    subtree in an RFC 6962 tree), so the cover follows the bits of ``end - begin``.
    """
    out: list[NodeId] = []
    pos = begin
    width = end - begin
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            out.append((level, pos >> level))
            pos += 1 << level
    return out


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of perfect-subtree hashes into the subtree they cover."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = hash_children(h, acc)
    return acc


class _Plan:
    """Ranges whose hashes a proof needs; fetches all their nodes in one call."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def add(self, begin: int, end: int) -> None:
        self.ranges.append((begin, end))

    def resolve(self, get_nodes: GetNodes) -> list[bytes]:
        covers = [range_nodes(b, e) for b, e in self.ranges]
        ids = [n for cover in covers for n in cover]
        got = list(get_nodes(ids)) if ids else []
        if len(got) != len(ids):
            raise LookupError(f"storage returned {len(got)} node hashes for {len(ids)} asked")
        out: list[bytes] = []
        pos = 0
        for cover in covers:
            out.append(_fold(got[pos : pos + len(cover)]))
            pos += len(cover)
        return out


def root(size: int, get_nodes: GetNodes) -> bytes:
    """Root hash of the tree of the first ``size`` leaves."""
    if size == 0:
        return EMPTY_ROOT
    plan = _Plan()
    plan.add(0, size)
    return plan.resolve(get_nodes)[0]


def inclusion_proof(index: int, size: int, get_nodes: GetNodes) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), deepest sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    plan = _Plan()
    begin, end, m = 0, size, index
    while end - begin > 1:
        k = _split(end - begin)
        if m < k:
            plan.add(begin + k, end)
            end = begin + k
        else:
            plan.add(begin, begin + k)
            begin, m = begin + k, m - k
    return list(reversed(plan.resolve(get_nodes)))


def consistency_proof(size1: int, size2: int, get_nodes: GetNodes) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]); empty when size1 is 0 or size2."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    plan = _Plan()
    begin, end, m, whole = 0, size2, size1, True
    while m != end - begin:
        k = _split(end - begin)
        if m <= k:
            plan.add(begin + k, end)
            end = begin + k
        else:
            plan.add(begin, begin + k)
            begin, m, whole = begin + k, m - k, False
    if not whole:
        plan.add(begin, end)  # the subtree the old tree ends on
    hashes = plan.resolve(get_nodes)
    if whole:
        return list(reversed(hashes))
    return [hashes[-1], *reversed(hashes[:-1])]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise ProofError(f"{name} is not a {HASH_SIZE}-byte hash", reason="bad_hash_size")


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash``; raises if it cannot."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}", reason="bad_index")
    _check_hash("leaf hash", leaf_hash)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise ProofError(
                f"inclusion proof has {len(proof)} hashes, more than a tree of size "
                f"{size} needs for leaf {index}",
                reason="wrong_proof_size",
            )
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes, fewer than leaf {index} of a tree "
            f"of size {size} needs",
            reason="wrong_proof_size",
        )
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows leaf ``index`` is in the tree."""
    _check_hash("root", root_hash)
    got = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if got != root_hash:
        raise ProofError(
            f"inclusion proof for leaf {index} leads to root {got.hex()}, "
            f"not the checkpoint's {bytes(root_hash).hex()}",
            reason="root_mismatch",
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise ``ProofError`` unless the tree of ``size2`` extends the one of ``size1``."""
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    if not 0 <= size1 <= size2:
        raise ProofError(f"size {size2} is smaller than size {size1}", reason="bad_size")
    if size1 == size2 or size1 == 0:
        if proof:
            raise ProofError(
                f"consistency proof from {size1} to {size2} must be empty",
                reason="wrong_proof_size",
            )
        if size1 == size2 and root1 != root2:
            raise ProofError(
                f"two different roots for the same size {size1}: the log forked",
                reason="root_mismatch",
            )
        return
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # the old tree is a perfect subtree: its root starts
        path.insert(0, bytes(root1))
    if not path:
        raise ProofError("consistency proof is empty", reason="wrong_proof_size")
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(
                f"consistency proof {size1}→{size2} has too many hashes",
                reason="wrong_proof_size",
            )
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(
            f"consistency proof {size1}→{size2} has too few hashes", reason="wrong_proof_size"
        )
    if fr != root1:
        raise ProofError(
            f"consistency proof does not lead to the old root of size {size1}",
            reason="root_mismatch",
        )
    if sr != root2:
        raise ProofError(
            f"consistency proof does not lead to the new root of size {size2}",
            reason="root_mismatch",
        )


# --- appending ---------------------------------------------------------------------


@dataclass
class Frontier:
    """Compact range ``[0, size)``: one perfect-subtree hash per set bit of ``size``.

    ``append`` returns the nodes that became complete, for the caller to persist;
    the frontier itself can be rebuilt from storage with ``Frontier.load``.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)  # left to right, largest first

    @classmethod
    def load(cls, size: int, get_nodes: GetNodes) -> Frontier:
        ids = range_nodes(0, size)
        got = list(get_nodes(ids)) if ids else []
        if len(got) != len(ids):
            raise LookupError(f"storage returned {len(got)} node hashes for {len(ids)} asked")
        return cls(size=size, hashes=got)

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf; return every ``(level, index, hash)`` completed by it."""
        index = self.size
        new = [(0, index, leaf_hash)]
        h, level, i = leaf_hash, 0, index
        while i & 1:  # a left sibling waits on the frontier: merge upwards
            h = hash_children(self.hashes.pop(), h)
            level += 1
            i >>= 1
            new.append((level, i, h))
        self.hashes.append(h)
        self.size += 1
        return new

    def root(self) -> bytes:
        return _fold(self.hashes) if self.hashes else EMPTY_ROOT
