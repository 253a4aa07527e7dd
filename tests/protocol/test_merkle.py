"""The Merkle tree against a naive reference, the public RFC 6962 vectors and attacks."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import merkle
from protocol.merkle import ProofError
from protocol.vectors.evidence import generate

VECTORS = Path(generate.__file__).parent

# --- a deliberately naive reference: RFC 6962 §2.1 written as the recursion ----------


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    if m == 0 or m == len(leaves):
        return []
    return ref_subproof(m, leaves, True)


class Tree:
    """A log kept the way central keeps it: frontier + stored perfect nodes."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.frontier = merkle.Frontier()
        self.calls = 0
        for leaf in leaves:
            for level, index, h in self.frontier.append(merkle.hash_leaf(leaf)):
                self.nodes[(level, index)] = h

    def get(self, ids):
        self.calls += 1
        return [self.nodes[i] for i in ids]


def leaves_of(n: int, seed: int = 0) -> list[bytes]:
    rnd = random.Random(seed)
    return [rnd.randbytes(rnd.randrange(0, 40)) for _ in range(n)]


# --- cross-checks ------------------------------------------------------------------


@pytest.mark.parametrize("n", range(0, 65))
def test_roots_and_proofs_match_the_reference_for_every_size_up_to_64(n):
    leaves = leaves_of(n, seed=n)
    tree = Tree(leaves)
    for size in range(0, n + 1):
        want = ref_mth(leaves[:size])
        assert merkle.root(size, tree.get) == want
        for i in range(size):
            proof = merkle.inclusion_proof(i, size, tree.get)
            assert proof == ref_path(i, leaves[:size])
            merkle.verify_inclusion(i, size, merkle.hash_leaf(leaves[i]), proof, want)
        proof = merkle.consistency_proof(size, n, tree.get)
        assert proof == ref_consistency(size, leaves)
        merkle.verify_consistency(size, n, proof, want, ref_mth(leaves))
    assert tree.frontier.root() == ref_mth(leaves)


@pytest.mark.parametrize("seed", range(4))
def test_random_larger_trees_match_the_reference(seed):
    rnd = random.Random(seed)
    n = rnd.randrange(65, 700)
    leaves = leaves_of(n, seed)
    tree = Tree(leaves)
    for _ in range(20):
        size = rnd.randrange(1, n + 1)
        i = rnd.randrange(size)
        assert merkle.inclusion_proof(i, size, tree.get) == ref_path(i, leaves[:size])
        s1 = rnd.randrange(0, size + 1)
        proof = merkle.consistency_proof(s1, size, tree.get)
        assert proof == ref_consistency(s1, leaves[:size])
        merkle.verify_consistency(s1, size, proof, ref_mth(leaves[:s1]), ref_mth(leaves[:size]))


def test_a_proof_reads_storage_once():
    tree = Tree(leaves_of(1000))
    tree.calls = 0
    merkle.inclusion_proof(517, 999, tree.get)
    merkle.consistency_proof(300, 999, tree.get)
    assert tree.calls == 2


def test_frontier_reloads_from_storage_and_goes_on():
    leaves = leaves_of(77)
    tree = Tree(leaves[:50])
    again = merkle.Frontier.load(50, tree.get)
    assert again == tree.frontier
    for leaf in leaves[50:]:
        for level, index, h in again.append(merkle.hash_leaf(leaf)):
            tree.nodes[(level, index)] = h
    assert again.root() == ref_mth(leaves) == merkle.root(77, tree.get)


# --- the public RFC 6962 vectors (certificate-transparency / transparency-dev) -------

