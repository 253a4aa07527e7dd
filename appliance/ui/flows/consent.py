"""The consent screen: the petitioner's separate consent to face and voice (PIPL art.
29), recorded and signed before any capture; and deletion of their face/voice data on
request (or when consent is withdrawn)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...identity.consent import DEFAULT_TEXT, record
from ..errors import DeskError

if TYPE_CHECKING:
    from ..desk import Desk


class ConsentFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def give(self, *, accept: bool, face: bool, voice: bool) -> str | None:
        """The petitioner's answer on the consent screen; the record id if they agreed."""
        d = self.desk
        if not d.biometrics.available:  # a desk with biometrics off records no consent
            raise DeskError("本机未启用人脸/声纹，不需要也不记录同意")
        with d.lock:
            r = d.open_reception()
            if not accept:
                d.consent_id, d.consent_scopes = None, ()
                return None
            scopes: list[Any] = [s for s, on in (("face", face), ("voice", voice)) if on]
            if not scopes:
                raise DeskError("请至少选择人脸或声纹中的一项，或选择不使用")
            ident = d.identified
            person_id = (ident.person_id if ident else None) or f"reception:{r.reception_id}"
            if d.identity is not None:  # stored, then sent as a consent.recorded event
                rec = d.identity.give_consent(
                    person_id=person_id,
                    scopes=scopes,
                    officer_id=d.officer_id or "",
                    reception_id=r.reception_id,
                    text=DEFAULT_TEXT,
                )
            else:
                rec = record(
                    person_id=person_id,
                    text=DEFAULT_TEXT,
                    scopes=scopes,
                    officer_id=d.officer_id or "",
                    now_ms=d.now_ms(),
                    device_key=d.device_key,
                )
            d.cache.put_consent(rec.consent_id, json.dumps(rec.payload() | {"sig": rec.signature}))
            d.consent_id, d.consent_scopes = rec.consent_id, tuple(scopes)
            return rec.consent_id

    def delete(self, *, reason: str = "request") -> None:
        """The petitioner asks for their face/voice data to be deleted (or withdraws
        consent): deleted here at once, then at central and every desk of the site."""
        d = self.desk
        with d.lock:
            d.open_reception()
            ident = d.identified
            if ident is None or ident.person_id is None:
                raise DeskError("请先用身份证号或手机号找到当事人的档案")
            if d.identity is None:
                raise DeskError("本机未启用人脸/声纹，没有可删除的生物特征数据")
            kind: Any = reason if reason in ("request", "consent_withdrawn") else "request"
            d.identity.delete_person(ident.person_id, officer_id=d.officer_id or "", reason=kind)
            d.consent_id, d.consent_scopes, d.bio_pending = None, (), None
