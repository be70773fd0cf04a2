"""The API of technicians, skills, scheduling and the dispatch board."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Field service"])
