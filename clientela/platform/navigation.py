"""The shell's navigation: one list, each entry with the rights it needs to show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from clientela.platform.models import User


@dataclass(frozen=True)
class Section:
    key: str
    label: Promise
    url_name: str
    icon: str
    admin_only: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("dashboard", _("Dashboard"), "dashboard", "home"),
    Section("accounts", _("Accounts"), "customers:account_list", "building"),
    Section("contacts", _("Contacts"), "customers:contact_list", "person"),
    Section("leads", _("Leads"), "customers:lead_list", "funnel"),
    Section("pipeline", _("Pipeline"), "sales:board", "columns"),
    Section("activities", _("Activities"), "activities:agenda", "calendar"),
    Section("marketing", _("Marketing"), "marketing", "megaphone"),
    Section("service", _("Service"), "service:queue", "lifebuoy"),
    Section("contactcenter", _("Contact center"), "contactcenter", "headset"),
    Section("reports", _("Reports"), "reports", "chart"),
    Section("settings", _("Settings"), "settings:index", "gear"),
)


# Entries known only at run time (custom objects): ``fn(user)`` -> [(label, url, icon)], shown
# before Settings.
_dynamic: list[Callable[[User], list[tuple[str, str, str]]]] = []


def register_entries(fn: Callable[[User], list[tuple[str, str, str]]]) -> None:
    if fn not in _dynamic:
        _dynamic.append(fn)


def sections_for(user: User, path: str) -> list[dict[str, object]]:
    items = []
    for section in SECTIONS:
        if section.key == "settings":
            items += _dynamic_items(user, path)
        url = reverse(section.url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append(
            {
                "key": section.key,
                "label": section.label,
                "url": url,
                "icon": section.icon,
                "active": active,
            }
        )
    return items


def _dynamic_items(user: User, path: str) -> list[dict[str, object]]:
    if not getattr(user, "is_authenticated", False):
        return []
    found = [entry for fn in _dynamic for entry in fn(user)]
    return [
        {"key": url, "label": label, "url": url, "icon": icon, "active": path.startswith(url)}
        for label, url, icon in found
    ]


@dataclass(frozen=True)
class SettingsCard:
    """A page of Settings that a later app adds (Sales → Pipelines), shown on the index to
    those whose role may ``view`` ``object_type``; the same shape as the index's own cards."""

    object_type: str
    url_name: str
    label: Promise
    summary: Promise


_settings_cards: dict[str, SettingsCard] = {}


def register_settings_card(card: SettingsCard) -> None:
    _settings_cards[card.url_name] = card


def settings_cards() -> list[tuple[str, str, Promise, Promise]]:
    """The registered cards as the settings index lists its own:
    ``(object_type, url_name, label, summary)``."""
    return [(c.object_type, c.url_name, c.label, c.summary) for c in _settings_cards.values()]
