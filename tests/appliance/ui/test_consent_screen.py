"""Biometric consent on the touchscreen: nothing chosen for the petitioner, the text
offers exactly what the screen offers, and a desk without biometrics asks nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.identity.consent import DEFAULT_TEXT
from appliance.ui.app import create_app
from appliance.ui.hooks import NoBiometrics

from .helpers import LISI_ID, OFFICER, PIN, KioskClient, Rig, make_rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    yield r
    r.close()


def start(c: KioskClient) -> None:
    c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    c.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})


def test_nothing_is_ticked_and_the_text_offers_only_the_boxes_on_screen(rig: Rig) -> None:
    with KioskClient(create_app(rig.desk)) as c:
        start(c)
        c.post("/reception/identify", data={"id_number": LISI_ID})
        page = c.get("/reception/consent").text
    boxes = re.findall(r'<input type="checkbox"[^>]*>', page)
    assert [re.search(r'name="(\w+)"', b).group(1) for b in boxes] == ["face", "voice"]  # type: ignore[union-attr]
    assert not any("checked" in b for b in boxes)
    text = DEFAULT_TEXT.text_zh
    assert "人脸" in text and "声纹" in text
    assert "比对查找" not in text and "未提供证件号码" not in text  # no 1:N box on screen


def test_a_desk_without_biometrics_offers_and_records_no_consent(rig: Rig) -> None:
    rig.desk.biometrics = NoBiometrics("[biometrics] enabled is false")
    with KioskClient(create_app(rig.desk)) as c:
        start(c)
        page = c.get("/reception").text
        assert 'data-testid="bio-start"' not in page and "单独同意" not in page
        r = c.get("/reception/consent")
        assert "是否同意使用人脸和声纹" not in r.text and "本机未启用人脸/声纹" in r.text
        r = c.post("/reception/consent", data={"decision": "accept", "face": "1"})
        assert "不需要也不记录同意" in r.text
        c.post("/reception/identify", data={"id_number": LISI_ID})
        assert 'data-testid="bio-link"' not in c.get("/reception").text
    assert "consent.recorded" not in [t for t, _ in rig.events()]
    assert rig.desk.consent_id is None
