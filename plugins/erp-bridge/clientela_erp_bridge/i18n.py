"""The plugin's own pt-BR catalogue (``locale/``), read in the language Django is speaking.

A plugin is not a Django app, so Django's catalogues never include its messages; it carries
them itself and looks them up with the active language on every call.
"""

from __future__ import annotations

import gettext as python_gettext
from functools import cache
from pathlib import Path

from django.utils.functional import lazy
from django.utils.translation import get_language, to_locale

LOCALE = Path(__file__).resolve().parent / "locale"


@cache
def _catalogue(language: str) -> python_gettext.NullTranslations:
    return python_gettext.translation(
        "django", LOCALE, languages=[to_locale(language)], fallback=True
    )


def gettext(message: str) -> str:
    return _catalogue(get_language() or "en").gettext(message)


gettext_lazy = lazy(gettext, str)
