"""People and matters by name on every page: an officer's display name, a matter's 文号,
a person's name — looked up on first use, a batch per page, never shown as raw ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.accounts.models import Account
from central.dossier.models import Person
from central.workflow.models import MatterRow


class Names:
    """Look-ups for one page (each kind loaded once, on first use)."""

    def __init__(self, sessions: sessionmaker[Session], session: Session | None = None) -> None:
        self._sessions = sessions
        self._session = session  # the request's own, when it has one (no second connection)
        self._officers: dict[str, str] | None = None
        self._matters: dict[str, str] = {}
        self._persons: dict[str, str] = {}

    def _open(self) -> Any:
        from contextlib import nullcontext

        if self._session is not None:
            return nullcontext(self._session)
        return self._sessions()

    def officer(self, username: str | None) -> str:
        """An account's display name; an officer id central has no account for (a desk's
        own roster) reads as 工号 …."""
        if not username:
            return "—"
        if self._officers is None:
            with self._open() as s:
                rows = s.execute(select(Account.username, Account.display_name)).all()
                self._officers = {u: n for u, n in rows}
        name = self._officers.get(username)
        return name if name else f"工号 {username}"

    def matter(self, matter_id: str | None) -> str:
        """A matter's 文号 (or, for one not numbered yet, 未编号事项)."""
        if not matter_id:
            return "—"
        if matter_id not in self._matters:
            with self._open() as s:
                ref = s.scalar(select(MatterRow.ref_no).where(MatterRow.id == matter_id))
            self._matters[matter_id] = ref or "未编号事项"
        return self._matters[matter_id]

    def person(self, person_id: str | None) -> str:
        if not person_id:
            return "—"
        if person_id not in self._persons:
            with self._open() as s:
                name = s.scalar(select(Person.name).where(Person.id == person_id))
            self._persons[person_id] = name or "（档案已删除）"
        return self._persons[person_id]

    def actor(self, actor: str | None) -> str:
        """Who did something, as the audit log and histories name it: an account, a box
        (``device:desk-1``, with the officer at it), an organ, a provisioning credential."""
        if not actor:
            return "—"
        kind, _, rest = actor.partition(":")
        if not rest:
            return self.officer(actor)
        if kind == "device":
            desk, _, officer = rest.partition("/")
            return f"接访终端 {desk}" + (f"（{self.officer(officer)}）" if officer else "")
        if kind == "organ":
            return f"有关单位 {rest}"
        if kind == "provisioning":
            return f"部署凭据（{rest.split(':')[0]}）"
        if kind == "cli":
            return f"服务器命令行（{rest}）"
        if kind == "public":
            return f"公众（{rest}）"
        return "系统"

    def target(self, target: str | None) -> str:
        """What an audit row is about, by name (``person:…`` → the person's name)."""
        if not target:
            return "—"
        kind, _, rest = target.partition(":")
        if kind == "person":
            return f"当事人 {self.person(rest)}"
        if kind == "matter":
            return f"事项 {self.matter(rest)}"
        if kind == "reception":
            return "接访记录"
        if kind == "segment":
            return "录音录像片段"
        if kind == "account":
            return f"账户 {self.officer(rest)}"
        if kind == "device":
            return f"接访终端 {rest}"
        if kind in ("organ", "token"):
            return f"有关单位 {rest}" if kind == "organ" else "单位令牌"
        if kind == "ip":
            return f"来源地址 {rest}"
        if kind == "search":
            return "当事人检索"
        if kind in ("site", "quarantine"):
            return "列表"
        if kind.startswith("hearing"):
            return "听证"
        return "其他"

    def preload_matters(self, rows: Any) -> None:
        """Fill the 文号 of many matters at once (a list page)."""
        for mid, ref in rows:
            self._matters[mid] = ref or "未编号事项"
