"""The API of the installed base, warranties, contracts and planned service."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Installed base and contracts"])
