"""The box's HTTP client for central's dossier look-ups, and a fake.

    CentralClient (interface)
    ├── HttpCentralClient   httpx, short time-outs (the officer is waiting)
    └── FakeCentralClient   in memory; ``online = False`` makes every call fail

Errors::

    CentralError
    ├── CentralUnavailable (also ConnectionError)  network down, time-out, 5xx
    ├── PersonNotFound (also LookupError)          central answered: no such person
    ├── ProgressNotFound (also LookupError)        no matter with this 文号 and 查询码
    └── ProgressThrottled                          central: too many look-ups, wait

Central's routes used, as device-signed requests (``DeviceAuth``: central admits only
registered boxes, and only to their own site's persons): ``GET /api/box/persons?q=``
(its audited search: an ID number is matched by keyed hash and never logged in clear
by central; keep the reverse proxy's access log off for this path) and ``GET
/api/box/persons/{id}/dossier`` (``X-Zhifang-Officer`` = officer id, ``?reason=`` for
the audit log): the receptions and the person's matters, so a returning visit can be
linked to an open one. The response shape is central's ``Dossier``; unknown keys are
ignored here so central can add fields without breaking boxes in the field.
``POST /api/box/progress`` (a 回执's 文号 and 查询码, read from its QR code): the
matter's public status, ``protocol.progress.ProgressStatus``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.matters import MATTER_STATUS_ZH
from protocol.progress import NOT_FOUND_ZH, THROTTLED_ZH, ProgressQuery, ProgressStatus

__all__ = [
    "CentralClient",
    "CentralError",
    "CentralUnavailable",
    "DossierMatter",
    "DossierPerson",
    "DossierReception",
    "DossierStep",
    "FakeCentralClient",
    "HttpCentralClient",
    "PersonNotFound",
    "ProgressNotFound",
    "ProgressThrottled",
    "Timeline",
]


class CentralError(Exception):
    """Root of the central client's errors."""


class CentralUnavailable(CentralError, ConnectionError):
    """Central cannot be reached or failed; the box carries on offline."""


class PersonNotFound(CentralError, LookupError):
    """Central has no dossier for this ID number / phone / person id."""


class ProgressNotFound(CentralError, LookupError):
    """Central has no matter with this 文号 and this 查询码 (it does not say which is wrong)."""


class ProgressThrottled(CentralError):
    """Central refused: too many progress look-ups from this box or of this 文号."""


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DossierStep(_Read):
    step: str = Field(description="register / notify / accept / ...")
    officer_id: str = Field(default="", description="officer who did the step")
    at: datetime = Field(description="when")
    fields: dict[str, Any] = Field(default_factory=dict, description="the step's form")
    note: str = Field(default="", description="free note")


class DossierReception(_Read):
    id: str = Field(description="reception id")
    started_at: datetime | None = Field(default=None, description="start")
    ended_at: datetime | None = Field(default=None, description="end")
    officer_id: str | None = Field(default=None, description="officer")
    rating: str | None = Field(default=None, description="satisfied / ... / dissatisfied")
    risk_level: str | None = Field(default=None, description="low / medium / high")
    risk_reason: str | None = Field(default=None, description="why")
    steps: list[DossierStep] = Field(default_factory=list, description="steps, in order")


class DossierPerson(_Read):
    id: str = Field(description="central's person id")
    name: str = Field(description="name")
    id_number_masked: str | None = Field(default=None, description="first 6 + last 4")
    phone: str | None = Field(default=None, description="phone")
    township: str | None = Field(default=None, description="township")
    address: str | None = Field(default=None, description="address, as last stated")


class DossierMatter(_Read):
    id: str = Field(description="matter id (made on the box that registered it)")
    status: str = Field(description="status: a MATTER_STATUS_ZH key, or its name (dossier)")
    summary: str = Field(default="", description="诉求, as registered")
    officer_id: str = Field(default="", description="承办人")
    registered_at: datetime = Field(description="when it was registered: its clocks start")
    risk_level: str | None = Field(default=None, description="low / medium / high")
    role: str | None = Field(default=None, description="the person's role on it")
    open: bool = Field(default=True, description="not archived: a visit can be linked to it")

    @property
    def status_key(self) -> str:
        """The status as a key whether central sent the key or its name."""
        if self.status in MATTER_STATUS_ZH:
            return self.status
        return next((k for k, v in MATTER_STATUS_ZH.items() if v == self.status), "")

    @property
    def status_zh(self) -> str:
        return MATTER_STATUS_ZH.get(self.status_key, "办理中")


