"""The reception's screens: identify, a group's persons, the matter, the steps,
corrections, cancelling, the rating and the end."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ..errors import DeskError
from ..kiosk import Kiosk
from ..steps import STEPS


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


def add_routes(app: FastAPI, k: Kiosk) -> None:
    desk = k.desk

    @app.get("/reception", response_class=HTMLResponse)
    def reception(request: Request) -> Response:
        phase = desk.state()["phase"]
        if phase in ("signed_out", "ready", "done"):
            return k.go("/" if phase != "done" else "/reception/done")
        return k.render(request, f"phase_{phase}.html", ident=desk.identified)

    @app.post("/reception/identify")
    async def identify(request: Request) -> Response:
        form = await _form(request)

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
        form = await _form(request)

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

    @app.post("/reception/matter")
    def choose_matter(matter: Annotated[str, Form()] = "") -> Response:
        return k.act(lambda: desk.procedure.choose(matter), "/reception", "/reception")

    @app.post("/reception/print-receipt")
    def print_receipt() -> Response:
        return k.act(desk.print_receipt, "/reception", "/reception")

    @app.get("/reception/dossier", response_class=HTMLResponse)
    def dossier(request: Request) -> Response:
        return k.render(request, "dossier.html", ident=desk.identified)

    @app.post("/reception/step/{step}")
    async def step(step: str, request: Request) -> Response:
        if step not in STEPS:
            raise HTTPException(404, "没有这个步骤")
        form = await _form(request)
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
        form = await _form(request)
        reason = form.pop("correct_reason", "")

        def do() -> None:
            desk.procedure.correct(event_id, form, reason)
            desk.flash = "已更正，更正记录已保存"

        fail = f"/reception/correct/{event_id}"
        return k.act(do, "/reception", fail, form | {"correct_reason": reason})

    @app.get("/reception/cancel", response_class=HTMLResponse)
    def cancel_page(request: Request) -> Response:
        if desk.reception is None:
            return k.go("/")
        return k.render(request, "cancel.html")

    @app.post("/reception/cancel")
    def cancel(reason: Annotated[str, Form()] = "") -> Response:
        keep = {"reason": reason}
        return k.act(
            lambda: desk.procedure.cancel(reason), "/reception/done", "/reception/cancel", keep
        )

    @app.post("/reception/rate")
    def arm_rating() -> Response:
        return k.act(desk.procedure.arm_rating, "/reception", "/reception")

    @app.post("/reception/unrated")
    def unrated() -> Response:
        return k.act(desk.procedure.end_unrated, "/reception/done", "/reception")

    @app.get("/reception/done", response_class=HTMLResponse)
    def done(request: Request) -> Response:
        if desk.last is None:
            return k.go("/")
        return k.render(request, "done.html", last=desk.last)
