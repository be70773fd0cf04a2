"""Domain errors: services raise them; the API turns them into problem+json, views into forms."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal with a stable ``code`` that clients can rely on and a translated message."""

    status = 400
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(
        self, message: object = None, *, code: str | None = None, errors: dict | None = None
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.errors: dict[str, list[str]] = errors or {}
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Also raised for records the actor may not see, so their ids do not leak."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    default_message = _("Some fields are not valid.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("The record changed or is in use; reload and try again.")


def not_found_on[T](field: str, write: Callable[[], T]) -> T:
    """Run ``write``; a bare "not found" it raises is put on ``field``, so a bulk answer names
    the item's field that pointed out of the actor's sight (``items.3.contact_id``)."""
    try:
        return write()
    except NotFound as exc:
        if exc.errors:
            raise
        raise NotFound(exc.message, errors={field: [str(exc.message)]}) from None


# What a page shows on its form; NotFound and PermissionDenied become the 404 and 403 pages.
FORM_ERRORS = (ValidationFailed, Conflict)
