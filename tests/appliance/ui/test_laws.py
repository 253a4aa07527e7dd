"""The petitioner can look up a law on the box, also when central is away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appliance.ui.app import create_app
from appliance.ui.laws import LawLibrary

from .helpers import Rig, make_rig

BUNDLE: dict[str, Any] = {
    "format": "zhifang-legal/1",
    "version": "v1",
    "laws": [
        {
            "id": 1,
            "name": "示例信访条例",
            "sha256": "00",
            "articles": [
                {"id": 1, "number": 12, "label": "第十二条", "part": None,
                 "chapter": "第三章 受理", "section": None,
                 "body": "信访人对答复意见不服的，可以自收到书面答复之日起三十日内请求复查。"},
                {"id": 2, "number": 13, "label": "第十三条", "part": None,
                 "chapter": "第三章 受理", "section": None,
                 "body": "用人单位拖欠劳动者工资的，劳动者可以向有关部门投诉。"},
            ],
        }
    ],
}  # fmt: skip


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    yield r
    r.close()


def test_laws_are_fetched_cached_and_searched_offline(tmp_path: Path, rig: Rig) -> None:
    lib = LawLibrary(tmp_path / "legal.json", fetch=lambda: BUNDLE)
    assert lib.refresh()
    offline = LawLibrary(tmp_path / "legal.json", fetch=lambda: (_ for _ in ()).throw(OSError()))
    assert not offline.refresh()  # central away: the cached copy still serves
    assert [a.label for a in offline.search("复查")] == ["第十二条"]
    assert [a.label for a in offline.search("拖欠工资")] == ["第十三条"]  # by two-char pieces

    app = create_app(rig.desk)
    app.state.laws = offline
    with TestClient(app) as client:
        r = client.get("/show/laws", params={"q": "复查"})
        assert "第十二条" in r.text and "三十日内请求复查" in r.text
        assert "查法条" in client.get("/show").text


def test_a_damaged_cache_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "legal.json").write_text("{not json")
    lib = LawLibrary(tmp_path / "legal.json")
    assert lib.articles == [] and lib.search("复查") == []
