"""ERP bridge: a Clientela plugin that delivers records to a back-office ERP as JSON.

What it registers (see README.md):

1. the rule action ``erp_bridge.send`` ("Send to the ERP"): a rule sends the record it fired
   on; a failed delivery raises, so the rules engine tries the step again;
2. subscriptions to ``sales.order.confirmed`` (confirmed orders) and
   ``customers.account.created`` / ``customers.account.updated`` (customer master data);
   ``CLIENTELA_ERP_EVENTS`` chooses which of them are sent.

Nothing runs until an administrator switches the plugin on (Settings → Plugins).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from clientela.platform.plugins import Plugin, PluginContext
from clientela.platform.rules.registry import ActionCall, ActionType
from clientela_erp_bridge.i18n import gettext as _
from clientela_erp_bridge.i18n import gettext_lazy

__version__ = "0.1.0"
NAME = "erp_bridge"
ACTION = "erp_bridge.send"


class SendParams(BaseModel):
    """The action takes no settings: what is sent is the record, where is the configuration."""

    model_config = ConfigDict(extra="forbid")


def send(call: ActionCall) -> dict[str, Any]:
    from clientela_erp_bridge.delivery import DeliveryFailed, deliver
    from clientela_erp_bridge.documents import build

    if call.record is None:
        raise DeliveryFailed(f"{call.object_type}: the record is gone")
    document = build(call.object_type, call.record, event="rule", rule_id=call.rule.pk)
    return deliver(document)


def describe(call: ActionCall) -> str:
    from clientela_erp_bridge.config import config

    where = ", ".join(config().targets) or _("not configured")
    record = str(call.record) if call.record is not None else call.object_type
    return _("Send %(record)s to the ERP (%(where)s)") % {"record": record, "where": where}


def setup(context: PluginContext) -> None:
    from clientela_erp_bridge.config import DEFAULT_EVENTS
    from clientela_erp_bridge.documents import SCHEMAS
    from clientela_erp_bridge.tasks import on_event

    context.add_rule_action(
        ActionType(
            key=ACTION,
            label=gettext_lazy("Send to the ERP"),
            params=SendParams,
            run=send,
            describe=describe,
            object_types=tuple(SCHEMAS),
        )
    )
    for event_name in DEFAULT_EVENTS:
        context.subscribe(event_name, on_event)


plugin = Plugin(
    name=NAME,
    setup=setup,
    label=gettext_lazy("ERP bridge"),
    description=gettext_lazy(
        "Sends confirmed orders and customer master data to your ERP as JSON documents, "
        "by signed HTTP POST or into a drop folder."
    ),
    version=__version__,
)
