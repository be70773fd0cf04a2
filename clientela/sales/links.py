"""Where sales plugs into the customers app's registries, so customers never imports sales:

- merges: a merged account's deals, and a merged contact's roles on deals, move to the survivor
  (and back on undo); an account with deals is protected from deletion, so a merge that left
  them behind would fail;
- a person's data export lists the deals they have a role on (erasure keeps those rows: a role
  holds no personal data beyond the link, which goes with the anonymised contact);
- lead conversion can also open a deal ("opportunity" in the conversion's ``extras``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.merge import Note, Relinker, fk_relinker, register_relinker
from clientela.customers.models import Account, Contact, Lead
from clientela.customers.privacy import PersonalDataProvider, register_personal_data
from clientela.customers.services.leads import ExtraField, ExtraForm, register_conversion_extra
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.sales.models import ContactRole, Opportunity, OpportunityContact, SalesOrder

CONVERSION_OPTIONS = ("name", "amount", "currency", "expected_close_date", "pipeline", "stage")


def _roles_relinker() -> Relinker:
    """The merged contact's roles move to the survivor, except on deals where the survivor
    already has one (unique pair): that role is deleted, and recreated on undo."""

    def apply(survivor_id: int, merged_id: int) -> Note:
        rows = OpportunityContact.objects.filter(contact_id=merged_id)
        taken = set(
            OpportunityContact.objects.filter(contact_id=survivor_id).values_list(
                "opportunity_id", flat=True
            )
        )
        clashing = [r for r in rows if r.opportunity_id in taken]
        deleted = [[r.pk, r.opportunity_id, r.role] for r in clashing]
        OpportunityContact.objects.filter(pk__in=[r.pk for r in clashing]).delete()
        moved = list(rows.values_list("pk", flat=True))
        OpportunityContact.objects.filter(pk__in=moved).update(contact_id=survivor_id)
        return {"ids": moved, "deleted": deleted}

    def undo(survivor_id: int, merged_id: int, note: Note) -> None:
        OpportunityContact.objects.filter(pk__in=note["ids"]).update(contact_id=merged_id)
        OpportunityContact.objects.bulk_create(
            OpportunityContact(pk=pk, opportunity_id=deal, contact_id=merged_id, role=role)
            for pk, deal, role in note["deleted"]
        )

    return Relinker("opportunity roles", apply, undo)


def _deals_of(contact: Contact) -> list[dict[str, Any]]:
    roles = OpportunityContact.objects.filter(contact=contact).select_related("opportunity__stage")
    return [
        {
            "opportunity_id": r.opportunity_id,
            "opportunity": r.opportunity.name,
            "stage": r.opportunity.stage.name,
            "role": r.role,
        }
        for r in roles.order_by("id")
    ]


def convert_to_opportunity(
    *, actor: User, lead: Lead, account: Account | None, contact: Contact, options: dict[str, Any]
) -> dict[str, Any]:
    """The conversion's "opportunity" part: a deal for the new (or linked) account, with the
    contact as decision maker and the lead's source, inside the conversion's transaction."""
    from clientela.sales.services import opportunity_create

    unknown = sorted(set(options) - set(CONVERSION_OPTIONS))
    if unknown:
        message = _("This field cannot be set here.")
        raise ValidationFailed(errors={f"extras.opportunity.{k}": [message] for k in unknown})
    values = {
        "name": options.get("name") or lead.company or str(account or contact),
        **{k: v for k, v in options.items() if k != "name"},
        "account": account,
        "lead": lead,
        "lead_source": lead.source,
        "contacts": [{"contact": contact.pk, "role": ContactRole.DECISION_MAKER}],
    }
    try:
        deal = opportunity_create(actor=actor, values=values)
    except ValidationFailed as exc:
        errors = {f"extras.opportunity.{k}": v for k, v in exc.errors.items()}
        raise ValidationFailed(errors=errors) from None
    return {"opportunity_id": deal.pk}


def register() -> None:
    register_relinker("customers.account", fk_relinker("opportunities", Opportunity, "account"))
    register_relinker("customers.account", fk_relinker("sales orders", SalesOrder, "account"))
    register_relinker("customers.contact", _roles_relinker())
    register_personal_data(PersonalDataProvider("opportunities", _deals_of))
    register_conversion_extra(
        "opportunity",
        convert_to_opportunity,
        ExtraForm(
            gettext_lazy("Also open an opportunity"),
            (
                ExtraField("name", gettext_lazy("Opportunity name")),
                ExtraField("amount", gettext_lazy("Amount"), "decimal"),
                ExtraField("currency", gettext_lazy("Currency")),
                ExtraField("expected_close_date", gettext_lazy("Expected close date"), "date"),
            ),
        ),
    )
