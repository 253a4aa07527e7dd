"""drand quicknet, the public randomness a draw may wait for (pure: no network).

* Round arithmetic: which round is published when, so a commit can be refused a round
  that is already out and a reveal a round that is not out yet.
* The round's **signature** (a BLS signature on G1 over the round number, by the
  drand network's key): ``randomness(round, signature)`` checks it with the package
  ``drand-verify`` and derives the round's randomness (SHA-256 of the signature).
  Central never fetches the beacon: whoever reveals reads the round's ``signature``
  at ``value_url(round)`` (any drand relay serves the same bytes) and types it in;
  anyone can re-check it offline, because quicknet's public key is built into
  ``drand-verify``.

Errors: ``BeaconError`` (a ``DrawError``, so a ``ValueError``) says what to do.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .randomness import DrawError

QUICKNET = "drand:quicknet"
QUICKNET_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
GENESIS = 1692803367  # the chain's genesis_time (Unix seconds); round 1 is published then
PERIOD = 3  # seconds between rounds
# a commit must land in the evidence log well before its round is out: computing the
# lottery takes seconds, and the clocks of central and of drand differ a little
MIN_LEAD = timedelta(minutes=1)
MAX_ROUND = 2**63  # drand-verify takes an unsigned 64-bit round
_SIGNATURE = re.compile(r"[0-9a-f]{96}")  # 48 bytes: a compressed G1 point
LOCAL = ZoneInfo("Asia/Shanghai")


class BeaconError(DrawError):
    """A beacon round or signature that cannot be used; says why and what to do."""


def quicknet_round_at(t: datetime) -> int:
    """The latest round published at time ``t``."""
    return max(1, (int(t.timestamp()) - GENESIS) // PERIOD + 1)


def quicknet_time_of(round_: int) -> datetime:
    """When round ``round_`` is published."""
    return datetime.fromtimestamp(GENESIS + (round_ - 1) * PERIOD, UTC)


def suggest(now: datetime, *, ahead: timedelta = timedelta(minutes=10)) -> int:
    """A round published ``ahead`` from now: committed before, revealed after."""
    return quicknet_round_at(now + ahead)


def value_url(round_: int) -> str:
    """Where the round is published (its ``signature`` and ``randomness`` fields)."""
    return f"https://api.drand.sh/{QUICKNET_HASH}/public/{round_}"


def beijing(t: datetime) -> str:
    return t.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")


def check_source(source: str, round_: int) -> None:
    """Only quicknet: its signatures can be checked here and by anyone offline."""
    if source != QUICKNET:
        raise BeaconError(
            f"不支持信标 {source}：请用 {QUICKNET}（其签名可由本系统和任何人离线核验）"
        )
    if not 1 <= round_ < MAX_ROUND:
        raise BeaconError(f"信标轮次 {round_} 无效")


def check_future(round_: int, *, now: datetime, before: datetime | None = None) -> None:
    """At commit: the round must come out after the commitment is in the log (at least
    ``MIN_LEAD`` from ``now``) and, when ``before`` is given (the hearing's start), in
    time to know the panel before the hearing."""
    out = quicknet_time_of(round_)
    if out <= now:
        raise BeaconError(
            f"信标第 {round_} 轮已于 {beijing(out)} 发布：请选尚未发布的轮次"
            "（随机来源须在承诺之后才揭晓）"
        )
    if out < now + MIN_LEAD:
        raise BeaconError(
            f"信标第 {round_} 轮将于 {beijing(out)} 发布，离现在不到 1 分钟："
            "请选稍后发布的轮次，使承诺先记入证据日志"
        )
    if before is not None and out > before:
        raise BeaconError(
            f"信标第 {round_} 轮将于 {beijing(out)} 发布，晚于听证开始时间 "
            f"{beijing(before)}：请选听证开始前发布的轮次"
        )


def check_published(round_: int, *, now: datetime) -> None:
    """At reveal: the round must be out (else nobody, central included, has it)."""
    out = quicknet_time_of(round_)
    if out > now:
        raise BeaconError(
            f"信标第 {round_} 轮将于 {beijing(out)} 发布，请在此之后再公布结果"
            f"（届时在 {value_url(round_)} 取该轮的 signature）"
        )


def normalise(signature: str) -> str:
    """A signature as typed or pasted: lower-case hex, spaces and a ``0x`` removed."""
    s = "".join(signature.split()).lower()
    return s[2:] if s.startswith("0x") else s


def available() -> bool:
    """Whether ``drand-verify`` is installed (central's ``central`` extra has it)."""
    try:
        import drand_verify  # noqa: F401
    except ImportError:
        return False
    return True


def randomness(round_: int, signature: str) -> str:
    """The round's randomness (hex), after checking that ``signature`` is the drand
    quicknet network's signature of round ``round_``. Raises ``BeaconError``."""
    sig = normalise(signature)
    if not _SIGNATURE.fullmatch(sig):
        raise BeaconError(
            f"信标第 {round_} 轮的签名应为 96 位十六进制（{value_url(round_)} 的 signature 字段）"
        )
    if not 1 <= round_ < MAX_ROUND:
        raise BeaconError(f"信标轮次 {round_} 无效")
    try:
        import drand_verify
    except ImportError:
        raise BeaconError(
            "服务器缺少 drand-verify，无法核验信标签名：请安装 central 依赖"
            "（pip install '.[central]'）"
        ) from None
    try:
        # validated above: drand-verify aborts (a Rust panic) on bytes that are not hex
        return str(drand_verify.verify_quicknet(round_, sig))
    except ValueError:
        raise BeaconError(
            f"信标签名无效：不是 drand quicknet 第 {round_} 轮的签名"
            f"（请从 {value_url(round_)} 复制该轮的 signature 字段）"
        ) from None
