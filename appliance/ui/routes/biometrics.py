"""The consent screen and the face/voice screen (only after separate consent)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..errors import DeskError
from ..kiosk import Kiosk
from ..visit import BioKind


def add_routes(app: FastAPI, k: Kiosk) -> None:
    desk = k.desk

    @app.get("/reception/consent", response_class=HTMLResponse)
    def consent_page(request: Request) -> Response:
        from ...identity.consent import ALTERNATIVE_ZH, DEFAULT_TEXT

        if desk.reception is None:
            return k.go("/")
        if not desk.biometrics.available:  # nothing to consent to on this desk
            desk.flash = desk.flash or "本机未启用人脸/声纹，请用身份证号或手机号核验"
            return k.go("/reception")
        return k.render(request, "consent.html", text=DEFAULT_TEXT, alternative=ALTERNATIVE_ZH)

    @app.post("/reception/consent")
    def consent(
        decision: Annotated[str, Form()] = "decline",
        face: Annotated[str, Form()] = "",
        voice: Annotated[str, Form()] = "",
    ) -> Response:
        accepted: list[bool] = []

        def do() -> None:
            cid = desk.consent.give(accept=decision == "accept", face=bool(face), voice=bool(voice))
            if cid is None:
                desk.flash = "当事人未同意使用人脸/声纹，请用身份证号或手机号核验"
            accepted.append(cid is not None)

        r = k.act(do, "/reception", "/reception/consent")
        return k.go("/reception/biometrics") if accepted == [True] else r

    @app.get("/reception/biometrics", response_class=HTMLResponse)
    def biometrics_page(request: Request) -> Response:
        if desk.reception is None:
            return k.go("/")
        return k.render(request, "biometrics.html", ident=desk.identified, bio=desk.bio.view())

    @app.post("/reception/biometrics/start")
    def biometrics_start(kind: Annotated[str, Form()] = "verify") -> Response:
        def do() -> None:
            if kind not in ("verify", "enrol_face", "enrol_voice"):
                raise DeskError("无效的操作")
            desk.bio.begin(cast(BioKind, kind))

        return k.act(do, "/reception/biometrics", "/reception/biometrics")

    @app.post("/reception/biometrics/capture")
    def biometrics_capture() -> Response:
        def do() -> None:
            desk.flash = desk.bio.capture()

        return k.act(do, "/reception/biometrics", "/reception/biometrics")

    @app.post("/reception/biometrics/delete")
    def biometrics_delete(reason: Annotated[str, Form()] = "request") -> Response:
        def do() -> None:
            desk.consent.delete(reason=reason)
            desk.flash = "已删除当事人的人脸/声纹数据（本机立即删除，其他窗口随后删除）"

        return k.act(do, "/reception", "/reception")
