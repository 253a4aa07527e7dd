"""A hearing's draws, stored: commit → reveal, or abandon; and the published record.

The rules that keep a draw from being ground (docs/hearings-draw.md):

* **one open commitment per hearing**: another commit is refused until the open one
  is revealed or explicitly abandoned, with a stated reason; the database holds the
  rule too (``uq_hearing_draw_open``);
* **abandoned commitments are public**: the published record of the hearing's draw
  lists every one (its commit record, commitment, evidence-log leaf and proof, when,
  who and why; the seed, when central held it);
* **a beacon round is verified or refused**: at commit it must still be in the future
  (and out before the hearing starts); at the reveal it must be out, and its drand
  signature is checked here, the randomness derived from it, never typed in;
* **a seed someone supplies comes with a beacon**: its holder could otherwise work
  out the panel before committing.

Every function takes ``now`` (central's clock, injected) and leaves the transaction
to its caller.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.evidence.log import Entry, EvidenceLog
from central.labels import DRAW_STATUS_ZH
from protocol.canonical import canonical_json

from . import beacon as bc
from . import draw as d
from . import panels
from .models import DrawRow, HearingRow, ParticipantRow, RegistryPerson
from .service import (
    HearingError,
    Quotas,
    draw_rules,
    eligible,
    matter_subjects,
    status_zh,
)


def _locked_hearing(session: Session, hearing_id: str) -> HearingRow:
    """The hearing, locked for this transaction (PostgreSQL): commits, reveals and
    abandonments of one hearing take turns, so two commits cannot both find none open."""
    h = session.get(HearingRow, hearing_id, with_for_update=True)
    if h is None:
        raise HearingError(f"听证不存在：{hearing_id}", status=404)
    return h


def _beacon_at_commit(beacon: Mapping[str, Any] | None, h: HearingRow, now: datetime) -> None:
    if beacon is None:
        return
    round_ = beacon.get("round")
    if not isinstance(round_, int):
        raise HearingError("公共信标须写明整数轮次 round")
    try:
        bc.check_source(str(beacon.get("source")), round_)
        bc.check_future(round_, now=now, before=h.starts_at)
    except bc.BeaconError as e:
        raise HearingError(str(e)) from e


def commit_draw(
    session: Session,
    log: EvidenceLog,
    *,
    hearing_id: str,
    seed_sha256: str | None,
    beacon: Mapping[str, Any] | None,
    now: datetime,
    quotas: Mapping[str, int] | None = None,
    panel_size: int | None = None,
    features: Quotas | None = None,
    recent_days: int = 180,
    extra_subjects: Iterable[str] = (),
    hold_seed: bool = False,
) -> DrawRow:
    """Fix the candidates, rules, lottery and randomness source; record the commitment
    as a leaf of the evidence log (same transaction). Every new draw is
    ``zhifang-draw/2`` (the category-only ``quotas`` are mapped onto its rules).

    ``hold_seed``: central makes the secret seed itself (32 random bytes), commits its
    SHA-256 and keeps the seed in the draw's ``seed`` column until ``reveal_draw``
    publishes it; nothing serves that column before the reveal (``published`` refuses an
    unrevealed draw). Whoever can read the database can then compute the result early:
    add a future beacon round when that matters (docs/hearings-draw.md)."""
    seed: str | None = None
    if hold_seed:
        if seed_sha256:
            raise HearingError("由本系统生成种子时，不应再给出种子的哈希")
        seed = secrets.token_bytes(32).hex()
        seed_sha256 = hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    elif seed_sha256 and beacon is None:
        raise HearingError(
            "他人持有的种子须与公共信标一起使用：持有人事先知道种子，可以在承诺前试算结果；"
            "加上一个承诺之后才发布的信标轮次，谁都无法事先知道结果"
        )
    h = _locked_hearing(session, hearing_id)
    if h.status != "scheduled":
        raise HearingError(f"听证{status_zh(h)}，不能抽取", status=409)
    _no_revealed_draw(session, h.id)
    _no_open_commitment(session, h.id)
    _beacon_at_commit(beacon, h, now)
    k, feature_quotas = draw_rules(quotas=quotas, panel_size=panel_size, features=features)
    subjects = matter_subjects(session, h.matter_id) | set(extra_subjects)
    cands, excluded = eligible(session, h, subjects=subjects, recent_days=recent_days)
    try:
        record = panels.commit_record(
            hearing_id=h.id,
            matter_id=h.matter_id,
            candidates=cands,
            excluded=excluded,
            panel_size=k,
            quotas=feature_quotas,
            seed_sha256=seed_sha256,
            beacon=beacon,
            committed_at=now.isoformat(timespec="seconds"),
            rules={"recent_days": recent_days, "conflict_subjects": sorted(subjects)},
        )
    except d.DrawError as e:
        raise HearingError(str(e)) from e
    data = canonical_json(record)
    digest = hashlib.sha256(data).hexdigest()
    row = DrawRow(
        id=str(uuid.uuid4()),
        hearing_id=h.id,
        commitment=digest,
        commit_record=record,
        seed=seed,  # only when central holds it; secret until revealed
        seed_by="central" if hold_seed else "holder" if seed_sha256 else None,
        status="committed",
        committed_at=now,
    )
    session.add(row)
    try:  # the database's own guard, should two commits race past the lock
        session.flush()
    except IntegrityError as e:
        raise HearingError(_OPEN_MESSAGE, status=409) from e
    [row.leaf_index] = log.append(session, [Entry(data=data, manifest_hash=digest)])
    session.flush()
    return row


_OPEN_MESSAGE = "该听证已有一个未公布的承诺：请先放弃它（说明理由），再另行承诺"


def _no_revealed_draw(session: Session, hearing_id: str) -> None:
    """One hearing, one result: once a draw is revealed, no other is made or revealed
    (every commit stays in the evidence log, so a discarded draw is visible)."""
    done = session.scalar(
        select(DrawRow.id).where(DrawRow.hearing_id == hearing_id, DrawRow.status == "revealed")
    )
    if done is not None:
        raise HearingError(f"该听证已有公布的抽取结果（{done}）", status=409)


def _no_open_commitment(session: Session, hearing_id: str) -> None:
    """Several open commitments would let whoever learns the randomness first reveal
    the one they prefer: a new one waits until the open one is abandoned."""
    row = session.scalars(
        select(DrawRow).where(DrawRow.hearing_id == hearing_id, DrawRow.status == "committed")
    ).first()
    if row is not None:
        raise HearingError(
            f"该听证已有一个未公布的承诺（承诺 {row.commitment[:16]}…，"
            f"{bc.beijing(row.committed_at)} 作出）：请先放弃它（说明理由），再另行承诺",
            status=409,
        )


def holds_seed(row: DrawRow) -> bool:
    """Central made this draw's seed and keeps it, secret, until the reveal."""
    return row.status == "committed" and row.seed is not None


