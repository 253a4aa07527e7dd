"""FastAPI's 422 for a request that does not fit its schema, said in Chinese too.

The JSON API keeps FastAPI's ``detail`` list (programs read ``loc`` and ``type``) and
adds ``message``: one sentence a person can act on, built from pydantic's error
``type`` and its ``ctx`` (the limit that was passed). A console page shows the
sentence. An error this table does not know keeps pydantic's English words, and the
validators' own messages (already Chinese, ``value_error``) are shown as they are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from central.labels import FIELD_ZH

_WORDS: Mapping[str, str] = {
    "missing": "必须填写",
    "string_too_long": "过长，最多 {max_length} 个字",
    "string_too_short": "过短，至少 {min_length} 个字",
    "string_pattern_mismatch": "格式不对",
    "string_type": "应为文字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为是或否",
    "bool_type": "应为是或否",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "应小于 {lt}",
    "literal_error": "只能是 {expected} 之一",
    "enum": "只能是 {expected} 之一",
    "date_parsing": "应为日期（如 2026-12-07）",
    "date_from_datetime_parsing": "应为日期（如 2026-12-07）",
    "date_type": "应为日期（如 2026-12-07）",
    "datetime_parsing": "应为带时区的时间（如 2026-12-07T09:30:00+08:00）",
    "datetime_from_date_parsing": "应为带时区的时间（如 2026-12-07T09:30:00+08:00）",
    "datetime_type": "应为带时区的时间（如 2026-12-07T09:30:00+08:00）",
    "timezone_aware": "应带时区",
    "uuid_parsing": "应为 UUID",
    "list_type": "应为列表",
    "too_long": "过多，最多 {max_length} 项",
    "too_short": "过少，至少 {min_length} 项",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "extra_forbidden": "不认识这一项",
    "json_invalid": "不是有效的 JSON",
    "value_error": "{message}",
    "assertion_error": "{message}",
}
_WHERE = {"body": "", "query": "查询参数", "path": "路径", "header": "请求头", "cookie": "Cookie"}


def _field(loc: Sequence[Any]) -> str:
    where = _WHERE.get(str(loc[0]), "") if loc else ""
    names = [FIELD_ZH.get(str(p), str(p)) if isinstance(p, str) else f"第 {p + 1} 项"
             for p in loc[1:]]  # fmt: skip
    return (f"{where} " if where else "") + "·".join(names)


def _words(error: Mapping[str, Any]) -> str:
    words = _WORDS.get(str(error.get("type", "")))
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if words is None:
        return str(error.get("msg", ""))
    if "{message}" in words:  # a validator's own words: pydantic prefixes "Value error, "
        return (
            str(error.get("msg", ""))
            .removeprefix("Value error, ")
            .removeprefix("Assertion failed, ")
        )
    try:
        return words.format(**ctx)
    except (KeyError, IndexError):
        return words.split("，")[0].split("{")[0].strip() or str(error.get("msg", ""))


def in_chinese(errors: Sequence[Mapping[str, Any]]) -> str:
    """The errors as one sentence: ``字段：说明；字段：说明``."""
    parts = []
    for e in errors:
        field = _field(list(e.get("loc") or ()))
        words = _words(e)
        parts.append(f"{field}：{words}" if field else words)
    return "；".join(parts)
