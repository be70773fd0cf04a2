"""API for plugins (administrators): what is installed and the switches (decision 0009).

A switch applies to every web and worker process within a few seconds, without a restart.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema
from pydantic import Field

from clientela.platform.http import AuthedRequest
from clientela.platform.services import plugins as services

router = Router(tags=["plugins"])


class ContributionOut(Schema):
    kind: str = Field(
        description="rule_action, subscription, channel_adapter, kpi, import_connector or "
        "dashboard_widget"
    )
    kind_label: str
    key: str = Field(description="The action's key, the event's name, or the service's key")
    label: str


class PluginOut(Schema):
    name: str = Field(description="The entry point's name in the group clientela.plugins")
    label: str
    version: str
    description: str
    distribution: str = Field(description="The installed package")
    installed: bool = Field(description="false: a switch left for a removed plugin")
    error: str = Field(description="Why it did not load; empty when it loaded")
    enabled: bool
    changed_by: str = Field(description="Who switched it last")
    changed_at: datetime | None
    contributions: list[ContributionOut] = Field(description="What it adds while enabled")


@router.get("/plugins", response=list[PluginOut], summary="Installed plugins")
def list_plugins(request: AuthedRequest):
    return services.plugin_list(request.user)


@router.post("/plugins/{name}/enable", response=PluginOut, summary="Switch a plugin on")
def enable_plugin(request: AuthedRequest, name: str):
    """409 when the plugin did not load (its error says why)."""
    return services.plugin_set_enabled(actor=request.user, name=name, enabled=True)


@router.post("/plugins/{name}/disable", response=PluginOut, summary="Switch a plugin off")
def disable_plugin(request: AuthedRequest, name: str):
    return services.plugin_set_enabled(actor=request.user, name=name, enabled=False)
