"""HTML forms of the service desk; the services do the real validation.

Files come in through ``UploadCap``: a request's upload handler that stops reading a file as
soon as it passes the size limit, so a 5 GB upload costs neither memory nor disk; the form then
names the file that was too large. What is kept is read once into ``NewFile`` for the service,
which refuses blocked types before anything is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform.errors import DomainError
from clientela.service.conversation import MAX_BODY, NewFile, max_attachment_bytes
from clientela.service.models import Priority, Status, TicketChannel

BLANK = [("", "—")]
Choices = list[tuple[Any, Any]]
# how an agent may have heard from the customer (mail, the portal and the API open their own)
AGENT_CHANNELS = ("phone", "email", "chat", "manual")
# what a reply may do to the ticket after it is sent
REPLY_STATUSES = [
    ("", gettext_lazy("Leave as it is")),
    (Status.PENDING.value, Status.PENDING.label),
    (Status.RESOLVED.value, Status.RESOLVED.label),
]


class UploadCap(FileUploadHandler):
    """Skips a file once more than ``limit`` bytes of it arrived, remembering its name."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large: list[str] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.too_large.append(self.file_name or "")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler keeps the file


def cap_uploads(request: HttpRequest) -> UploadCap:
    """Put the cap in front of Django's handlers; call it before the request's body is read."""
    cap = UploadCap(request, max_attachment_bytes())
    request.upload_handlers.insert(0, cap)
    return cap


def too_large_text(name: str) -> str:
    limit = max_attachment_bytes()
    size = f"{limit / (1024 * 1024):.3g}"
    return _("“%(name)s” is larger than %(size)s MB.") % {"name": name, "size": size}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Any number of files under one name (``<input type=file multiple>``)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        one = super().clean
        return [one(item, initial) for item in items if item]


class ServiceForm(forms.Form):
    def apply(self, exc: DomainError, errors: dict[str, list[str]] | None = None) -> None:
        """The service's refusal on the inputs it names (``errors``: those left of it), the
        rest above the form; a refusal naming no input shows its message."""
        for key, texts in (exc.errors if errors is None else errors).items():
            name = key.split(".")[0]
            for text in texts:
                self.add_error(name if name in self.fields else None, text)
        if not exc.errors:
            self.add_error(None, str(exc.message))


def _link(label: Any, *, required: bool = False, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, required=required, coerce=int, empty_value=None, help_text=help_text
    )


def _text(label: Any, *, required: bool, rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_BODY,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class TicketForm(ServiceForm):
    """A ticket an agent opens: a phone call, a chat, someone at the counter."""

    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(c, TicketChannel(c).label) for c in AGENT_CHANNELS],
        initial="phone",
    )
    queue = forms.TypedChoiceField(label=gettext_lazy("Queue"), coerce=int)
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"), choices=Priority.choices, initial="normal"
    )
    category = _link(gettext_lazy("Category"))
    contact = _link(gettext_lazy("Contact"))
    account = _link(gettext_lazy("Account"))
    asset = _link(
        gettext_lazy("Asset"),
        help_text=gettext_lazy("Its warranty or a contract may cover the work."),
    )
    contract = _link(
        gettext_lazy("Contract"),
        help_text=gettext_lazy("Empty: the contract that covers the ticket, if exactly one does."),
    )
    requester_email = forms.EmailField(
        label=gettext_lazy("Requester e-mail"),
        required=False,
        help_text=gettext_lazy("Where replies go. Empty: the contact's e-mail."),
    )
    message = _text(gettext_lazy("What the customer said"), required=False)

    def __init__(
        self,
        *args: Any,
        queue_choices: Choices,
        category_choices: Choices,
        contact_choices: Choices,
        account_choices: Choices,
        actor: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = queue_choices  # type: ignore[attr-defined]
        self.fields["category"].choices = [*BLANK, *category_choices]  # type: ignore[attr-defined]
        self.fields["contact"].choices = [*BLANK, *contact_choices]  # type: ignore[attr-defined]
        self.fields["account"].choices = [*BLANK, *account_choices]  # type: ignore[attr-defined]
        self._coverage_choices(actor, {pk for pk, _name in account_choices})

    def _coverage_choices(self, actor: Any, accounts: set[int]) -> None:
        """The chosen account's assets and contracts; choosing another account reloads them
        (htmx, ``service_assets:ticket_choices``)."""
        from django.urls import reverse

        from clientela.service.forms_assets import asset_choices, contract_choices

        raw = str(self.data.get("account") if self.is_bound else self.initial.get("account"))
        account = int(raw) if raw.isdigit() and int(raw) in accounts else None
        assets = asset_choices(actor, account) if actor is not None else []
        contracts = contract_choices(actor, account) if actor is not None else []
        self.fields["asset"].choices = [*BLANK, *assets]  # type: ignore[attr-defined]
        self.fields["contract"].choices = [*BLANK, *contracts]  # type: ignore[attr-defined]
        self.fields["account"].widget.attrs.update(
            {
                "hx-get": reverse("service_assets:ticket_choices"),
                "hx-trigger": "change",
                "hx-swap": "none",
            }
        )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {k: v for k, v in data.items() if k != "message" and v not in (None, "")}


class TicketEditForm(ServiceForm):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), choices=Priority.choices)
    queue = forms.TypedChoiceField(label=gettext_lazy("Queue"), coerce=int)
    category = _link(gettext_lazy("Category"))

    def __init__(
        self, *args: Any, queue_choices: Choices, category_choices: Choices, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = queue_choices  # type: ignore[attr-defined]
        self.fields["category"].choices = [*BLANK, *category_choices]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """Only what changed: two agents changing different fields both keep their change."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class MessageForm(ServiceForm):
    """A reply or an internal note, with its files."""

    body = _text(gettext_lazy("Message"), required=True)
    attachments = FilesField(
        label=gettext_lazy("Attach files"), required=False, allow_empty_file=True
    )

    def __init__(self, *args: Any, too_large: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large or []

    def clean_attachments(self) -> list[UploadedFile]:
        if self.too_large:
            raise forms.ValidationError([too_large_text(name) for name in self.too_large])
        return list(self.cleaned_data.get("attachments") or [])

    def files_for_service(self) -> list[NewFile]:
        return [
            NewFile(
                item.name or "attachment",
                item.content_type or "application/octet-stream",
                b"".join(item.chunks()),
            )
            for item in self.cleaned_data.get("attachments") or []
        ]


class ReplyForm(MessageForm):
    body = _text(gettext_lazy("Reply to the customer"), required=True, rows=6)
    status = forms.ChoiceField(
        label=gettext_lazy("And set the status to"), choices=REPLY_STATUSES, required=False
    )


class NoteForm(MessageForm):
    body = _text(gettext_lazy("Internal note"), required=True, rows=3)
    prefix = "note"


class TicketNumberForm(ServiceForm):
    """Another ticket, by its number (``123`` or ``#123``)."""

    ticket = forms.CharField(label=gettext_lazy("Ticket number"), max_length=20)

    def clean_ticket(self) -> int:
        text = self.cleaned_data["ticket"].strip().lstrip("#")
        if not (text.isascii() and text.isdigit()) or len(text) > 15:
            raise forms.ValidationError(_("Enter a ticket number, e.g. 123."))
        return int(text)


class RatingForm(ServiceForm):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with our answer?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
