"""Import, search (SQLite FTS5 trigram / PostgreSQL pg_trgm), API, pages, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from central.legal import cli, service
from central.legal.models import ArticleRow
from central.legal.parse import LegalImportError
from central.legal.search import search
from central.settings import Settings
from tests.auth import central_client
from tests.central.legal.samples import ORDER_TXT, REGULATION_MD


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        service.import_law(s, name="示范信访办理条例", text=REGULATION_MD, source="reg.md")
        service.import_law(s, name="示范治安秩序规定", text=ORDER_TXT, source="order.txt")
    return sessions


def labels(session: Session, q: str) -> list[str]:
    return [f"{h.law}{h.label}" for h in search(session, q)]


def test_a_few_words_find_the_article(loaded: sessionmaker[Session]) -> None:
    with loaded() as s:
        assert labels(s, "推选代表")[0] == "示范信访办理条例第四条"
        assert labels(s, "滞留机关办公场所") == ["示范治安秩序规定第三条"]
        assert labels(s, "听证时间不计入") == ["示范信访办理条例第十一条之一"]
        # several terms: all must occur (two- and three-character terms mixed)
        assert labels(s, "延长 三十日") == ["示范信访办理条例第十一条"]


def test_short_queries_fall_back_to_like(loaded: sessionmaker[Session]) -> None:
    with loaded() as s:
        assert labels(s, "听证") == ["示范信访办理条例第十一条之一"]
        assert "示范治安秩序规定第二条" in labels(s, "罚款")
        assert labels(s, "%") == []  # LIKE wildcards are literal
        assert labels(s, "码头 车站") == ["示范治安秩序规定第二条"]


def test_article_label_in_the_query(loaded: sessionmaker[Session]) -> None:
    with loaded() as s:
        assert labels(s, "第十条 受理") == ["示范信访办理条例第十条"]


def test_reimport_replaces_the_law_and_keeps_the_index_in_step(
    loaded: sessionmaker[Session],
) -> None:
    with loaded.begin() as s:
        service.import_law(s, name="示范治安秩序规定", text="第一条 新的文字只有这一条。")
    with loaded() as s:
        assert labels(s, "滞留机关办公场所") == []
        assert labels(s, "新的文字") == ["示范治安秩序规定第一条"]


def test_a_bad_file_changes_nothing(loaded: sessionmaker[Session]) -> None:
    with loaded() as s:
        before = s.scalar(select(func.count()).select_from(ArticleRow))
    with pytest.raises(LegalImportError), loaded.begin() as s:
        service.import_law(s, name="示范治安秩序规定", text="第二条 甲\n第一条 乙")
    with loaded() as s:
        assert s.scalar(select(func.count()).select_from(ArticleRow)) == before
        assert labels(s, "滞留机关办公场所") == ["示范治安秩序规定第三条"]


def test_api_pages_and_panel(settings: Settings, engine: Engine, loaded: object) -> None:
    c = central_client(settings, engine)
    r = c.get("/api/legal/search", params={"q": "同等效力"})
    assert r.status_code == 200
    hit = r.json()["hits"][0]
    assert hit["label"] == "第五条" and "同等效力" in hit["snippet"]
    art = c.get(f"/api/legal/articles/{hit['id']}").json()
    assert art["law"] == "示范信访办理条例" and art["section"] == "第二节 网上信访"
    assert art["prev_id"] and art["next_id"]
    assert c.get("/api/legal/articles/999999").status_code == 404
    assert c.get(f"/api/legal/articles/{2**63}").status_code == 422
    assert c.get("/api/legal/search", params={"q": "，。"}).status_code == 422
    page = c.get("/legal/", params={"q": "同等效力"}).text
    assert "<mark>同等效力</mark>" in page and "第五条" in page
    assert "网上信访与走访" in c.get(f"/legal/articles/{hit['id']}").text
    assert "第五条" in c.get("/console/legal/panel", params={"q": "同等效力"}).text
    assert "已导入" in c.get("/console/legal").text
    x = c.get("/legal/", params={"q": "<script>"}).text
    assert "<script>" not in x


def test_articles_related_to_a_matter(
    settings: Settings, engine: Engine, loaded: sessionmaker[Session]
) -> None:
    from central.db import utcnow
    from central.workflow import service as wf
    from central.workflow.states import Action, Command

    with loaded() as s:
        cmd = Command(action=Action.register, actor="officer-1", at=utcnow())
        summary = "我们三十多个村民想一起去走访反映问题，不知道要不要推选代表"
        wf.open_matter(s, command=cmd, officer_id="officer-1", summary=summary, matter_id="m-1")
    c = central_client(settings, engine)
    hits = c.get("/api/legal/suggest", params={"text": summary}).json()["hits"]
    assert hits[0]["label"] == "第四条"  # 多人采用走访形式……应当推选代表
    html = c.get("/console/legal/panel", params={"matter_id": "m-1"}).text
    assert "按事项诉求自动推荐" in html and "第四条" in html and "<mark>推选</mark>" in html


def test_cli_import_and_export(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    monkeypatch.setenv("ZHIFANG_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("ZHIFANG_ENVIRONMENT", "development")
    monkeypatch.setenv("ZHIFANG_DATA_DIR", str(tmp_path))
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    f = tmp_path / "order.txt"
    f.write_text(ORDER_TXT, encoding="utf-8")
    args = parser.parse_args(["legal", "import", str(f), "--law", "示范治安秩序规定"])
    assert args.func(args) == 0
    bad = tmp_path / "bad.txt"
    bad.write_text("没有条文", encoding="utf-8")
    args = parser.parse_args(["legal", "import", str(bad), "--law", "坏文件"])
    assert args.func(args) == 1
    out = tmp_path / "bundle"
    args = parser.parse_args(["legal", "export", "--out", str(out)])
    assert args.func(args) == 0
    bundle = json.loads((out / "legal.json").read_text(encoding="utf-8"))
    assert bundle["format"] == "zhifang-legal/1"
    assert [law["name"] for law in bundle["laws"]] == ["示范治安秩序规定"]
    assert len(bundle["laws"][0]["articles"]) == 3
