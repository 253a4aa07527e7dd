"""The identify screen (ID number or phone, or skipped) and a group visit's persons."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from ..kiosk import Kiosk, form_fields


def add_routes(app: FastAPI, k: Kiosk) -> None:
    desk = k.desk

    @app.post("/reception/identify")
    async def identify(request: Request) -> Response:
        form = await form_fields(request)

        def do() -> None:
            desk.visitor.identify(
                id_number=form.get("id_number", ""),
                phone=form.get("phone", ""),
                name=form.get("name", ""),
                township=form.get("township", ""),
                address=form.get("address", ""),
            )

        return k.act(do, "/reception", "/reception", form)

    @app.post("/reception/identify/skip")
    def identify_skip() -> Response:
        return k.act(desk.visitor.skip, "/reception", "/reception")

    @app.post("/reception/visitor")
    async def add_visitor(request: Request) -> Response:
        form = await form_fields(request)

        def do() -> None:
            p = desk.visitor.add_visitor(
                role=form.get("role", ""),
                id_number=form.get("id_number", ""),
                phone=form.get("phone", ""),
                name=form.get("name", ""),
                township=form.get("township", ""),
                address=form.get("address", ""),
            )
            desk.flash = f"已添加：{p.name}"

        return k.act(do, "/reception", "/reception", form)

    @app.post("/reception/party/done")
    def party_done() -> Response:
        return k.act(desk.visitor.party_complete, "/reception", "/reception")
