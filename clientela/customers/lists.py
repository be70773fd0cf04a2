"""The list pages of accounts, contacts and leads, described once for the page, API and exports.

Only sorts backed by an index that also serves the visibility filter are offered (see the
indexes in ``models.py``: ``(name, id)``, ``(owner, name, id)``, ``(team, name, id)`` and so on).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import (
    Account,
    Contact,
    Industry,
    Lead,
    LeadRating,
    LeadSource,
    LeadStatus,
    Lifecycle,
    PreferredChannel,
    Relationship,
    SizeBand,
)
from clientela.platform.listing import Column, Filter, FilterKind, ListSpec, Sort, register

OWNER = Column("owner", _("Owner"), "owner.display_name", select="owner")
TEAM = Column("team", _("Team"), "team.name", select="team")
TAGS = Column("tags", _("Tags"), "tags", prefetch="tags")
CREATED = Column("created", _("Created"), "created_at")
UPDATED = Column("updated", _("Updated"), "updated_at")


def _common_filters() -> tuple[Filter, ...]:
    return (
        Filter("owner", _("Owner"), FilterKind.USER, "owner_id"),
        Filter("team", _("Team"), FilterKind.TEAM, "team_id"),
        Filter("tag", _("Tag"), FilterKind.TAG, "tags__name"),
        Filter("created", _("Created"), FilterKind.DATE_RANGE, "created_at"),
    )


ACCOUNTS = register(
    ListSpec(
        object_type="customers.account",
        model=Account,
        columns=(
            Column("name", _("Name"), "name", sortable=True),
            Column("tax_id", _("Tax id"), "tax_id"),
            Column("lifecycle", _("Lifecycle status"), "get_lifecycle_display"),
            Column("relationship", _("Relationship"), "get_relationship_display"),
            Column("industry", _("Industry"), "get_industry_display"),
            Column("size_band", _("Size"), "get_size_band_display"),
            Column("country", _("Country"), "country"),
            Column("phone", _("Phone"), "phone"),
            Column("email", _("E-mail"), "email"),
            Column("website", _("Website"), "website"),
            OWNER,
            TEAM,
            TAGS,
            CREATED,
            UPDATED,
        ),
        filters=(
            # Each served by a partial index of the accounts with another value than the
            # default (or blank), in name order: account_<key>_name.
            Filter(
                "lifecycle",
                _("Lifecycle status"),
                FilterKind.CHOICE,
                "lifecycle",
                Lifecycle.choices,
                partial_excludes=Lifecycle.PROSPECT,
            ),
            Filter(
                "relationship",
                _("Relationship"),
                FilterKind.CHOICE,
                "relationship",
                Relationship.choices,
                partial_excludes=Relationship.CUSTOMER,
            ),
            Filter(
                "industry",
                _("Industry"),
                FilterKind.CHOICE,
                "industry",
                Industry.choices,
                partial_excludes="",
            ),
            Filter(
                "size_band",
                _("Size"),
                FilterKind.CHOICE,
                "size_band",
                SizeBand.choices,
                partial_excludes="",
            ),
            Filter("country", _("Country"), FilterKind.TEXT, "country"),
            *_common_filters(),
        ),
        sorts=(
            Sort("name", _("Name A-Z"), ("name", "id")),
            Sort("-name", _("Name Z-A"), ("-name", "-id")),
        ),
        default_sort="name",
        default_columns=("name", "tax_id", "lifecycle", "phone", "owner", "team"),
    )
)

CONTACTS = register(
    ListSpec(
        object_type="customers.contact",
        model=Contact,
        columns=(
            Column("name", _("Name"), "__str__", sortable=True),
            Column("account", _("Account"), "account.name", select="account"),
            Column("job_title", _("Job title"), "job_title"),
            Column("email", _("E-mail"), "email"),
            Column("phone", _("Phone"), "phone"),
            Column("language", _("Language"), "get_language_display"),
            Column("preferred_channel", _("Preferred channel"), "get_preferred_channel_display"),
            Column("do_not_contact", _("Do not contact"), "do_not_contact"),
            OWNER,
            TEAM,
            TAGS,
            Column("created", _("Created"), "created_at", sortable=True),
            UPDATED,
        ),
        filters=(
            Filter(
                "account",
                _("Account"),
                FilterKind.REFERENCE,
                "account_id",
                target="customers.account",
            ),
            Filter(
                "language",
                _("Language"),
                FilterKind.CHOICE,
                "language",
                tuple(settings.LANGUAGES),
                partial_excludes="",  # the contact_language_* indexes
            ),
            Filter(
                "preferred_channel",
                _("Preferred channel"),
                FilterKind.CHOICE,
                "preferred_channel",
                PreferredChannel.choices,
                partial_excludes="",  # the contact_channel_* indexes
            ),
            Filter("do_not_contact", _("Do not contact"), FilterKind.BOOLEAN, "do_not_contact"),
            *_common_filters(),
        ),
        sorts=(
            # backed by (owner|team, last_name, first_name, id) and (owner|team, created_at, id)
            Sort("name", _("Name A-Z"), ("last_name", "first_name", "id")),
            Sort("-name", _("Name Z-A"), ("-last_name", "-first_name", "-id")),
            Sort("-created", _("Newest first"), ("-created_at", "-id")),
            Sort("created", _("Oldest first"), ("created_at", "id")),
        ),
        default_sort="name",
        default_columns=("name", "account", "email", "phone", "owner"),
    )
)

LEADS = register(
    ListSpec(
        object_type="customers.lead",
        model=Lead,
        columns=(
            Column("name", _("Name"), "__str__"),
            Column("company", _("Company"), "company"),
            Column("status", _("Status"), "get_status_display"),
            Column("source", _("Source"), "get_source_display"),
            Column("rating", _("Rating"), "get_rating_display"),
            Column("email", _("E-mail"), "email"),
            Column("phone", _("Phone"), "phone"),
            OWNER,
            TEAM,
            TAGS,
            Column("created", _("Created"), "created_at", sortable=True),
            UPDATED,
        ),
        filters=(
            Filter("status", _("Status"), FilterKind.CHOICE, "status", LeadStatus.choices),
            Filter(
                "source",
                _("Source"),
                FilterKind.CHOICE,
                "source",
                LeadSource.choices,
                partial_excludes=LeadSource.MANUAL,  # the lead_source_new index
            ),
            Filter(
                "rating",
                _("Rating"),
                FilterKind.CHOICE,
                "rating",
                LeadRating.choices,
                partial_excludes="",  # the lead_rating_new index
            ),
            *_common_filters(),
        ),
        sorts=(
            Sort("-created", _("Newest first"), ("-created_at", "-id")),
            Sort("created", _("Oldest first"), ("created_at", "id")),
        ),
        default_sort="-created",
        default_columns=("name", "company", "status", "source", "rating", "owner", "created"),
    )
)

SPECS = {"account": ACCOUNTS, "contact": CONTACTS, "lead": LEADS}
