"""Service's background work: sending mail, polling mailboxes, sweeping the SLA clocks."""

from __future__ import annotations

from django.tasks import task

from clientela.platform.scheduler import periodic


@task()
def send_message(message_id: int) -> str:
    from clientela.service.outbound import deliver

    return deliver(message_id)


@task()
def send_acknowledgement(ticket_id: int, in_reply_to: str) -> None:
    from clientela.service.models import Ticket
    from clientela.service.outbound import acknowledge

    ticket = Ticket.objects.select_related("queue", "contact").filter(pk=ticket_id).first()
    if ticket is not None and ticket.requester_email:
        acknowledge(ticket, in_reply_to)


@task()
def send_satisfaction(ticket_id: int) -> None:
    from clientela.service.outbound import send_satisfaction_request

    send_satisfaction_request(ticket_id)


@periodic("service.poll-mailboxes", "* * * * *")
@task()
def poll_mailboxes() -> dict[str, int]:
    from clientela.service.mailboxes import poll_all

    return poll_all()


@periodic("service.sla-sweep", "* * * * *")
@task()
def sla_sweep() -> dict[str, int]:
    from clientela.service.sweep import sweep

    return sweep()