def _draw_or_404(session: Session, draw_id: str) -> DrawRow:
    row = session.get(DrawRow, draw_id, with_for_update=True)
    if row is None:
        raise HearingError(f"抽取不存在：{draw_id}", status=404)
    return row


def _beacon_value(record: Mapping[str, Any], signature: str | None, now: datetime) -> str | None:
    """The beacon's randomness, from the round's signature (checked), or None."""
    b = record.get("beacon")
    if not b:
        if signature:
            raise HearingError("抽取时没有约定公共信标，不能事后加入信标签名")
        return None
    round_ = b["round"]
    if b.get("source") != bc.QUICKNET:
        raise HearingError(
            f"无法核验信标 {b.get('source')} 的签名：请放弃此承诺，改用 {bc.QUICKNET} 重新承诺"
        )
    try:
        bc.check_published(round_, now=now)
    except bc.BeaconError as e:
        raise HearingError(str(e), status=409) from e
    if not signature:
        raise HearingError(
            f"需要信标第 {round_} 轮的签名（{bc.value_url(round_)} 的 signature 字段）"
        )
    try:
        return bc.randomness(round_, signature)
    except bc.BeaconError as e:
        raise HearingError(str(e)) from e


def reveal_draw(
    session: Session,
    *,
    draw_id: str,
    seed: str | None,
    beacon_signature: str | None,
    now: datetime,
) -> DrawRow:
    """Publish the randomness and draw. A seed central holds (``hold_seed``) is used
    when none is given; a given one must still match the committed hash. A beacon round
    must be out; its signature is checked and gives the beacon's value."""
    row = _draw_or_404(session, draw_id)
    h = _locked_hearing(session, row.hearing_id)
    if row.status == "abandoned":
        raise HearingError("该次抽取已放弃，不能公布结果", status=409)
    if row.status != "committed":
        raise HearingError("该次抽取已公布结果", status=409)
    if h.status != "scheduled":  # the drawn officers would join a hearing that is over
        raise HearingError(f"听证{status_zh(h)}，不能公布抽取结果", status=409)
    _no_revealed_draw(session, row.hearing_id)
    beacon_value = _beacon_value(row.commit_record, beacon_signature, now)
    if not seed and holds_seed(row):
        seed = row.seed
    try:
        result = d.select(row.commit_record, seed, beacon_value)
    except d.DrawError as e:
        raise HearingError(str(e)) from e
    row.seed, row.beacon_value, row.selected = seed, beacon_value, result["selected"]
    row.beacon_signature = bc.normalise(beacon_signature) if beacon_signature else None
    row.status, row.revealed_at = "revealed", now
    names = dict(
        session.execute(
            select(RegistryPerson.id, RegistryPerson.name).where(
                RegistryPerson.id.in_(result["selected"])
            )
        ).all()
    )
    for seat, pid in enumerate(result["selected"], start=1):
        session.add(
            ParticipantRow(
                hearing_id=row.hearing_id,
                role="officer",
                name=names[pid],
                registry_id=pid,
                seat=seat,
            )
        )
    session.flush()
    return row


