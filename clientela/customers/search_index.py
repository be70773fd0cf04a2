"""One selector for "records matching what was typed", over the database's own search engine.

``fold`` is the single normalisation (lower case, accents stripped) used both when writing
``search_text`` and when reading a query, so "Joao" finds "João".
"""

from __future__ import annotations

import unicodedata

from django.db.models import Model, QuerySet


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search[M: Model](queryset: QuerySet[M], query: str) -> QuerySet[M]:
    """Narrow a visibility-scoped queryset of accounts, contacts or leads to ``query``'s matches."""
    folded = fold(query).strip()
    if not folded:
        return queryset
    for word in folded.split()[:8]:
        queryset = queryset.filter(search_text__contains=word)
    return queryset
