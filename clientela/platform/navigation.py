"""The shell's navigation: one list, each entry with the rights it needs to show."""

from __future__ import annotations

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
    Section("pipeline", _("Pipeline"), "pipeline", "columns"),
    Section("activities", _("Activities"), "activities:agenda", "calendar"),
    Section("marketing", _("Marketing"), "marketing", "megaphone"),
    Section("service", _("Service"), "service", "lifebuoy"),
    Section("contactcenter", _("Contact center"), "contactcenter", "headset"),
    Section("reports", _("Reports"), "reports", "chart"),
    Section("settings", _("Settings"), "settings:index", "gear"),
)


def sections_for(user: User, path: str) -> list[dict[str, object]]:
    items = []
    for section in SECTIONS:
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