class Timeline(_Read):
    person: DossierPerson = Field(description="the petitioner")
    receptions: list[DossierReception] = Field(default_factory=list, description="newest first")
    matters: list[DossierMatter] = Field(default_factory=list, description="the person's matters")

    @property
    def open_matters(self) -> list[DossierMatter]:
        """Matters a returning visit may be linked to, newest first."""
        return sorted((m for m in self.matters if m.open), key=lambda m: m.registered_at)[::-1]


class CentralClient(ABC):
    """What the touchscreen needs from central. Subclasses implement all three."""

    @abstractmethod
    def find_person(
        self, *, id_number: str | None = None, phone: str | None = None, officer_id: str = ""
    ) -> str:
        """Central's person id for an ID number or phone; ``PersonNotFound`` if none.

        ``officer_id`` is who asks, for central's audit log."""

    @abstractmethod
    def timeline(self, person_id: str, *, officer_id: str, reason: str) -> Timeline:
        """The person's dossier; the read is audited at central with officer and reason."""

    @abstractmethod
    def ping(self) -> bool:
        """True if central answers now (never raises)."""

    @abstractmethod
    def progress(self, ref_no: str, query_code: str) -> ProgressStatus:
        """A matter's public status by the 回执's 文号 and 查询码 (audited at central);
        ``ProgressNotFound``, ``ProgressThrottled`` or ``CentralUnavailable``."""

    @abstractmethod
    def receipt_pdf(self, matter_id: str, *, officer_id: str) -> bytes:
        """The 回执 PDF of a matter this box registered (issued at central on first
        request, the same bytes after); ``PersonNotFound`` (a ``LookupError``) while
        central has not received the 登记 yet."""


class HttpCentralClient(CentralClient):
    def __init__(self, client: httpx.Client) -> None:
        self._http = client

    @classmethod
    def to(
        cls, base_url: str, *, auth: httpx.Auth, timeout_s: float = 2.0, **kw: Any
    ) -> HttpCentralClient:
        """``auth``: the box's ``DeviceAuth`` (central refuses unsigned look-ups)."""
        return cls(httpx.Client(base_url=base_url, timeout=timeout_s, auth=auth, **kw))

    def _call(self, method: str, url: str, **kw: Any) -> Any:
        try:
            r = self._http.request(method, url, **kw)
        except httpx.HTTPError as e:
            raise CentralUnavailable(f"中心服务器无法连接：{type(e).__name__}") from e
        if r.status_code == 404:
            raise PersonNotFound("中心服务器没有此人的档案")
        if r.status_code >= 500:
            raise CentralUnavailable(f"中心服务器出错（HTTP {r.status_code}）")
        if r.status_code >= 400:
            raise CentralError(f"中心服务器拒绝了请求（HTTP {r.status_code}）：{r.text[:200]}")
        try:
            return r.json()
        except ValueError as e:
            raise CentralUnavailable("中心服务器的回答不是 JSON") from e

    def find_person(
        self, *, id_number: str | None = None, phone: str | None = None, officer_id: str = ""
    ) -> str:
        if not (id_number or phone):
            raise ValueError("need an ID number or a phone number")
        q = (id_number or phone or "").strip().upper()
        hits = self._call(
            "GET",
            "/api/box/persons",
            params={"q": q, "limit": 5},
            headers={"X-Zhifang-Officer": officer_id},
        )
        if not isinstance(hits, list):
            raise CentralUnavailable("中心服务器的检索结果格式无法识别")
        for h in hits:  # an ID number matches by keyed hash at central; a phone exactly
            if isinstance(h, dict) and isinstance(h.get("id"), str):
                if id_number and h.get("has_id_number"):
                    return str(h["id"])
                if phone and not id_number and h.get("phone") == phone.strip():
                    return str(h["id"])
        raise PersonNotFound("中心服务器没有此人的档案")

    def timeline(self, person_id: str, *, officer_id: str, reason: str) -> Timeline:
        data = self._call(
            "GET",
            f"/api/box/persons/{person_id}/dossier",
            headers={"X-Zhifang-Officer": officer_id},
            params={"reason": reason},  # a query parameter: headers cannot carry 中文
        )
        try:
            return Timeline.model_validate(data)
        except ValidationError as e:
            raise CentralUnavailable(f"中心服务器的档案格式无法识别：{e.error_count()} 处") from e

    def ping(self) -> bool:
        try:
            return self._http.get("/healthz").status_code < 500
        except httpx.HTTPError:
            return False

    def progress(self, ref_no: str, query_code: str) -> ProgressStatus:
        body = ProgressQuery(ref_no=ref_no, query_code=query_code).model_dump()
        try:
            r = self._http.post("/api/box/progress", json=body)
        except httpx.HTTPError as e:
            raise CentralUnavailable(f"中心服务器无法连接：{type(e).__name__}") from e
        if r.status_code == 404:
            raise ProgressNotFound(NOT_FOUND_ZH)
        if r.status_code == 429:
            raise ProgressThrottled(_detail(r, THROTTLED_ZH))
        if r.status_code >= 500:
            raise CentralUnavailable(f"中心服务器出错（HTTP {r.status_code}）")
        if r.status_code >= 400:
            raise CentralError(f"中心服务器拒绝了请求（HTTP {r.status_code}）：{r.text[:200]}")
        try:
            return ProgressStatus.model_validate(r.json())
        except (ValueError, ValidationError) as e:
            raise CentralUnavailable("中心服务器的进度格式无法识别") from e

    def receipt_pdf(self, matter_id: str, *, officer_id: str) -> bytes:
        try:
            r = self._http.get(
                f"/api/box/matters/{matter_id}/receipt.pdf",
                headers={"X-Zhifang-Officer": officer_id},
            )
        except httpx.HTTPError as e:
            raise CentralUnavailable(f"中心服务器无法连接：{type(e).__name__}") from e
        if r.status_code == 404:
            raise PersonNotFound("中心尚未收到该事项的登记，请稍后再打印")
        if r.status_code >= 500:
            raise CentralUnavailable(f"中心服务器出错（HTTP {r.status_code}）")
        if r.status_code >= 400 or not r.content.startswith(b"%PDF-"):
            raise CentralError(f"中心服务器拒绝了请求（HTTP {r.status_code}）：{r.text[:200]}")
        return r.content


