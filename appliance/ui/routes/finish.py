"""The end of a reception: cancelling it, the petitioner's rating (or none), and the
done screen."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..kiosk import Kiosk


def add_routes(app: FastAPI, k: Kiosk) -> None:
    desk = k.desk

    @app.get("/reception/cancel", response_class=HTMLResponse)
    def cancel_page(request: Request) -> Response:
        if desk.reception is None:
            return k.go("/")
        return k.render(request, "cancel.html")

    @app.post("/reception/cancel")
    def cancel(reason: Annotated[str, Form()] = "") -> Response:
        keep = {"reason": reason}
        return k.act(
            lambda: desk.finishing.cancel(reason), "/reception/done", "/reception/cancel", keep
        )

    @app.post("/reception/rate")
    def arm_rating() -> Response:
        return k.act(desk.finishing.arm_rating, "/reception", "/reception")

    @app.post("/reception/unrated")
    def unrated() -> Response:
        return k.act(desk.finishing.end_unrated, "/reception/done", "/reception")

    @app.get("/reception/done", response_class=HTMLResponse)
    def done(request: Request) -> Response:
        if desk.last is None:
            return k.go("/")
        return k.render(request, "done.html", last=desk.last)