RFC_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
RFC_INCLUSION = {  # (leaf index, tree size): proof
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
RFC_CONSISTENCY = {
    (1, 8): RFC_INCLUSION[(0, 8)],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (6, 7): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}


def test_rfc6962_roots():
    tree = Tree(generate.RFC6962_LEAVES)
    assert [merkle.root(n, tree.get).hex() for n in range(1, 9)] == RFC_ROOTS
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize(("index", "size"), sorted(RFC_INCLUSION))
def test_rfc6962_inclusion_proofs(index, size):
    tree = Tree(generate.RFC6962_LEAVES)
    proof = merkle.inclusion_proof(index, size, tree.get)
    assert [p.hex() for p in proof] == RFC_INCLUSION[(index, size)]
    leaf = merkle.hash_leaf(generate.RFC6962_LEAVES[index])
    merkle.verify_inclusion(index, size, leaf, proof, bytes.fromhex(RFC_ROOTS[size - 1]))


@pytest.mark.parametrize(("size1", "size2"), sorted(RFC_CONSISTENCY))
def test_rfc6962_consistency_proofs(size1, size2):
    tree = Tree(generate.RFC6962_LEAVES)
    proof = merkle.consistency_proof(size1, size2, tree.get)
    assert [p.hex() for p in proof] == RFC_CONSISTENCY[(size1, size2)]
    r1, r2 = (bytes.fromhex(RFC_ROOTS[s - 1]) for s in (size1, size2))
    merkle.verify_consistency(size1, size2, proof, r1, r2)


# --- attack vectors, one file each -----------------------------------------------


def test_vector_files_are_what_the_generator_makes():
    on_disk = {str(p.relative_to(VECTORS)): p.read_text("utf-8") for p in VECTORS.rglob("*.json")}
    assert on_disk == generate.all_files()


def _b(s: str) -> bytes:
    return base64.b64decode(s)


@pytest.mark.parametrize(
    "path",
    sorted(VECTORS.rglob("*.json")),
    ids=lambda p: str(p.relative_to(VECTORS)),
)
def test_attack_vector(path):
    v = json.loads(path.read_text("utf-8"))
    if "index" in v:

        def check():
            merkle.verify_inclusion(
                v["index"],
                v["size"],
                _b(v["leaf_hash"]),
                [_b(p) for p in v["proof"]],
                _b(v["root"]),
            )
    else:

        def check():
            merkle.verify_consistency(
                v["size1"], v["size2"], [_b(p) for p in v["proof"]], _b(v["root1"]), _b(v["root2"])
            )

    if v["want_error"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


def test_errors_name_the_failed_check():
    tree = Tree(generate.RFC6962_LEAVES)
    root8 = merkle.root(8, tree.get)
    proof = merkle.inclusion_proof(3, 8, tree.get)
    leaf = merkle.hash_leaf(generate.RFC6962_LEAVES[3])
    with pytest.raises(ProofError) as e:
        merkle.verify_inclusion(3, 8, leaf, [*proof, root8], root8)
    assert e.value.reason == "wrong_proof_size"
    with pytest.raises(ProofError) as e:
        merkle.verify_inclusion(3, 8, leaf, proof, merkle.EMPTY_ROOT)
    assert e.value.reason == "root_mismatch"
    with pytest.raises(ProofError) as e:
        merkle.verify_inclusion(8, 8, leaf, proof, root8)
    assert e.value.reason == "bad_index"
    with pytest.raises(ProofError) as e:
        merkle.verify_inclusion(3, 8, leaf[:31], proof, root8)
    assert e.value.reason == "bad_hash_size"
    with pytest.raises(ProofError) as e:
        merkle.verify_consistency(5, 5, [], root8, merkle.root(5, tree.get))
    assert "forked" in str(e.value)


# --- hypothesis: any single-bit change to a valid proof is caught -------------------


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=300),
    data=st.data(),
)
def test_any_flipped_bit_in_an_inclusion_proof_is_caught(n, data):
    leaves = leaves_of(n, seed=n)
    tree = Tree(leaves)
    i = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(i, n, tree.get)
    root = tree.frontier.root()
    merkle.verify_inclusion(i, n, merkle.hash_leaf(leaves[i]), proof, root)
    j = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    bad = list(proof)
    bad[j] = bytes(b ^ (1 << (bit % 8)) if k == bit // 8 else b for k, b in enumerate(bad[j]))
    with pytest.raises(ProofError):
        merkle.verify_inclusion(i, n, merkle.hash_leaf(leaves[i]), bad, root)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(min_value=2, max_value=300), data=st.data())
def test_consistency_holds_for_every_prefix_and_a_fork_is_caught(n, data):
    leaves = leaves_of(n, seed=n + 1)
    tree = Tree(leaves)
    s1 = data.draw(st.integers(1, n - 1))
    proof = merkle.consistency_proof(s1, n, tree.get)
    r1 = merkle.root(s1, tree.get)
    merkle.verify_consistency(s1, n, proof, r1, tree.frontier.root())
    # a split view: the new tree rewrote a leaf the old checkpoint already covered
    j = data.draw(st.integers(0, s1 - 1))
    forked = Tree([*leaves[:j], leaves[j] + b"!", *leaves[j + 1 :]])
    with pytest.raises(ProofError):
        merkle.verify_consistency(
            s1, n, merkle.consistency_proof(s1, n, forked.get), r1, forked.frontier.root()
        )


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=600),
    cut=st.integers(min_value=0, max_value=600),
)
def test_compact_range_reloaded_anywhere_goes_on_identically(n, cut):
    """Fuzz the frontier: stop at any size, reload it from stored nodes, continue."""
    cut = min(cut, n)
    leaves = leaves_of(n, seed=7)
    whole = Tree(leaves)
    part = Tree(leaves[:cut])
    again = merkle.Frontier.load(cut, part.get)
    assert again == part.frontier
    for leaf in leaves[cut:]:
        for level, index, h in again.append(merkle.hash_leaf(leaf)):
            part.nodes[(level, index)] = h
    assert again == whole.frontier and part.nodes == whole.nodes
    assert again.root() == ref_mth(leaves)
