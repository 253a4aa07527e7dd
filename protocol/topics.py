"""MQTT topics: ``zhifang/v1/{site}/{device}/{stream}``. Built and parsed only here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MalformedMessage

ROOT = "zhifang/v1"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

EVENT = "event"
STATUS = "status"
CMD = "cmd"


def check_name(kind: str, value: str) -> str:
    """Site, device and command names: lower-case letters, digits, '-' and '_'."""
    if not _NAME.match(value):
        raise ValueError(
            f"{kind} name {value!r} must be 1-63 of a-z, 0-9, '-', '_' and start alphanumeric"
        )
    return value


def event_topic(site: str, device: str) -> str:
    return f"{ROOT}/{check_name('site', site)}/{check_name('device', device)}/{EVENT}"


def status_topic(site: str, device: str) -> str:
    return f"{ROOT}/{check_name('site', site)}/{check_name('device', device)}/{STATUS}"


def command_topic(site: str, device: str, name: str) -> str:
    return (
        f"{ROOT}/{check_name('site', site)}/{check_name('device', device)}/{CMD}/"
        f"{check_name('command', name)}"
    )


def command_ack_topic(site: str, device: str, name: str) -> str:
    return command_topic(site, device, name) + "/ack"


def device_commands_filter(site: str, device: str) -> str:
    """What a box subscribes to: every command addressed to it."""
    return f"{ROOT}/{check_name('site', site)}/{check_name('device', device)}/{CMD}/+"


ALL_EVENTS = f"{ROOT}/+/+/{EVENT}"
ALL_STATUS = f"{ROOT}/+/+/{STATUS}"
ALL_COMMAND_ACKS = f"{ROOT}/+/+/{CMD}/+/ack"


def site_filters(site: str | None) -> tuple[str, str, str]:
    """(events, statuses, command acks) of one site's boxes, or of every site's (None):
    what a central that serves only its own sites subscribes to."""
    s = "+" if site is None else check_name("site", site)
    return (f"{ROOT}/{s}/+/{EVENT}", f"{ROOT}/{s}/+/{STATUS}", f"{ROOT}/{s}/+/{CMD}/+/ack")


def shared(group: str, topic_filter: str) -> str:
    """An MQTT v5 shared subscription: the broker spreads messages over the group."""
    return f"$share/{check_name('group', group)}/{topic_filter}"


@dataclass(frozen=True, slots=True)
class Topic:
    site: str
    device: str
    stream: str  # "event", "status", "cmd"
    command: str | None = None
    ack: bool = False


def parse_topic(topic: str) -> Topic:
    parts = topic.split("/")
    if len(parts) < 5 or "/".join(parts[:2]) != ROOT:
        raise MalformedMessage(f"topic {topic!r} is not under {ROOT}/", reason="bad_topic")
    site, device, stream = parts[2], parts[3], parts[4]
    try:
        check_name("site", site)
        check_name("device", device)
    except ValueError as e:
        raise MalformedMessage(str(e), reason="bad_topic") from e
    rest = parts[5:]
    if stream in (EVENT, STATUS) and not rest:
        return Topic(site, device, stream)
    if stream == CMD and len(rest) in (1, 2) and (len(rest) == 1 or rest[1] == "ack"):
        return Topic(site, device, stream, command=rest[0], ack=len(rest) == 2)
    raise MalformedMessage(f"topic {topic!r} has no known stream", reason="bad_topic")
