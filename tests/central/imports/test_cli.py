"""``zhifang import petitions``: the sample tried (row by row, nothing written), then
imported, then again (nothing changes); only an admin of the site may; the template."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from central.settings import Settings
from central.workflow.models import MatterRow
from tests.auth import add_user, central_env
from zhifang.cli import main

from .helpers import SAMPLE, count


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for k, v in central_env(settings).items():
        monkeypatch.setenv(k, v)


def test_dry_run_import_and_rerun(
    sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_user(sessions, "adm", "admin", "minhou")
    args = ["import", "petitions", str(SAMPLE), "--site", "minhou", "--as", "adm"]
    assert main([*args, "--dry-run"]) == 1  # some rows are refused
    out = capsys.readouterr().out
    assert "第 9 行  拒绝" in out and "校验码" in out and "第 2 行  新建" in out
    assert "试导入（未写入）：共 60 行" in out and "拒绝 8" in out
    assert count(sessions, MatterRow) == 0
    assert main([*args, "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "新建" not in out.split("\n")[0] and "导入完成" in out
    made = count(sessions, MatterRow)
    assert made == 52
    main(args)
    assert "新建事项 0" in capsys.readouterr().out and count(sessions, MatterRow) == made

    add_user(sessions, "off", "officer", "minhou")
    add_user(sessions, "adm-fq", "admin", "fuqing")
    for who in ("off", "adm-fq", "nobody"):
        assert main(["import", "petitions", str(SAMPLE), "--site", "minhou", "--as", who]) == 2
    assert "不是 minhou 的在职管理员" in capsys.readouterr().err

    out_file = tmp_path / "模板.xlsx"
    assert main(["import", "template", str(out_file), "--site", "minhou"]) == 0
    assert load_workbook(out_file).worksheets[0]["B1"].value == "信访人姓名"
