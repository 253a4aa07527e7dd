from __future__ import annotations

import pytest

from protocol import topics
from protocol.errors import MalformedMessage


def test_builders_and_parser_agree():
    t = topics.event_topic("minhou", "desk-01")
    assert t == "zhifang/v1/minhou/desk-01/event"
    assert topics.parse_topic(t) == topics.Topic("minhou", "desk-01", "event")
    c = topics.command_ack_topic("minhou", "desk-01", "resend")
    assert topics.parse_topic(c) == topics.Topic("minhou", "desk-01", "cmd", "resend", ack=True)
    assert topics.shared("ingest", topics.ALL_EVENTS) == "$share/ingest/zhifang/v1/+/+/event"


@pytest.mark.parametrize("bad", ["", "A", "a/b", "+", "#", "a b", "x" * 64, "-a"])
def test_names_that_would_break_topic_matching_are_refused(bad):
    with pytest.raises(ValueError):
        topics.event_topic(bad, "desk")


@pytest.mark.parametrize(
    "topic",
    [
        "zhifang/v2/a/b/event",
        "zhifang/v1/a/b",
        "zhifang/v1/a/b/other",
        "zhifang/v1/a/b/event/x",
        "zhifang/v1/a/b/cmd/x/nack",
        "zhifang/v1/A/b/event",
    ],
)
def test_unknown_topics_are_errors_not_silence(topic):
    with pytest.raises(MalformedMessage):
        topics.parse_topic(topic)
