"""The split page: pick the messages about another matter and give it a subject."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform.errors import FORM_ERRORS
from clientela.platform.http import AuthedRequest
from clientela.service import selectors, split
from clientela.service.forms import ServiceForm
from clientela.service.models import Kind, Ticket


class SplitForm(ServiceForm):
    subject = forms.CharField(label=gettext_lazy("Subject of the new ticket"), max_length=500)
    messages = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Messages to move"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, ticket: Ticket, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        movable = ticket.messages.exclude(kind=Kind.SYSTEM).select_related("author", "contact")
        self.fields["messages"].choices = [(m.pk, m) for m in movable]  # type: ignore[attr-defined]


def ticket_split(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, ticket_id)
    data = request.POST if request.method == "POST" else None
    form = SplitForm(data, ticket=ticket, initial={"subject": ticket.subject})
    if form.is_valid():
        try:
            new = split.ticket_split(
                actor=request.user,
                ticket_id=ticket.pk,
                message_ids=form.cleaned_data["messages"],
                subject=form.cleaned_data["subject"],
            )
        except FORM_ERRORS as exc:
            form.apply(exc)
        else:
            text = _("These messages were moved here from ticket #%(number)s.")
            messages.success(request, text % {"number": ticket.pk})
            return redirect(new.get_absolute_url())
    return render(request, "service/split.html", {"ticket": ticket, "form": form})
