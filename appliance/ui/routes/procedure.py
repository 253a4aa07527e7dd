"""The reception's page (the screen its phase calls for), the matter, the steps
(登记, 告知, 受理, 决定 ...), corrections, the dossier and the 回执."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ..errors import DeskError
from ..kiosk import Kiosk, form_fields
from ..steps import STEPS


def add_routes(app: FastAPI, k: Kiosk) -> None:
    desk = k.desk

    @app.get("/reception", response_class=HTMLResponse)
    def reception(request: Request) -> Response:
        phase = desk.state()["phase"]
        if phase in ("signed_out", "ready", "done"):
            return k.go("/" if phase != "done" else "/reception/done")
        return k.render(request, f"phase_{phase}.html", ident=desk.identified)

    @app.post("/reception/matter")
    def choose_matter(matter: Annotated[str, Form()] = "") -> Response:
        return k.act(lambda: desk.procedure.choose(matter), "/reception", "/reception")

    @app.post("/reception/print-receipt")
    def print_receipt() -> Response:
        return k.act(desk.receipt.print_receipt, "/reception", "/reception")

    @app.get("/reception/dossier", response_class=HTMLResponse)
    def dossier(request: Request) -> Response:
        return k.render(request, "dossier.html", ident=desk.identified)

    @app.post("/reception/step/{step}")
    async def step(step: str, request: Request) -> Response:
        if step not in STEPS:
            raise HTTPException(404, "没有这个步骤")
        form = await form_fields(request)
        fail = f"/reception?step={step}"
        return k.act(lambda: desk.procedure.step(step, form), "/reception", fail, form)

    @app.get("/reception/correct/{event_id}", response_class=HTMLResponse)
    def correct_page(request: Request, event_id: str) -> Response:
        if desk.reception is None:
            return k.go("/")
        try:
            rec = desk.procedure.record_of(event_id)
        except DeskError as e:
            desk.flash = str(e)
            return k.go("/reception")
        sd = desk.procedure.form_of(rec.step)
        values = k.kept or rec.fields
        return k.render(request, "correct.html", rec=rec, sd=sd, values=values)

    @app.post("/reception/correct/{event_id}")
    async def correct(event_id: str, request: Request) -> Response:
        form = await form_fields(request)
        reason = form.pop("correct_reason", "")

        def do() -> None:
            desk.procedure.correct(event_id, form, reason)
            desk.flash = "已更正，更正记录已保存"

        fail = f"/reception/correct/{event_id}"
        return k.act(do, "/reception", fail, form | {"correct_reason": reason})
