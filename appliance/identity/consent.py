"""Separate, recorded consent to biometric processing (PIPL art. 29), before enrolment.

The person sees ``ConsentText`` on the touchscreen; what they agreed to is stored as a
``ConsentRecord`` that names the text's version and SHA-256, the scopes (face, voice,
1:N identification), the officer present, and is signed with the device key over its
canonical JSON. A non-biometric way (ID number, phone) is always offered:
``ALTERNATIVE_ZH`` is shown beside the consent.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field

from protocol.canonical import canonical_json

__all__ = ["ALTERNATIVE_ZH", "DEFAULT_TEXT", "ConsentRecord", "ConsentText", "Scope", "record"]

Scope = Literal["face", "voice", "identify_1n"]

ALTERNATIVE_ZH = "您也可以不使用人脸或声纹，改用身份证号或手机号登记，办理不受任何影响。"


class ConsentText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1, max_length=32, description="version of the text shown")
    text_zh: str = Field(min_length=20, max_length=4000, description="the text shown, zh-CN")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text_zh.encode("utf-8")).hexdigest()


# v2: v1 offered "比对查找" without an ID number (1:N), a choice the screen never showed;
# the text offers exactly the two boxes on screen (人脸, 声纹), neither ticked.
DEFAULT_TEXT = ConsentText(
    version="2026-12-v2",
    text_zh=(
        "为便于您再次来访时快速调取您的信访记录，本机可采集您的人脸和声纹特征（仅保存加密的"
        "特征模板，不保存照片和录音原件），仅用于本院信访接待中核验您的身份。您可以分别勾选是否"
        "同意使用人脸、声纹，都不勾选即为不同意；不同意不影响您信访事项的办理。您可随时要求删除，"
        "删除后本院所有接待终端和中心服务器上的模板一并删除。"
    ),
)


class ConsentRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    consent_id: str = Field(description="UUID of this consent")
    person_id: str = Field(min_length=1, max_length=64, description="dossier / person id")
    text_version: str = Field(description="ConsentText.version shown")
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the text shown")
    scopes: tuple[Scope, ...] = Field(min_length=1, description="what the person agreed to")
    officer_id: str = Field(min_length=1, max_length=64, description="officer present")
    given_at: int = Field(ge=0, description="ms since the Unix epoch")
    signature: str = Field(default="", description="Ed25519 over canonical JSON, hex")

    def payload(self) -> dict[str, object]:
        d = self.model_dump(exclude={"signature"})
        d["scopes"] = list(self.scopes)
        return d


def record(
    *,
    person_id: str,
    text: ConsentText,
    scopes: list[Scope],
    officer_id: str,
    now_ms: int,
    device_key: Ed25519PrivateKey,
) -> ConsentRecord:
    """The signed record of consent just given on the touchscreen."""
    if not scopes:
        raise ValueError("同意范围为空：未同意任何生物特征用途 (no scope consented)")
    unsigned = ConsentRecord(
        consent_id=str(uuid.uuid4()),
        person_id=person_id,
        text_version=text.version,
        text_sha256=text.sha256,
        scopes=tuple(dict.fromkeys(scopes)),
        officer_id=officer_id,
        given_at=now_ms,
    )
    sig = device_key.sign(canonical_json(unsigned.payload())).hex()
    return unsigned.model_copy(update={"signature": sig})
