"""``central.api.errors``: the one table from the packages' errors to HTTP answers. Each
route test checks its own answers over HTTP; this checks the table itself."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from central.api.errors import DOMAIN_ANSWERS, DOMAIN_ERRORS, Answer, answer
from central.casefile.merge import MergeRefused
from central.evidence.binding import UploadRefused
from central.evidence.playback import PlaybackUnavailable
from central.workflow.errors import InvalidStep, WorkflowError
from central.workflow.service import MatterArchived, MatterNotFound, StoredHistoryError
from central.workflow.states import Action

API = Path(__file__).resolve().parents[3] / "central" / "api"


def test_each_error_gets_its_answer() -> None:
    assert answer(MergeRefused("已合并")) == Answer(409, "已合并")
    quota = answer(UploadRefused("配额已满", reason="quota", status=507, retry=True))
    assert quota == Answer(507, {"reason": "quota", "message": "配额已满", "retry": True})
    assert answer(PlaybackUnavailable("无 ffmpeg", reason="no_ffmpeg")).status == 503
    missing = answer(MatterNotFound("事项不存在：x"))
    assert missing == Answer(404, {"code": "matter_not_found", "message": "事项不存在：x"})
    assert answer(MatterArchived("已归档")).status == 409
    bad = answer(InvalidStep("缺少", action=Action.transfer, field="target_organ"))
    assert bad.status == 422 and bad.detail["field"] == "target_organ"
    # a history that cannot be replayed, or an unknown workflow error: central's fault
    assert answer(StoredHistoryError("不一致")).status == 500
    assert answer(WorkflowError("?")).status == 500


def test_a_subclass_is_listed_before_its_base() -> None:
    kinds = list(DOMAIN_ANSWERS)
    for i, kind in enumerate(kinds):
        for later in kinds[i + 1 :]:
            assert not issubclass(later, kind), f"{later.__name__} is shadowed by {kind.__name__}"


def test_no_json_route_translates_a_listed_error_itself() -> None:
    caught: list[str] = []
    for path in sorted(API.glob("*.py")):
        module = vars(importlib.import_module(f"central.api.{path.stem}"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                for n in names:
                    found = module.get(n.id) if isinstance(n, ast.Name) else None
                    if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
                        found = getattr(module.get(n.value.id), n.attr, None)
                    if isinstance(found, type) and issubclass(found, DOMAIN_ERRORS):
                        caught.append(f"{path.name}:{node.lineno} {found.__name__}")
    assert caught == []