def abandon_draw(
    session: Session, *, draw_id: str, reason: str, actor: str, now: datetime
) -> DrawRow:
    """Give up an open commitment, saying why: it stays in the evidence log and is
    listed in the hearing's published record; a new draw may then be committed."""
    reason = reason.strip()
    if len(reason) < 2:
        raise HearingError("放弃承诺须说明理由（至少 2 个字）")
    row = _draw_or_404(session, draw_id)
    _locked_hearing(session, row.hearing_id)
    if row.status != "committed":
        raise HearingError(
            f"该次抽取{DRAW_STATUS_ZH.get(row.status, row.status)}，不能放弃", status=409
        )
    row.status = "abandoned"
    row.abandoned_at, row.abandoned_by, row.abandon_reason = now, actor[:200], reason[:500]
    session.flush()
    return row


def abandoned(session: Session, hearing_id: str) -> list[DrawRow]:
    return list(
        session.scalars(
            select(DrawRow)
            .where(DrawRow.hearing_id == hearing_id, DrawRow.status == "abandoned")
            .order_by(DrawRow.committed_at, DrawRow.id)
        )
    )


def published(session: Session, log: EvidenceLog, draw_id: str) -> dict[str, Any]:
    """The record anyone may check with ``zhifang hearings verify-draw``: the revealed
    draw and every commitment of the same hearing that was abandoned."""
    row = session.get(DrawRow, draw_id)
    if row is None:
        raise HearingError(f"抽取不存在：{draw_id}", status=404)
    if row.status == "abandoned":
        raise HearingError("该次抽取已放弃；本听证公布结果的那次抽取的记录列出了它", status=409)
    if row.status != "revealed":
        raise HearingError("结果尚未公布", status=409)
    result = d.select(row.commit_record, row.seed, row.beacon_value)
    out: dict[str, Any] = {
        "commit": row.commit_record,
        "commitment": row.commitment,
        "reveal": {
            "seed": row.seed,
            "beacon_value": row.beacon_value,
            "beacon_signature": row.beacon_signature,
        },
        "result": result,
        "abandoned": [_abandoned_entry(a) for a in abandoned(session, row.hearing_id)],
    }
    if row.leaf_index is not None:
        size = log.size(session)
        out["evidence"] = {
            "origin": log.origin,
            "leaf_index": row.leaf_index,
            "tree_size": size,
            "root": log.root(session, size).hex(),
            "proof": [p.hex() for p in log.inclusion_proof(session, row.leaf_index, size)],
        }
        for entry in out["abandoned"]:
            if entry["leaf_index"] is not None:
                proof = log.inclusion_proof(session, entry["leaf_index"], size)
                entry["proof"] = [p.hex() for p in proof]
    return out


def _abandoned_entry(a: DrawRow) -> dict[str, Any]:
    """An abandoned commitment as published. A seed central held is published too:
    with the commit record (and the beacon round, once out) anyone can work out what
    the abandoned draw would have given."""
    return {
        "id": a.id,
        "commitment": a.commitment,
        "leaf_index": a.leaf_index,
        "committed_at": a.committed_at.isoformat(timespec="seconds"),
        "abandoned_at": a.abandoned_at.isoformat(timespec="seconds") if a.abandoned_at else None,
        "abandoned_by": a.abandoned_by,
        "reason": a.abandon_reason,
        "seed": a.seed,
        "commit": a.commit_record,
    }
