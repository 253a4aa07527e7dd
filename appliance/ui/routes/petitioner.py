"""The petitioner's pages (办事指南), the waiting-room slideshow, and 进度查询: the
petitioner shows the 回执's QR code to the camera and reads how the matter stands."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ..explain import page, pages
from ..kiosk import Kiosk


def add_routes(app: FastAPI, k: Kiosk) -> None:
    desk = k.desk

    @app.get("/show", response_class=HTMLResponse)
    def show_index(request: Request) -> Response:
        return k.render(request, "show_index.html", pages=pages(desk.cfg))

    @app.get("/show/laws", response_class=HTMLResponse)
    def show_laws(request: Request, q: str = "") -> Response:
        laws = getattr(app.state, "laws", None)
        hits = laws.search(q) if laws is not None and q.strip() else []
        return k.render(
            request, "show_laws.html", q=q[:100], hits=hits,
            have_laws=bool(laws is not None and laws.articles),
        )  # fmt: skip

    @app.get("/show/progress", response_class=HTMLResponse)
    def show_progress(request: Request) -> Response:
        return k.render(
            request, "show_progress.html", check=desk.progress.take(), camera=desk.qr is not None
        )

    @app.post("/show/progress")
    def scan_progress() -> Response:
        return k.act(desk.progress.scan, "/show/progress", "/show/progress")

    @app.get("/show/{slug}", response_class=HTMLResponse)
    def show(request: Request, slug: str, idle: int = 0) -> Response:
        all_pages = pages(desk.cfg)
        p = page(desk.cfg, slug)
        if p is None:
            raise HTTPException(404, "没有这一页")
        i = all_pages.index(p)
        return k.render(
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
        return k.go(f"/show/{pages(desk.cfg)[0].slug}?idle=1")
