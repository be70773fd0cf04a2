"""Quotes made from a deal: numbered per year (``Q-2026-0007``), versioned, priced from the deal's
lines with an optional document discount, and printed to PDF in the quote's language with the
company's name, address and logo (and, for BRL quotes when the company has a PIX key, the PIX
"copia e cola" payload with its QR code).

Whoever may edit the deal may quote it. Each quote is noted in the deal's audit history.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import smtplib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import User
from clientela.sales import pix, pricing
from clientela.sales.models import (
    CompanyProfile,
    DocumentCounter,
    Opportunity,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from clientela.sales.services import pk_of

logger = logging.getLogger(__name__)
MAX_TERMS = 20000
MAX_VALID_DAYS = 5 * 366
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def company() -> CompanyProfile:
    """The company profile, made from the install's name the first time it is asked for."""
    found = CompanyProfile.objects.order_by("id").first()
    if found is None:
        found = CompanyProfile.objects.create(
            name=getattr(settings, "CLIENTELA_COMPANY", "Clientela")
        )
    return found


def next_number(kind: str, on: dt.date) -> str:
    """The next document number of ``kind`` ("Q", "SO") for the year of ``on``."""
    prefix = f"{kind}-{on.year}"
    with transaction.atomic():
        counter, _created = DocumentCounter.objects.select_for_update().get_or_create(prefix=prefix)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:04d}"


