"""Settings of the touchscreen (the ``[ui]`` part of the box's configuration)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.deadlines import DEFAULT_CLOCKS as _D


class UiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    host: str = Field(default="127.0.0.1", description="address the kiosk page is served on")
    port: int = Field(default=8088, ge=1, le=65535, description="port of the kiosk page")
    central_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="central's base URL for dossier look-ups; default: the box's central_url",
    )
    central_timeout_s: float = Field(
        default=2.0, gt=0, le=30, description="give up on central after this long (officer waits)"
    )
    # The clocks' limits: the same values as the site's rules file at central (defaults
    # from protocol.deadlines), so the desk shows the dates central holds it to.
    reply_days: int = Field(
        default=_D["procedural_reply"].limit,
        ge=1,
        le=60,
        description="procedural reply (程序性回复) deadline, days",
    )
    reply_working_days: bool = Field(
        default=False,
        description="count reply_days as working days (Mon–Fri and the holiday calendar)",
    )
    accept_days: int = Field(
        default=_D["acceptance_decision"].limit, ge=1, le=90, description="decide acceptance, days"
    )
    handle_days: int = Field(
        default=_D["handling"].limit, ge=1, le=365, description="handle an accepted matter, days"
    )
    result_months: int = Field(
        default=_D["result_reply"].limit, ge=1, le=12, description="result or progress reply"
    )
    review_request_days: int = Field(
        default=_D["review_request"].limit,
        ge=1,
        le=365,
        description="window to request 复查/复核 after a reply",
    )
    holidays_file: Path | None = Field(
        default=None,
        description="the site's holiday calendar (JSON/CSV, as central's); default: central's",
    )
    townships: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="the site's 乡镇（街道） offered as choices when typing one (free text too)",
    )
    pin_max_failures: int = Field(
        default=5, ge=1, le=100, description="wrong PINs in a row before an officer id locks"
    )
    desk_max_failures: int = Field(
        default=10, ge=1, le=1000, description="wrong PINs at the desk before all PINs lock"
    )
    pin_lock_s: int = Field(
        default=60, ge=1, le=3600, description="first lock, seconds (doubles each time)"
    )
    cache_max_entries: int = Field(default=500, ge=1, le=100_000, description="dossiers cached")
    cache_max_age_days: int = Field(default=30, ge=1, le=3650, description="cache lifetime")
    idle_rotate_s: int = Field(
        default=20, ge=5, le=600, description="seconds per page of the waiting-room slideshow"
    )
    printer: Literal["none", "cups", "file"] = Field(
        default="none",
        description="the desk's printer for the 回执: CUPS (lp), a folder of PDFs, or none",
    )
    printer_name: str | None = Field(
        default=None, max_length=127, description="cups: the CUPS destination (default: lp's)"
    )
    printer_folder: Path | None = Field(
        default=None, description="file: where each printed 回执 is written as a PDF"
    )


class UiConfigError(ValueError):
    """The ``[ui]`` settings are unusable; the message names the key."""


def load_ui_config(path: Path | None) -> UiConfig:
    """The ``[ui]`` table of a TOML file (the box config), or defaults if absent."""
    if path is None:
        return UiConfig()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UiConfigError(f"{path}: {e}") from None
    try:
        return UiConfig.model_validate(data.get("ui", {}))
    except ValidationError as e:
        problems = "; ".join(
            f"ui.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise UiConfigError(f"{path}: {problems}") from None
