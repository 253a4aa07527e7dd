"""Build real receptions and bundles for the tests, with an in-memory log."""

from __future__ import annotations

import hashlib
import random
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.evidence.bundle import BundleParts, write_bundle
from protocol import keys, merkle, note
from protocol.bundle import BundleIndex, InclusionProof
from protocol.evidence import Participant, SegmentManifest, SignedManifest, sign_manifest

ORIGIN = "zhifang.example/evidence-log"
T0 = 1764403200000
WITNESS = "witness.example/w1"


@dataclass
class MemLog:
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    frontier: merkle.Frontier = field(default_factory=merkle.Frontier)
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)

    def append(self, data: bytes) -> int:
        index = self.frontier.size
        for level, i, h in self.frontier.append(merkle.hash_leaf(data)):
            self.nodes[(level, i)] = h
        return index

    def get(self, ids):
        return [self.nodes[i] for i in ids]

    def signer(self) -> note.NoteSigner:
        return note.NoteSigner(ORIGIN, self.key)

    def checkpoint(self) -> bytes:
        cp = note.Checkpoint(ORIGIN, self.frontier.size, self.frontier.root())
        return note.sign_note(cp.text(), [self.signer()]).to_bytes()


@dataclass
class Reception:
    reception_id: str
    device: str
    key: Ed25519PrivateKey
    manifests: list[SignedManifest]
    media: list[Path]
    leaves: list[int] = field(default_factory=list)


def record(
    tmp: Path,
    *,
    segments: int = 4,
    key: Ed25519PrivateKey | None = None,
    device: str = "desk-01",
    seed: int = 0,
    same_bytes: bool = False,
) -> Reception:
    key = key or Ed25519PrivateKey.generate()
    rid = str(uuid.UUID(int=random.Random(seed).getrandbits(128)))
    rnd = random.Random(seed)
    tmp.mkdir(parents=True, exist_ok=True)
    prev = None
    manifests, media = [], []
    witnesses = (
        Participant(role="npc_deputy", name="王代表"),
        Participant(role="lawyer", name="李律师"),
    )
    for i in range(segments):
        data = b"\0" * 2000 if same_bytes else rnd.randbytes(rnd.randrange(1000, 5000))
        path = tmp / f"{rid[:8]}-{i}.bin"
        path.write_bytes(data)
        m = SegmentManifest(
            reception_id=rid,
            device=device,
            device_key=keys.key_id(key),
            index=i,
            start_ms=T0 + 4000 * i,
            end_ms=T0 + 4000 * (i + 1),
            media="video" if i % 2 == 0 else "audio",
            container="bin",
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            prev=prev,
            final=i == segments - 1,
            participants=witnesses,
        )
        sm = sign_manifest(m, key)
        prev = sm.manifest_hash()
        manifests.append(sm)
        media.append(path)
    return Reception(rid, device, key, manifests, media)


def export(
    out: Path,
    log: MemLog,
    rec: Reception,
    *,
    witness_key: Ed25519PrivateKey | None = None,
    checkpoint: bytes | None = None,
) -> None:
    cp_raw = checkpoint or log.checkpoint()
    size = log.frontier.size
    proofs = [
        InclusionProof(
            leaf_index=i,
            tree_size=size,
            hashes=tuple(keys.b64e(h) for h in merkle.inclusion_proof(i, size, log.get)),
        )
        for i in rec.leaves
    ]
    wkeys = []
    if witness_key is not None:
        w = note.Witness(WITNESS, witness_key, note.NoteVerifier(ORIGIN, log.key.public_key()))
        sig, _ = w.cosign(cp_raw, last=None, proof=[], now_s=T0 // 1000)
        n = note.parse_note(cp_raw)
        cp_raw = note.Note(n.text, (*n.signatures, sig)).to_bytes()
        wkeys.append((WITNESS, witness_key.public_key()))
    index = BundleIndex(
        reception_id=rec.reception_id,
        device=rec.device,
        log_origin=ORIGIN,
        segments=len(rec.manifests),
        witnesses=tuple(n for n, _ in wkeys),
    )
    write_bundle(
        out,
        BundleParts(
            index=index,
            manifests=rec.manifests,
            media=rec.media,
            proofs=proofs,
            checkpoint=cp_raw,
            device_key=rec.key.public_key(),
            log_vkey=note.NoteVerifier(ORIGIN, log.key.public_key()).vkey(),
            witness_keys=wkeys,
        ),
    )


def log_reception(log: MemLog, rec: Reception) -> None:
    rec.leaves = [log.append(sm.to_bytes()) for sm in rec.manifests]


TSA_CNF = """
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = v3
[ dn ]
CN = Zhifang Test TSA
[ v3 ]
basicConstraints = critical,CA:false
extendedKeyUsage = critical,timeStamping
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = .
serial = {dir}/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def make_tsa(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "tsa.cnf").write_text(TSA_CNF.format(dir=d))
    (d / "serial").write_text("01\n")
    subprocess.run(
        ["openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(d / "tsa.key"), "-out",
         str(d / "tsa.pem"), "-days", "3650", "-config", str(d / "tsa.cnf")],
        check=True, capture_output=True,
    )  # fmt: skip
    return d