def _options(values: dict[str, Any], deal: Opportunity, actor: User) -> dict[str, Any]:
    allowed = {"valid_until", "terms", "discount_percent", "language"}
    errors = {k: [_("This field cannot be set here.")] for k in sorted(set(values) - allowed)}
    profile = company()
    today = timezone.localdate()
    valid = values.get("valid_until") or today + dt.timedelta(days=profile.quote_valid_days)
    if isinstance(valid, str):
        try:
            valid = dt.date.fromisoformat(valid.strip()[:10])
        except ValueError:
            valid = None
    if not isinstance(valid, dt.date) or valid < today:
        errors["valid_until"] = [_("Enter a date from today on.")]
    elif valid > today + dt.timedelta(days=MAX_VALID_DAYS):
        errors["valid_until"] = [_("A quote is valid for at most five years.")]
    terms = values.get("terms", profile.quote_terms)
    if not isinstance(terms, str) or len(terms) > MAX_TERMS:
        errors["terms"] = [_("Enter at most %(n)d characters.") % {"n": MAX_TERMS}]
    try:
        discount = Decimal(str(values.get("discount_percent", 0)).strip())
        if not discount.is_finite() or not 0 <= discount <= 100:
            raise ValueError(discount)
    except (ArithmeticError, ValueError):
        errors["discount_percent"] = [_("Enter a whole number from 0 to 100.")]
        discount = Decimal(0)
    language = values.get("language") or actor.language or settings.LANGUAGE_CODE
    if not isinstance(language, str) or language not in LANGUAGES:
        errors["language"] = [_("Choose one of the listed values.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "valid_until": valid,
        "terms": terms.strip(),
        "discount_percent": discount.quantize(Decimal("0.01")),
        "language": language,
    }


def _fill(quote: Quote, deal: Opportunity) -> None:
    """The quote's lines from the deal's, with the document discount, and its totals."""
    rows, amounts = [], []
    for line in deal.lines.select_related("product").order_by("position", "id"):
        figures = pricing.line_amounts(
            line.quantity,
            line.unit_price,
            discount_percent=line.discount_percent,
            document_discount=quote.discount_percent,
            tax_rate=line.tax_rate,
            tax_inclusive=line.tax_inclusive,
        )
        amounts.append(figures)
        rows.append(
            QuoteLine(
                quote=quote,
                position=line.position,
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit=line.product.unit if line.product else "",
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                tax_rate=line.tax_rate,
                tax_inclusive=line.tax_inclusive,
                net_amount=figures.net,
                tax_amount=figures.tax,
                total_amount=figures.total,
            )
        )
    if not rows:
        raise ValidationFailed(errors={"lines": [_("Add products or lines to the deal first.")]})
    QuoteLine.objects.bulk_create(rows)
    total = pricing.document_amounts(amounts)
    quote.net_amount, quote.tax_amount, quote.total_amount = total.net, total.tax, total.total
    quote.save(update_fields=["net_amount", "tax_amount", "total_amount"])


def quote_create(
    *, actor: User, opportunity_id: Any, values: dict[str, Any] | None = None
) -> Quote:
    """A new quote (version 1) from the deal's current lines."""
    deal = permissions.get_for_action(actor, Opportunity.objects.all(), opportunity_id, "edit")
    options = _options(values or {}, deal, actor)
    with transaction.atomic():
        quote = Quote.objects.create(
            opportunity=deal,
            number=next_number("Q", timezone.localdate()),
            currency=deal.currency,
            created_by=actor,
            **options,
        )
        _fill(quote, deal)
        _note(actor, deal, "", str(quote))
    return quote


def quote_revise(*, actor: User, quote_id: Any, values: dict[str, Any] | None = None) -> Quote:
    """The next version of a draft or sent quote, from the deal's lines as they are now; the
    old version stays, superseded."""
    current = _get(actor, quote_id, "edit")
    if current.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
        raise Conflict(_("Only a draft or sent quote can be revised."))
    deal = current.opportunity
    keep = {"terms": current.terms, "discount_percent": current.discount_percent}
    options = _options({**keep, "language": current.language, **(values or {})}, deal, actor)
    with transaction.atomic():
        latest = (
            Quote.objects.select_for_update().filter(number=current.number).order_by("-version")
        )
        newest = latest.first()
        if newest is None or newest.pk != current.pk:
            raise Conflict(_("A newer version of this quote exists."))
        Quote.objects.filter(pk=current.pk).update(status=QuoteStatus.SUPERSEDED, link_digest="")
        quote = Quote.objects.create(
            opportunity=deal,
            number=current.number,
            version=current.version + 1,
            currency=deal.currency,
            created_by=actor,
            **options,
        )
        _fill(quote, deal)
        _note(actor, deal, str(current), str(quote))
    return quote


def _get(actor: User, quote_id: Any, action: str) -> Quote:
    from clientela.platform.errors import NotFound

    pk = pk_of(quote_id)
    quote = (
        None if pk is None else Quote.objects.select_related("opportunity").filter(pk=pk).first()
    )
    if quote is None:
        raise NotFound()
    permissions.get_for_action(actor, Opportunity.objects.all(), quote.opportunity_id, action)
    return quote


def quote_get(actor: User, quote_id: Any) -> Quote:
    return _get(actor, quote_id, "view")


def _note(actor: User, deal: Opportunity, before: str, after: str) -> None:
    audit.record(actor=actor, action="update", obj=deal, changes={"quote": [before, after]})


def pix_payload(quote: Quote) -> str:
    """The PIX payload for a BRL quote's total, when the company has a PIX key; else ""."""
    profile = company()
    if quote.currency != "BRL" or not profile.pix_key or quote.total_amount <= 0:
        return ""
    try:
        return pix.brcode(
            key=profile.pix_key,
            name=profile.name,
            city=profile.city or "BRASIL",
            amount=quote.total_amount,
            txid=f"{quote.number}v{quote.version}",
        )
    except ValidationFailed:
        return ""


def qr_svg(payload: str) -> str:
    import segno

    return segno.make(payload, error="m").svg_data_uri(scale=4, border=2)


def quote_html(quote: Quote) -> str:
    """The quote as the PDF prints it, in the quote's language."""
    profile = company()
    payload = pix_payload(quote)
    logo = ""
    if profile.logo:
        logo = f"data:{profile.logo_type};base64,{base64.b64encode(bytes(profile.logo)).decode()}"
    with translation.override(quote.language):
        return render_to_string(
            "documents/quote.html",
            {
                "quote": quote,
                "lines": list(quote.lines.order_by("position", "id")),
                "deal": quote.opportunity,
                "account": quote.opportunity.account,
                "company": profile,
                "logo": logo,
                "pix_payload": payload,
                "pix_qr": qr_svg(payload) if payload else "",
            },
        )


def quote_pdf(quote: Quote) -> bytes:
    """The quote as a PDF. Images come only from data: URIs built here; nothing is fetched."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=2)
    return weasyprint.HTML(string=quote_html(quote), url_fetcher=fetcher).write_pdf()  # type: ignore[no-any-return]


# --- sending and the customer's decision ---------------------------------------------------

LINK_DAYS = 60  # a link never lives longer than this, whatever the validity date


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def recipient_for(actor: User, quote: Quote) -> str:
    """The address a quote goes to by default: the first contact on the deal, among those the
    actor may see, that has one ("" when none)."""
    from clientela.customers.models import Contact

    roles = quote.opportunity.contact_roles.order_by("id").values_list("contact_id", flat=True)
    visible = permissions.visible_to(actor, Contact.objects.filter(pk__in=list(roles)))
    emails = dict(visible.exclude(email="").values_list("pk", "email"))
    return next((emails[pk] for pk in roles if pk in emails), "")


def _recipient(actor: User, quote: Quote, to: str | None) -> str:
    if to is None:
        to = recipient_for(actor, quote)
    to = to.strip() if isinstance(to, str) else ""
    try:
        validate_email(to)
    except DjangoValidationError:
        raise ValidationFailed(
            errors={
                "to": [_("Enter the customer's e-mail address (no contact on the deal has one).")]
            }
        ) from None
    if "\n" in to or "\r" in to:
        raise ValidationFailed(errors={"to": [_("Enter a valid e-mail address.")]})
    return to


def quote_send(
    *, actor: User, quote_id: Any, base_url: str, to: str | None = None, message: str = ""
) -> Quote:
    """E-mail the quote's PDF with a link where the customer accepts or declines it (a secret
    that only its digest is kept of, valid until the quote's end and never beyond 60 days)."""
    quote = _get(actor, quote_id, "edit")
    if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
        raise Conflict(_("Only a draft or sent quote can be sent."))
    address = _recipient(actor, quote, to)
    if not isinstance(message, str) or len(message) > 5000:
        raise ValidationFailed(
            errors={"message": [_("Enter at most %(n)d characters.") % {"n": 5000}]}
        )
    token = secrets.token_urlsafe(32)
    zone = timezone.get_current_timezone()
    end_of_validity = dt.datetime.combine(quote.valid_until + dt.timedelta(days=1), dt.time(), zone)
    expires = min(end_of_validity, timezone.now() + dt.timedelta(days=LINK_DAYS))
    link = base_url.rstrip("/") + reverse("quote_public", args=[quote.pk, token])
    profile = company()
    with translation.override(quote.language):
        subject = _("Quote %(number)s from %(company)s") % {
            "number": quote.number,
            "company": profile.name,
        }
        body = render_to_string(
            "documents/quote_email.txt",
            {"quote": quote, "company": profile, "link": link, "message": message.strip()},
        )
    email = EmailMessage(subject=subject.replace("\n", " ")[:200], body=body, to=[address])
    email.attach(f"{quote.number}-v{quote.version}.pdf", quote_pdf(quote), "application/pdf")
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused:
        logger.warning("quote %s: the mail server refused %s", quote.pk, address, exc_info=True)
        raise Conflict(_("The mail server refused the address %(to)s.") % {"to": address}) from None
    except (OSError, smtplib.SMTPException):
        logger.warning("quote %s: the mail server did not take it", quote.pk, exc_info=True)
        raise Conflict(
            _("The mail server did not take the message; try again later or check its settings.")
        ) from None
    with transaction.atomic():
        # only if no revision replaced it while the mail went out: its link must not live
        sent = Quote.objects.filter(
            pk=quote.pk, status__in=(QuoteStatus.DRAFT, QuoteStatus.SENT)
        ).update(
            status=QuoteStatus.SENT,
            sent_at=timezone.now(),
            link_digest=_digest(token),
            link_expires=expires,
        )
        if not sent:
            raise Conflict(_("The quote was replaced while it was being sent; send the new one."))
        _note(
            actor,
            quote.opportunity,
            "",
            _("%(quote)s sent to %(to)s") % {"quote": quote, "to": address},
        )
    quote.refresh_from_db()
    return quote


def quote_by_link(quote_id: Any, token: str) -> Quote:
    """The quote a customer's link names, if the secret matches and has not expired."""
    from clientela.platform.errors import NotFound

    pk = pk_of(quote_id)
    if pk is None or not token:
        raise NotFound()
    quote = Quote.objects.select_related("opportunity__account").filter(pk=pk).first()
    if quote is None or not quote.link_digest:
        raise NotFound()
    if not hmac.compare_digest(quote.link_digest, _digest(token[:200])):
        raise NotFound()
    if quote.link_expires is None or quote.link_expires < timezone.now():
        raise Conflict(_("This link has expired; ask for a new quote."))
    return quote


def quote_decide(*, quote_id: Any, token: str, accept: bool, note: str = "") -> Quote:
    """The customer's answer through the link: accepting makes the sales order and moves the
    deal to won, in one transaction; the deal's owner is recorded as acting for them."""
    from clientela.platform.context import use_channel
    from clientela.sales.orders import order_from_quote

    quote = quote_by_link(quote_id, token)
    if not isinstance(note, str) or len(note) > 500:
        raise ValidationFailed(errors={"note": [_("Enter at most %(n)d characters.") % {"n": 500}]})
    with transaction.atomic(), use_channel("system"):
        locked = Quote.objects.select_for_update().select_related("opportunity").get(pk=quote.pk)
        if locked.status != QuoteStatus.SENT:
            raise Conflict(_("This quote has already been answered or replaced."))
        locked.status = QuoteStatus.ACCEPTED if accept else QuoteStatus.DECLINED
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save(update_fields=["status", "decided_at", "decision_note"])
        owner = locked.opportunity.owner
        verb = _("accepted") if accept else _("declined")
        _note(owner, locked.opportunity, str(locked), f"{locked} {verb}")
        if accept:
            order_from_quote(actor=owner, quote=locked)
    return locked
