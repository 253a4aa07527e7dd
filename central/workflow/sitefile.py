"""Site-editable settings files (deadline rules, risk rules): TOML or JSON into a
pydantic model, every problem raised as the caller's error with the file's role."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def parse(text: str, *, fmt: str, model: type[M], what: str, error: type[Exception]) -> M:
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
        return model.model_validate(data)
    except (ValidationError, tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        raise error(f"{what}文件有误：{e}") from e


def load(path: Path, *, model: type[M], what: str, error: type[Exception]) -> M:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("toml", "json"):
        raise error(f"{what}文件须为 .toml 或 .json：{path.name}")
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise error(f"无法读取{what}文件 {path}：{e}") from e
    return parse(text, fmt=fmt, model=model, what=what, error=error)
