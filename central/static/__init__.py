"""Static assets central serves itself (no CDN): ``/static/...``.

``vendor/echarts.min.js`` is Apache ECharts from the npm registry (see
``vendor/echarts.VERSION.txt``; re-fetch with ``scripts/fetch-echarts.sh``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

STATIC_DIR = Path(__file__).parent


def mount_static(app: FastAPI) -> None:
    """Serve this folder at ``/static`` (call once from ``create_app``)."""
    from fastapi.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
