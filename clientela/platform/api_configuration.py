"""API for the configuration document: export it, check it, install it (all or nothing)."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.http import AuthedRequest
from clientela.platform.services import configuration
from clientela.platform.services.customfields import KEY

router = Router(tags=["configuration"])


class InstallOut(Schema):
    created: list[str] = Field(description="Fields added, as <record type>.<key>.")
    updated: list[str] = Field(description="Existing fields brought in line with the document.")
    unchanged: list[str]
    dry_run: bool = Field(description="True when nothing was written (a check).")


class InstallIn(Schema):
    document: dict[str, Any] = Field(
        description=(
            "A configuration document: {format: clientela-configuration, version: 1, "
            "custom_fields: {<record type>: [{key, label, type, …}]}}, as GET /configuration "
            "answers it."
        )
    )
    dry_run: bool = Field(default=False, description="Check and report only.")


class VerticalOut(Schema):
    slug: str
    name: str
    description: str


@router.get("/configuration", response=dict[str, Any], summary="The configuration document")
def export_configuration(request: AuthedRequest):
    return configuration.configuration_export(actor=request.user)


@router.post(
    "/configuration/install",
    response=InstallOut,
    summary="Install a configuration document (all or nothing)",
)
def install_configuration(request: AuthedRequest, payload: InstallIn):
    report = configuration.configuration_install(
        actor=request.user, document=payload.document, dry_run=payload.dry_run
    )
    return report.as_dict()


@router.get(
    "/configuration/templates",
    response=list[VerticalOut],
    summary="Templates shipped with Clientela",
)
def list_templates(request: AuthedRequest):
    permissions.require(request.user, KEY, "view")
    return [v.__dict__ for v in configuration.verticals()]


@router.post(
    "/configuration/templates/{slug}/install",
    response=InstallOut,
    summary="Install a shipped template (all or nothing)",
)
def install_template(request: AuthedRequest, slug: str, dry_run: bool = False):
    document = configuration.vertical_document(slug)
    report = configuration.configuration_install(
        actor=request.user, document=document, dry_run=dry_run
    )
    return report.as_dict()
