"""Every JSON router, in the order ``create_app`` includes them."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    awareness,
    devices,
    documents,
    dossier,
    evidence,
    hearings,
    identity,
    ingest,
    legal,
    plans,
    progress,
    sharing,
    similar,
    workflow,
)


def routers() -> tuple[APIRouter, ...]:
    return (
        devices.router, dossier.receptions, dossier.persons, dossier.box_persons,
        documents.router, workflow.router, evidence.router, identity.router, ingest.quarantine,
        ingest.stats, legal.router, sharing.organ, sharing.admin, plans.organs, plans.router,
        hearings.public, hearings.router, similar.router, awareness.router, progress.router,
    )  # fmt: skip
