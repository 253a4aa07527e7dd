"""The console's HTML forms → the service's keyword arguments (pure: no I/O).

Each parser takes the submitted form (any ``getlist``-able mapping, e.g. Starlette's
``FormData``), validates it with the JSON API's models — so both doors share one set
of limits — and raises ``FormError`` with a message in Chinese that names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from central.hearings.beacon import QUICKNET
from central.hearings.schemas import (
    AbandonIn,
    CancelIn,
    ConflictIn,
    DrawIn,
    HearingIn,
    OutcomeIn,
    PersonIn,
    RevealIn,
)
from central.labels import CONFLICT_SUBJECT_ZH, HEARING_ROLE_ZH

from .errors import FormError

LOCAL = ZoneInfo("Asia/Shanghai")  # a datetime-local field means Beijing time
SUBJECT_KINDS = CONFLICT_SUBJECT_ZH
OTHER_ROLES = {k: v for k, v in HEARING_ROLE_ZH.items() if k != "officer"}  # 听证员 are drawn
LABELS = {
    "name": "姓名",
    "category": "类别",
    "organisation": "单位",
    "region": "地区",
    "contact": "联系方式",
    "subject": "利害关系对象",
    "note": "说明",
    "matter_id": "事项编号",
    "title": "听证名称",
    "mode": "听证方式",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "location": "地点",
    "meeting_url": "会议链接",
    "panel_size": "听证员人数",
    "features": "名额",
    "seed_sha256": "种子的哈希",
    "source": "信标来源",
    "round": "信标轮次",
    "beacon_round": "信标轮次",
    "recent_days": "近期参加过听证的回避天数",
    "conflict_subjects": "额外回避对象",
    "seed": "种子",
    "beacon_signature": "信标签名",
    "record": "听证记录",
    "outcome": "听证结论",
    "petitioner_accepts": "信访人是否接受",
    "others": "其他参加人",
    "reason": "理由",
}


M = TypeVar("M", bound=BaseModel)


class Form(Protocol):
    def get(self, key: str, /) -> Any: ...
    def getlist(self, key: str, /) -> list[Any]: ...


def explain(e: ValidationError) -> str:
    """The first problem pydantic found, in Chinese."""
    err = e.errors()[0]
    loc = [str(x) for x in err["loc"]]
    label = next((LABELS[x] for x in reversed(loc) if x in LABELS), "·".join(loc))
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    kind = err["type"]
    if kind in ("missing", "string_too_short"):
        n = ctx.get("min_length", 1)
        what = "未填写" if n <= 1 else f"至少 {n} 个字"
    elif kind == "string_too_long":
        what = f"不能超过 {ctx.get('max_length')} 个字"
    elif kind == "greater_than_equal":
        what = f"不能小于 {ctx.get('ge')}"
    elif kind == "less_than_equal":
        what = f"不能大于 {ctx.get('le')}"
    elif kind.startswith(("int_", "float_")):
        what = "应为整数"
    elif kind.startswith(("datetime_", "date_")):
        what = "时间格式有误"
    elif kind.startswith(("literal_", "enum")):
        what = "取值无效"
    else:
        what = "无效"
    return f"填写有误：{label}{what}"


def _valid(model: type[M], data: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise FormError(explain(e)) from e


def _s(form: Form, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _int(form: Form, key: str, *, default: int | None = None) -> int:
    raw = _s(form, key)
    if not raw and default is not None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise FormError(f"填写有误：{LABELS.get(key, key)}应为整数") from None


def _local(raw: str, label: str) -> datetime:
    """``2026-12-01T09:00`` from an ``<input type=datetime-local>``: Beijing time."""
    try:
        t = datetime.fromisoformat(raw)
    except ValueError:
        raise FormError(f"填写有误：{label}格式应为 2026-12-01 09:00") from None
    return t if t.tzinfo else t.replace(tzinfo=LOCAL)


def person(form: Form) -> dict[str, Any]:
    keys = ("name", "category", "organisation", "region", "contact")
    return _valid(PersonIn, {k: _s(form, k) for k in keys}).model_dump()


def conflict(form: Form) -> dict[str, str]:
    kind, value = _s(form, "kind"), _s(form, "value")
    if kind not in SUBJECT_KINDS:
        raise FormError(f"填写有误：利害关系的对象应为{'、'.join(SUBJECT_KINDS.values())}之一")
    if not value:
        raise FormError(f"填写有误：请填写{SUBJECT_KINDS[kind]}")
    body = _valid(ConflictIn, {"subject": f"{kind}:{value}", "note": _s(form, "note")})
    return {"subject": body.subject, "note": body.note}


def hearing(form: Form, *, matter_id: str) -> dict[str, Any]:
    """Schedule: the end defaults to two hours after the start."""
    if not _s(form, "starts_at"):
        raise FormError("填写有误：开始时间未填写")
    start = _local(_s(form, "starts_at"), "开始时间")
    end = _local(_s(form, "ends_at"), "结束时间") if _s(form, "ends_at") else None
    data = {
        "matter_id": matter_id,
        "title": _s(form, "title"),
        "mode": _s(form, "mode"),
        "starts_at": start,
        "ends_at": end or start + timedelta(hours=2),
        "location": _s(form, "location"),
        "meeting_url": _s(form, "meeting_url"),
    }
    return _valid(HearingIn, data).model_dump()


def draw(form: Form) -> dict[str, Any]:
    """Commit: panel size; per quota row (``q_feature``, ``q_value``, ``q_min``,
    ``q_max`` in step) a [min, max] — both blank: not listed, one blank: 0 or the panel
    size; the randomness (``source`` = server / external / none, plus an optional
    drand quicknet round: whether it is still in the future is the service's rule);
    exclusions."""
    k = _int(form, "panel_size")
    rows = [form.getlist(x) for x in ("q_feature", "q_value", "q_min", "q_max")]
    if len({len(r) for r in rows}) != 1:
        raise FormError("名额表不完整，请刷新页面后重填")
    features: dict[str, dict[str, list[int]]] = {}
    for f, v, lo, hi in zip(*rows, strict=True):
        lo, hi = str(lo).strip(), str(hi).strip()
        if not lo and not hi:
            continue
        try:
            bounds = [int(lo) if lo else 0, int(hi) if hi else k]
        except ValueError:
            raise FormError(f"填写有误：{v} 的名额上下限应为整数") from None
        features.setdefault(str(f), {})[str(v)] = bounds
    if not features:
        raise FormError("请至少为一个类别或地区填写名额的下限或上限（不限的留空）")
    source = _s(form, "source") or "server"
    if source not in ("server", "external", "none"):
        raise FormError("填写有误：随机来源取值无效")
    seed_sha256 = _s(form, "seed_sha256").lower() if source == "external" else None
    if source == "external" and not seed_sha256:
        raise FormError(
            "请填写种子持有人给出的种子哈希（持有人用 zhifang hearings new-seed 生成种子）"
        )
    beacon = None
    if form.get("use_beacon"):
        name = _s(form, "beacon_source") or QUICKNET
        beacon = {"source": name, "round": _int(form, "beacon_round")}
    lines = str(form.get("conflict_subjects") or "").splitlines()
    body = _valid(
        DrawIn,
        {
            "panel_size": k,
            "features": features,
            "seed_sha256": seed_sha256,
            "beacon": beacon,
            "recent_days": _int(form, "recent_days", default=180),
            "conflict_subjects": [x.strip() for x in lines if x.strip()],
            "hold_seed": source == "server",
        },
    )
    return {
        "panel_size": body.panel_size,
        "features": body.features,
        "seed_sha256": body.seed_sha256,
        "beacon": body.beacon.model_dump() if body.beacon else None,
        "recent_days": body.recent_days,
        "extra_subjects": body.conflict_subjects,
        "hold_seed": body.hold_seed,
    }


def reveal(form: Form) -> dict[str, str | None]:
    data = {
        "seed": _s(form, "seed").lower() or None,
        "beacon_signature": _s(form, "beacon_signature") or None,
    }
    body = _valid(RevealIn, data)
    return {"seed": body.seed, "beacon_signature": body.beacon_signature}


def abandon(form: Form) -> str:
    return _valid(AbandonIn, {"reason": _s(form, "reason")}).reason


def outcome(form: Form) -> dict[str, Any]:
    accepts = {"yes": True, "no": False}.get(_s(form, "accepts"))
    roles, names = form.getlist("other_role"), form.getlist("other_name")
    others = [
        (str(r), str(n).strip()) for r, n in zip(roles, names, strict=False) if str(n).strip()
    ]
    body = _valid(
        OutcomeIn,
        {
            "record": _s(form, "record"),
            "outcome": _s(form, "outcome"),
            "petitioner_accepts": accepts,
            "attended": [str(x) for x in form.getlist("attended")],
            "others": others,
        },
    )
    return body.model_dump()


def cancel(form: Form) -> str:
    return _valid(CancelIn, {"reason": _s(form, "reason")}).reason
