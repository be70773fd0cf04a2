"""What an inbound webhook of the kind ``lead`` does: create a lead as the API's create does."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from clientela.customers.models import Lead
from clientela.customers.schemas_leads import LeadIn
from clientela.customers.services.leads import lead_create
from clientela.platform import inbound
from clientela.platform.models import User

REFERENCES = {"owner_id": "owner", "team_id": "team"}


def create_lead(*, actor: User, data: dict[str, Any]) -> Lead:
    payload = inbound.parse(LeadIn, data)
    values = {REFERENCES.get(k, k): v for k, v in payload.dict().items() if v is not None}
    return lead_create(actor=actor, values=values)


LEAD = inbound.InboundKind("lead", _("Lead"), "customers.lead", create_lead)
