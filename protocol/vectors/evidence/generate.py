"""Proof-verification vectors, one file per attack.

Regenerate with ``python -m protocol.vectors.evidence.generate``.

Built from the public RFC 6962 8-leaf test tree (the leaves of the
certificate-transparency / transparency-dev test suites). Each good proof yields a
``happy-path`` file and one file per way of tampering with it; every tampered file
must fail verification. Only run this on purpose: tests compare against the files.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from protocol import merkle

HERE = Path(__file__).parent
RFC6962_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _tree(n: int) -> merkle.GetNodes:
    f = merkle.Frontier()
    nodes: dict[tuple[int, int], bytes] = {}
    for leaf in RFC6962_LEAVES[:n]:
        for level, index, h in f.append(merkle.hash_leaf(leaf)):
            nodes[(level, index)] = h
    return lambda ids: [nodes[i] for i in ids]


def _b64(hs: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hs]


def _flip(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ (1 << bit)]) + out[i][1:]
    return out


def inclusion_cases(index: int, size: int) -> dict[str, dict[str, Any]]:
    get = _tree(8)
    root = merkle.root(size, get)
    leaf = merkle.hash_leaf(RFC6962_LEAVES[index])
    proof = merkle.inclusion_proof(index, size, get)
    base = {"index": index, "size": size, "leaf_hash": leaf, "proof": proof, "root": root}
    cases: dict[str, dict[str, Any]] = {"happy-path": base}
    cases["wrong-leaf"] = {**base, "leaf_hash": merkle.hash_leaf(b"WrongLeaf")}
    cases["leaf-data-not-hashed"] = {**base, "leaf_hash": merkle.hash_children(leaf, leaf)}
    cases["wrong-index-minus-1"] = {**base, "index": index - 1}
    cases["wrong-index-plus-1"] = {**base, "index": index + 1}
    cases["wrong-index-xor-2"] = {**base, "index": index ^ 2}
    cases["wrong-size-double"] = {**base, "size": size * 2}
    cases["wrong-size-half"] = {**base, "size": size // 2}
    cases["empty-tree-root"] = {**base, "root": merkle.EMPTY_ROOT}
    cases["random-root"] = {**base, "root": SOME_HASH}
    cases["trailing-garbage"] = {**base, "proof": [*proof, SOME_HASH]}
    cases["trailing-root"] = {**base, "proof": [*proof, root]}
    cases["preceding-garbage"] = {**base, "proof": [SOME_HASH, *proof]}
    cases["preceding-root"] = {**base, "proof": [root, *proof]}
    for i in range(len(proof)):
        cases[f"modified-proof[{i}]-bit-@3"] = {**base, "proof": _flip(proof, i, 3)}
    if proof:
        cases["removed-component"] = {**base, "proof": proof[:-1]}
        cases["extra-proof-element"] = {**base, "proof": [*proof, proof[-1]]}
    if len(proof) > 1:
        cases["inserted-component"] = {**base, "proof": [proof[0], SOME_HASH, *proof[1:]]}
        cases["swapped-components"] = {**base, "proof": [proof[1], proof[0], *proof[2:]]}
    return cases


def consistency_cases(size1: int, size2: int) -> dict[str, dict[str, Any]]:
    get = _tree(8)
    r1, r2 = merkle.root(size1, get), merkle.root(size2, get)
    proof = merkle.consistency_proof(size1, size2, get)
    base = {"size1": size1, "size2": size2, "root1": r1, "root2": r2, "proof": proof}
    cases: dict[str, dict[str, Any]] = {"happy-path": base}
    cases["wrong-size1-minus-1"] = {**base, "size1": size1 - 1}
    cases["wrong-size1-plus-1"] = {**base, "size1": size1 + 1}
    cases["wrong-size1-xor-2"] = {**base, "size1": size1 ^ 2}
    cases["wrong-size2-double"] = {**base, "size2": size2 * 2}
    cases["wrong-size2-half"] = {**base, "size2": size2 // 2}
    cases["forked-root1"] = {**base, "root1": SOME_HASH}
    cases["forked-root2"] = {**base, "root2": SOME_HASH}
    cases["swapped-roots"] = {**base, "root1": r2, "root2": r1}
    cases["empty-proof"] = {**base, "proof": []}
    cases["trailing-garbage"] = {**base, "proof": [*proof, SOME_HASH]}
    cases["trailing-root1"] = {**base, "proof": [*proof, r1]}
    cases["trailing-root2"] = {**base, "proof": [*proof, r2]}
    cases["preceding-garbage"] = {**base, "proof": [SOME_HASH, *proof]}
    cases["preceding-root1"] = {**base, "proof": [r1, *proof]}
    cases["preceding-root2"] = {**base, "proof": [r2, *proof]}
    cases["preceding-proof[0]"] = {**base, "proof": [proof[0], *proof]}
    cases["truncated-proof"] = {**base, "proof": proof[:-1]}
    cases["extra-proof-element"] = {**base, "proof": [*proof, proof[-1]]}
    for i in range(len(proof)):
        cases[f"modified-proof[{i}]-bit-@4"] = {**base, "proof": _flip(proof, i, 4)}
    return cases


def _encode(case: dict[str, Any], name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in case.items():
        if isinstance(v, bytes):
            out[k] = base64.b64encode(v).decode()
        elif isinstance(v, list):
            out[k] = _b64(v)
        else:
            out[k] = v
    out["desc"] = name
    out["want_error"] = name != "happy-path"
    return out


INCLUSION = [(0, 8), (5, 8), (2, 5), (2, 3), (6, 7), (0, 1)]
CONSISTENCY = [(1, 8), (6, 8), (2, 5), (6, 7), (4, 8), (3, 7)]


def all_files() -> dict[str, str]:
    files: dict[str, str] = {}
    for index, size in INCLUSION:
        for name, case in inclusion_cases(index, size).items():
            rel = f"inclusion/{index}-of-{size}/{name}.json"
            files[rel] = json.dumps(_encode(case, name), indent=2) + "\n"
    for s1, s2 in CONSISTENCY:
        for name, case in consistency_cases(s1, s2).items():
            rel = f"consistency/{s1}-to-{s2}/{name}.json"
            files[rel] = json.dumps(_encode(case, name), indent=2) + "\n"
    return files


def main() -> None:
    for rel, text in all_files().items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
