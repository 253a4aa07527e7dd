"""HTTP for the touchscreen: pages, form posts (post → redirect → get) and ``/api/state``.

Handlers only translate: they read the form, call the ``Desk``, and redirect. A
``DeskError`` becomes a message on the next page (the kiosk has one user at a time).
Served on loopback only, for the kiosk browser on the same box.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from protocol.deadlines import TIMEZONE

from .desk import RATING_ZH, BioKind, Desk
from .errors import DeskError
from .explain import page, pages
from .steps import RISK_LEVELS, STEPS

HERE = Path(__file__).parent
KINDS = {"walk_in": "来访", "group": "集体访", "leader": "领导接访"}
STEP_ZH = {k: v.title for k, v in STEPS.items()} | {
    "handle": "办理",
    "reply": "答复",
    "review": "复查",
    "re_review": "复核",
    "supervise": "督办",
    "archive": "立卷归档",
}


def _fmt_time(value: Any) -> str:
    """Beijing time, whatever the box's own zone (as central shows it)."""
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _fmt_date(value: Any) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value is not None else ""


def create_app(desk: Desk, *, watchdog: Any = None) -> FastAPI:
    """The kiosk app; ``watchdog`` (``firmware_glue.watchdog.Watchdog``) is pinged from
    the event loop, so a hung server is restarted by systemd."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if watchdog is None:
            yield
            return
        from firmware_glue.watchdog import watch_event_loop

        def status() -> str:
            st = desk.state()
            busy = "接待中" if st["reception_id"] else "空闲"
            return f"{busy}，待上传 {st['upload_pending']}，{'离线' if st['offline'] else '在线'}"

        task = asyncio.create_task(watch_event_loop(watchdog, status=status))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="智访 接待终端", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.desk = desk
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    tpl = Jinja2Templates(directory=HERE / "templates")
    tpl.env.filters["when"] = _fmt_time
    tpl.env.filters["day"] = _fmt_date
    tpl.env.globals.update(
        STEPS=STEPS, STEP_ZH=STEP_ZH, RATING_ZH=RATING_ZH, RISK_LEVELS=RISK_LEVELS, KINDS=KINDS
    )

    def render(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        desk.recheck_central()
        state = desk.state()
        return tpl.TemplateResponse(
            request,
            name,
            {"s": state, "desk": desk, "flash": desk.take_flash(), "cfg": desk.cfg} | ctx,
        )

    def go(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def act(fn: Callable[[], object], ok: str, fail: str) -> RedirectResponse:
        try:
            fn()
        except DeskError as e:
            desk.flash = str(e)
            return go(fail)
        return go(ok)

    @app.get("/")
    def home_redirect() -> RedirectResponse:
        phase = desk.state()["phase"]
        where = {"signed_out": "/signin", "ready": "/home", "done": "/reception/done"}
        return go(where.get(phase, "/reception"))

    @app.get("/api/state")
    def api_state() -> JSONResponse:
        desk.recheck_central()
        st = desk.state()
        st.pop("deadlines")
        return JSONResponse(st)

    @app.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request) -> Response:
        return render(request, "signin.html", bio=desk.biometrics.available)

    @app.post("/signin")
    def signin(
        officer_id: Annotated[str, Form()] = "", pin: Annotated[str, Form()] = ""
    ) -> Response:
        return act(lambda: desk.signin.with_pin(officer_id, pin), "/home", "/signin")

    @app.post("/signin/face")
    def signin_face(officer_id: Annotated[str, Form()] = "") -> Response:
        return act(lambda: desk.signin.begin_face(officer_id), "/signin/face", "/signin")

    @app.get("/signin/face", response_class=HTMLResponse)
    def signin_face_page(request: Request) -> Response:
        pending = desk.bio_pending
        if pending is None or pending.kind != "officer":
            return go("/signin")
        return render(request, "signin_face.html", pending=pending)

    @app.post("/signin/face/capture")
    def signin_face_capture(officer_id: Annotated[str, Form()] = "") -> Response:
        return act(lambda: desk.signin.with_face(officer_id), "/home", "/signin")

    @app.post("/capture/cancel")
    def capture_cancel(back: Annotated[str, Form()] = "/") -> Response:
        desk.signin.cancel_capture()
        return go(back if back in ("/signin", "/reception/biometrics", "/reception") else "/")

    @app.post("/signout")
    def signout() -> Response:
        return act(desk.signin.sign_out, "/signin", "/")

    @app.get("/home", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        if desk.officer_id is None:
            return go("/signin")
        return render(request, "home.html")

    @app.post("/reception/start")
    def start(
        kind: Annotated[str, Form()] = "walk_in", visitors: Annotated[int, Form()] = 1
    ) -> Response:
        return act(lambda: desk.start(kind=kind, visitors=visitors), "/reception", "/home")

    @app.post("/reception/next")
    def next_visitor() -> Response:
        desk.next_visitor()
        return go("/home")

    @app.get("/reception", response_class=HTMLResponse)
    def reception(request: Request) -> Response:
        phase = desk.state()["phase"]
        if phase in ("signed_out", "ready", "done"):
            return go("/" if phase != "done" else "/reception/done")
        return render(request, f"phase_{phase}.html", ident=desk.identified)

    @app.post("/reception/identify")
    def identify(
        id_number: Annotated[str, Form()] = "",
        phone: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
    ) -> Response:
        def do() -> None:
            desk.visitor.identify(id_number=id_number, phone=phone, name=name)

        return act(do, "/reception", "/reception")

    @app.post("/reception/identify/skip")
    def identify_skip() -> Response:
        return act(desk.visitor.skip, "/reception", "/reception")

    @app.get("/reception/consent", response_class=HTMLResponse)
    def consent_page(request: Request) -> Response:
        from ..identity.consent import ALTERNATIVE_ZH, DEFAULT_TEXT

        return render(request, "consent.html", text=DEFAULT_TEXT, alternative=ALTERNATIVE_ZH)

    @app.post("/reception/consent")
    def consent(
        decision: Annotated[str, Form()] = "decline",
        face: Annotated[str, Form()] = "",
        voice: Annotated[str, Form()] = "",
    ) -> Response:
        accepted: list[bool] = []

        def do() -> None:
            cid = desk.bio.consent(accept=decision == "accept", face=bool(face), voice=bool(voice))
            if cid is None:
                desk.flash = "当事人未同意使用人脸/声纹，请用身份证号或手机号核验"
            accepted.append(cid is not None)

        r = act(do, "/reception", "/reception")
        return go("/reception/biometrics") if accepted == [True] else r

    @app.get("/reception/biometrics", response_class=HTMLResponse)
    def biometrics_page(request: Request) -> Response:
        if desk.reception is None:
            return go("/")
        return render(request, "biometrics.html", ident=desk.identified, bio=desk.bio.view())

    @app.post("/reception/biometrics/start")
    def biometrics_start(kind: Annotated[str, Form()] = "verify") -> Response:
        def do() -> None:
            if kind not in ("verify", "enrol_face", "enrol_voice"):
                raise DeskError("无效的操作")
            desk.bio.begin(cast(BioKind, kind))

        return act(do, "/reception/biometrics", "/reception/biometrics")

    @app.post("/reception/biometrics/capture")
    def biometrics_capture() -> Response:
        def do() -> None:
            desk.flash = desk.bio.capture()

        return act(do, "/reception/biometrics", "/reception/biometrics")

    @app.post("/reception/biometrics/delete")
    def biometrics_delete(reason: Annotated[str, Form()] = "request") -> Response:
        def do() -> None:
            desk.bio.delete(reason=reason)
            desk.flash = "已删除当事人的人脸/声纹数据（本机立即删除，其他窗口随后删除）"

        return act(do, "/reception", "/reception")

    @app.get("/reception/dossier", response_class=HTMLResponse)
    def dossier(request: Request) -> Response:
        return render(request, "dossier.html", ident=desk.identified)

    @app.post("/reception/step/{step}")
    async def step(step: str, request: Request) -> Response:
        if step not in STEPS:
            raise HTTPException(404, "没有这个步骤")
        form = {k: str(v) for k, v in (await request.form()).items()}
        return act(lambda: desk.procedure.step(step, form), "/reception", "/reception")

    @app.post("/reception/rate")
    def arm_rating() -> Response:
        return act(desk.procedure.arm_rating, "/reception", "/reception")

    @app.post("/reception/unrated")
    def unrated() -> Response:
        return act(desk.procedure.end_unrated, "/reception/done", "/reception")

    @app.get("/reception/done", response_class=HTMLResponse)
    def done(request: Request) -> Response:
        if desk.last is None:
            return go("/")
        return render(request, "done.html", last=desk.last)

    @app.get("/show", response_class=HTMLResponse)
    def show_index(request: Request) -> Response:
        return render(request, "show_index.html", pages=pages(desk.cfg))

    @app.get("/show/laws", response_class=HTMLResponse)
    def show_laws(request: Request, q: str = "") -> Response:
        laws = getattr(app.state, "laws", None)
        hits = laws.search(q) if laws is not None and q.strip() else []
        return render(
            request, "show_laws.html", q=q[:100], hits=hits,
            have_laws=bool(laws is not None and laws.articles),
        )  # fmt: skip

    @app.get("/show/{slug}", response_class=HTMLResponse)
    def show(request: Request, slug: str, idle: int = 0) -> Response:
        all_pages = pages(desk.cfg)
        p = page(desk.cfg, slug)
        if p is None:
            raise HTTPException(404, "没有这一页")
        i = all_pages.index(p)
        return render(
            request,
            "show.html",
            page=p,
            prev=all_pages[i - 1].slug if i > 0 else None,
            next=all_pages[(i + 1) % len(all_pages)].slug,
            idle=bool(idle),
            pages=all_pages,
        )

    @app.get("/welcome")
    def welcome() -> Response:
        return go(f"/show/{pages(desk.cfg)[0].slug}?idle=1")

    return app
