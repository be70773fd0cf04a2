"""Extension points for the shell: global search providers and dashboard figures.

Apps register providers here (platform names no business object); each provider answers from
its own visibility-scoped selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from clientela.platform.models import User


@dataclass(frozen=True)
class Hit:
    label: str
    detail: str
    url: str


@dataclass(frozen=True)
class ResultGroup:
    title: str | Promise
    hits: list[Hit]


@dataclass(frozen=True)
class Figure:
    label: str | Promise
    value: int
    url: str = ""


SearchProvider = Callable[["User", str], ResultGroup]
FigureProvider = Callable[["User"], list[Figure]]

_search: list[SearchProvider] = []
_figures: list[FigureProvider] = []


def register_search(provider: SearchProvider) -> None:
    if provider not in _search:
        _search.append(provider)


def register_figures(provider: FigureProvider) -> None:
    if provider not in _figures:
        _figures.append(provider)


def run(actor: User, query: str) -> list[ResultGroup]:
    return [group for group in (p(actor, query) for p in _search) if group.hits]


def dashboard_figures(actor: User) -> list[Figure]:
    return [figure for provider in _figures for figure in provider(actor)]
