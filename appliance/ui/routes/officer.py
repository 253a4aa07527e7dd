"""Sign-in (PIN or face), the home screen, starting a reception, ``/api/state``."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..kiosk import Kiosk


def add_routes(app: FastAPI, k: Kiosk) -> None:
    desk = k.desk

    @app.get("/")
    def home_redirect() -> RedirectResponse:
        phase = desk.state()["phase"]
        where = {"signed_out": "/signin", "ready": "/home", "done": "/reception/done"}
        return k.go(where.get(phase, "/reception"))

    @app.get("/api/state")
    def api_state() -> JSONResponse:
        desk.recheck_central()
        st = desk.state()
        st.pop("deadlines")
        return JSONResponse(st)

    @app.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request) -> Response:
        return k.render(request, "signin.html", bio=desk.biometrics.available)

    @app.post("/signin")
    def signin(
        officer_id: Annotated[str, Form()] = "", pin: Annotated[str, Form()] = ""
    ) -> Response:
        keep = {"officer_id": officer_id}
        return k.act(lambda: desk.signin.with_pin(officer_id, pin), "/home", "/signin", keep)

    @app.post("/signin/face")
    def signin_face(officer_id: Annotated[str, Form()] = "") -> Response:
        keep = {"officer_id": officer_id}
        return k.act(lambda: desk.signin.begin_face(officer_id), "/signin/face", "/signin", keep)

    @app.get("/signin/face", response_class=HTMLResponse)
    def signin_face_page(request: Request) -> Response:
        pending = desk.bio_pending
        if pending is None or pending.kind != "officer":
            return k.go("/signin")
        return k.render(request, "signin_face.html", pending=pending)

    @app.post("/signin/face/capture")
    def signin_face_capture(officer_id: Annotated[str, Form()] = "") -> Response:
        keep = {"officer_id": officer_id}
        return k.act(lambda: desk.signin.with_face(officer_id), "/home", "/signin", keep)

    @app.post("/capture/cancel")
    def capture_cancel(back: Annotated[str, Form()] = "/") -> Response:
        desk.signin.cancel_capture()
        return k.go(back if back in ("/signin", "/reception/biometrics", "/reception") else "/")

    @app.post("/signout")
    def signout() -> Response:
        return k.act(desk.signin.sign_out, "/signin", "/")

    @app.get("/home", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        if desk.officer_id is None:
            return k.go("/signin")
        return k.render(request, "home.html")

    @app.post("/reception/start")
    def start(
        kind: Annotated[str, Form()] = "walk_in", visitors: Annotated[int, Form()] = 1
    ) -> Response:
        return k.act(lambda: desk.start(kind=kind, visitors=visitors), "/reception", "/home")

    @app.post("/reception/next")
    def next_visitor() -> Response:
        desk.next_visitor()
        return k.go("/home")
