"""The rating panel's pin map: which GPIO each button and LED is on."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Rating = Literal["satisfied", "basically_satisfied", "dissatisfied"]
RATINGS: tuple[Rating, ...] = ("satisfied", "basically_satisfied", "dissatisfied")


class PinMapError(ValueError):
    """The pin map file is unusable; the message names the key."""


class ButtonPins(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1, max_length=20, description="text printed on the button")
    button: int = Field(ge=0, le=27, description="BCM GPIO of the button (to ground)")
    led: int = Field(ge=0, le=27, description="BCM GPIO of the button's LED")


class BuzzerPins(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    pin: int = Field(ge=0, le=27, description="BCM GPIO of the active buzzer (driven high = sound)")


class Debounce(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    quiet_ms: int = Field(
        default=30, ge=1, le=1000, description="quiet time before a press edge counts"
    )


class PinMap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    debounce: Debounce = Field(default_factory=Debounce, description="debounce policy")
    buttons: dict[Rating, ButtonPins] = Field(description="one entry per rating")
    buzzer: BuzzerPins | None = Field(default=None, description="the desk's buzzer, if fitted")

    @model_validator(mode="after")
    def _complete_and_distinct(self) -> PinMap:
        missing = [r for r in RATINGS if r not in self.buttons]
        if missing:
            raise ValueError(f"buttons: missing {', '.join(missing)}")
        used: dict[int, str] = {}
        for rating, p in self.buttons.items():
            for what, pin in (("button", p.button), ("led", p.led)):
                if pin in used:
                    raise ValueError(
                        f"GPIO {pin} is used twice ({used[pin]} and buttons.{rating}.{what})"
                    )
                used[pin] = f"buttons.{rating}.{what}"
        if self.buzzer is not None and self.buzzer.pin in used:
            raise ValueError(
                f"GPIO {self.buzzer.pin} is used twice ({used[self.buzzer.pin]} and buzzer.pin)"
            )
        return self


def load_pinmap(path: Path | None = None) -> PinMap:
    """Load ``path``, or the packaged ``pinmap.toml`` when ``path`` is None."""
    source = str(path) if path else "firmware_glue/pinmap.toml"
    try:
        if path is None:
            text = resources.files("firmware_glue").joinpath("pinmap.toml").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise PinMapError(f"pin map {source} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PinMapError(f"pin map {source} cannot be read: {e}") from None
    try:
        return PinMap.model_validate(data)
    except ValidationError as e:
        lines = [f"pin map {source}:"]
        for err in e.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"  {key}: {msg}")
        raise PinMapError("\n".join(lines)) from None
