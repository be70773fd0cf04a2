"""What the service tests share: attachments written under a fresh media root per test, so a
test can look at the disk and none leaves files in the data directory."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