def _detail(r: httpx.Response, default: str) -> str:
    try:
        detail = r.json().get("detail")
    except (ValueError, AttributeError):
        return default
    return detail if isinstance(detail, str) and detail else default


class FakeCentralClient(CentralClient):
    """Central in memory: ``add`` dossiers, flip ``online``; ``reads`` logs audited reads."""

    def __init__(self) -> None:
        self.online = True
        self._by_key: dict[str, str] = {}
        self._timelines: dict[str, Timeline] = {}
        self.reads: list[tuple[str, str, str]] = []  # (person_id, officer_id, reason)
        self._progress: dict[tuple[str, str], ProgressStatus] = {}
        self.progress_asked: list[str] = []  # the 文号 asked about
        self.receipts: dict[str, bytes] = {}  # matter id → its 回执 PDF

    def add(
        self, timeline: Timeline, *, id_number: str | None = None, phone: str | None = None
    ) -> FakeCentralClient:
        pid = timeline.person.id
        self._timelines[pid] = timeline
        for key in (id_number, phone):
            if key:
                self._by_key[key.upper()] = pid
        return self

    def _net(self) -> None:
        if not self.online:
            raise CentralUnavailable("中心服务器无法连接：（模拟）网络中断")

    def find_person(
        self, *, id_number: str | None = None, phone: str | None = None, officer_id: str = ""
    ) -> str:
        self._net()
        for key in (id_number, phone):
            if key and key.upper() in self._by_key:
                return self._by_key[key.upper()]
        raise PersonNotFound("中心服务器没有此人的档案")

    def timeline(self, person_id: str, *, officer_id: str, reason: str) -> Timeline:
        self._net()
        if person_id not in self._timelines:
            raise PersonNotFound("中心服务器没有此人的档案")
        self.reads.append((person_id, officer_id, reason))
        return self._timelines[person_id]

    def ping(self) -> bool:
        return self.online

    def add_progress(self, query_code: str, status: ProgressStatus) -> FakeCentralClient:
        self._progress[(status.ref_no, query_code.upper())] = status
        return self

    def progress(self, ref_no: str, query_code: str) -> ProgressStatus:
        self._net()
        self.progress_asked.append(ref_no)
        found = self._progress.get((ref_no, query_code.upper()))
        if found is None:
            raise ProgressNotFound(NOT_FOUND_ZH)
        return found

    def receipt_pdf(self, matter_id: str, *, officer_id: str) -> bytes:
        self._net()
        if matter_id not in self.receipts:
            raise PersonNotFound("中心尚未收到该事项的登记，请稍后再打印")
        return self.receipts[matter_id]
