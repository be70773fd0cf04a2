"""Accounts and contacts: the first business records (the customers issue grows them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.platform.models import OwnedModel


class Account(OwnedModel):
    name = models.CharField(_("name"), max_length=200)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BR")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"]), models.Index(fields=["team", "owner"])]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name


class Contact(OwnedModel):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"]),
            models.Index(fields=["team", "owner"]),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
