"""Registrations of this part made when the app starts (settings cards, customer-page
panels, periodic jobs, rule triggers); its record types are in ``apps.py``."""

from __future__ import annotations


def ready() -> None:
    """Import the modules that register themselves (none yet)."""
