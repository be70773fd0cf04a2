"""Real-browser fixtures: Debian's Chromium driven by Playwright (see clientela.testing.browser)."""

from clientela.testing.browser import *  # noqa: F403
