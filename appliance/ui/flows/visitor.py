"""The identify screen: who the petitioner is (ID number or phone), and their dossier.

Central is asked for the dossier; when it cannot be reached the desk answers from the
local cache and says so, and the events wait in the outbox as always.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from protocol.messages import PersonRef

from ...central_client import CentralError, CentralUnavailable, PersonNotFound, Timeline
from ...simulate import id_number_checksum_ok
from ..errors import DeskError
from ..visit import Identified

if TYPE_CHECKING:
    from ..desk import Desk

_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
LOOK_UP_REASON = "接待时调取来访人档案"
MAX_REPRESENTATIVES = 5  # 信访工作条例: a group visit chooses at most 5 representatives


class VisitorFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _person(
        self, id_number: str, phone: str, name: str, township: str, address: str
    ) -> tuple[PersonRef, Timeline | None, Literal["central", "cache", "none"], int | None]:
        """Check what was typed, look the person up, and make the reference central
        gets: a returning person's name and 乡镇 come from the dossier if not typed."""
        id_number, phone, name = id_number.strip().upper(), phone.strip(), name.strip()
        township, address = township.strip(), address.strip()
        if not (id_number or phone):
            raise DeskError("请输入身份证号或手机号")
        if id_number and not id_number_checksum_ok(id_number):
            raise DeskError("身份证号不正确（校验位不符），请核对")
        if phone and not _PHONE.match(phone):
            raise DeskError("手机号格式不正确")
        if max(len(name), len(township), len(address)) > 200:
            raise DeskError("姓名、乡镇或住址太长（最多 200 字）")
        timeline, source, fetched = self.look_up(id_number or None, phone or None)
        known = timeline.person if timeline else None
        name = name or (known.name if known else "")
        township = township or (known.township or "" if known else "")
        if not name:
            raise DeskError("首次来访，请填写姓名")
        if not township:
            raise DeskError("请填写当事人的乡镇（街道）")
        try:
            person = PersonRef(
                name=name,
                id_number=id_number or None,
                phone=phone or None,
                township=township,
                address=address or None,
            )
        except ValidationError as e:
            raise DeskError("身份信息格式不正确") from e
        return person, timeline, source, fetched

    def identify(
        self,
        *,
        id_number: str = "",
        phone: str = "",
        name: str = "",
        township: str = "",
        address: str = "",
    ) -> Identified:
        """The officer typed an ID number or phone: look the person up and record it."""
        d = self.desk
        with d.lock:
            r = d.open_reception()
            if r.rating is not None or d.rating_armed:
                raise DeskError("已进入评价环节，不能再核验身份")
        person, timeline, source, fetched = self._person(id_number, phone, name, township, address)
        method: Literal["id_number", "phone"] = "id_number" if person.id_number else "phone"
        with d.lock:
            r = d.open_reception()
            r.identify(person, method=method, outcome="verified" if timeline else "new_person")
            d.identified = Identified(
                person, method, timeline.person.id if timeline else None, timeline, source, fetched
            )
            return d.identified

    def add_visitor(
        self,
        *,
        role: str,
        id_number: str = "",
        phone: str = "",
        name: str = "",
        township: str = "",
        address: str = "",
    ) -> PersonRef:
        """One more person of a group visit (集体访): a representative or a member."""
        d = self.desk
        if role not in ("representative", "member"):
            raise DeskError("请选择代表或成员")
        with d.lock:
            r = d.open_reception()
            if r.kind != "group" or r.steps:
                raise DeskError("只有集体访在登记前可以添加人员")
            reps = 1 + sum(1 for _p, role_ in d.party if role_ == "representative")
            if role == "representative" and reps >= MAX_REPRESENTATIVES:
                raise DeskError(
                    f"代表不超过 {MAX_REPRESENTATIVES} 人（信访工作条例），其余请登记为成员"
                )
        person, _t, _s, _f = self._person(id_number, phone, name, township, address)
        with d.lock:
            r = d.open_reception()
            r.add_visitor(person, role=role)
            d.party.append((person, role))
        return person

    def party_complete(self) -> None:
        """All the group's persons are recorded: on to 登记."""
        d = self.desk
        with d.lock:
            d.open_reception()
            d.party_done = True

    def skip(self) -> None:
        """The petitioner declines to give an ID (e.g. an anonymous report): no event."""
        d = self.desk
        with d.lock:
            d.open_reception()
            d.identify_skipped = True

    def look_up(
        self, id_number: str | None, phone: str | None
    ) -> tuple[Timeline | None, Literal["central", "cache", "none"], int | None]:
        d = self.desk
        officer = d.officer_id or ""
        try:
            pid = d.central.find_person(id_number=id_number, phone=phone, officer_id=officer)
            timeline = d.central.timeline(pid, officer_id=officer, reason=LOOK_UP_REASON)
        except PersonNotFound:
            d.central_seen(True)
            return None, "none", None
        except CentralUnavailable:
            d.central_seen(False)
            cached_pid = d.cache.find(id_number=id_number, phone=phone)
            hit = d.cache.get(cached_pid) if cached_pid else None
            if hit is None:
                return None, "none", None
            return hit.timeline, "cache", hit.fetched_at_ms
        except CentralError as e:
            raise DeskError(f"调取档案失败：{e}") from e
        d.central_seen(True)
        d.cache.put(timeline, id_number=id_number, phone=phone)
        return timeline, "central", d.now_ms()
