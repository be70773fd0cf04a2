"""The service desk's pages: the queue, tickets and their actions, attachment downloads."""

from django.urls import path

from clientela.service import views, views_split, views_tickets

app_name = "service"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/new/", views.ticket_create, name="ticket_create"),
    path("tickets/<int:ticket_id>/", views_tickets.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views_tickets.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/note/", views_tickets.ticket_note, name="ticket_note"),
    path("tickets/<int:ticket_id>/status/", views_tickets.ticket_status, name="ticket_status"),
    path("tickets/<int:ticket_id>/assign/", views_tickets.ticket_assign, name="ticket_assign"),
    path("tickets/<int:ticket_id>/edit/", views_tickets.ticket_edit, name="ticket_edit"),
    path("tickets/<int:ticket_id>/merge/", views_tickets.ticket_merge, name="ticket_merge"),
    path("tickets/<int:ticket_id>/split/", views_split.ticket_split, name="ticket_split"),
    path("tickets/<int:ticket_id>/related/", views_tickets.ticket_link, name="ticket_link"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
