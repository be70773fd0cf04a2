"""The demo's knowledge base: about 30 articles and FAQs in English and Brazilian Portuguese in
five categories, most published, a few drafts, one archived, one edited twice (so it has a
history), readers' "was this helpful?" answers, and a draft FAQ made from an answered ticket.

Everything goes through ``knowledge``'s services, audited like an administrator's clicks.
Deterministic: a seed gives the same feedback.
"""

from __future__ import annotations

import random
from typing import Any

from clientela.platform.errors import DomainError
from clientela.platform.models import User
from clientela.service import knowledge
from clientela.service.models import Kind, Ticket
from clientela.service.models_kb import Article

CATEGORIES = ("Billing", "Hardware", "Access and accounts", "Orders and delivery", "Integrations")
READER_ROLES = ("service-agent", "contact-center-agent", "read-only")

# (category, kind, language, audience, status, title, summary, body, tags)
Spec = tuple[str, str, str, str, str, str, str, str, list[str]]
# fmt: off
ARTICLES: tuple[Spec, ...] = (
    ("Hardware", "article", "en", "public", "published", "How to connect a printer",
     "USB or Wi-Fi, in five minutes.",
     "Plug the printer in and switch it on.\n\nFor USB, connect the cable and wait for the "
     "system to install the driver. For Wi-Fi, hold the Wi-Fi button for three seconds and "
     "choose the printer in Settings > Printers.", ["printer", "wifi", "usb"]),
    ("Hardware", "article", "en", "public", "published", "Clearing a paper jam",
     "Without tearing the sheet.",
     "Switch the printer off. Open the front tray and pull the sheet slowly with both hands."
     "\n\nIf it tears, open the rear door and remove the pieces.", ["printer", "jam"]),
    ("Hardware", "faq", "en", "public", "published", "Why does my card machine not turn on?",
     "", "Charge it for at least one hour with the original cable. If the light stays off, "
     "hold the power button for 15 seconds to restart it.", ["card machine", "battery"]),
    ("Hardware", "article", "en", "internal", "published", "Replacing a faulty terminal",
     "Second-level procedure.",
     "Check the warranty on the ticket's asset first. Covered: open an RMA and ship a "
     "replacement the same day. Not covered: quote the repair before shipping.", ["rma"]),
    ("Billing", "faq", "en", "public", "published", "How do I get a copy of my invoice?", "",
     "Go to Billing > Invoices, choose the month and click Download PDF.", ["invoice", "pdf"]),
    ("Billing", "faq", "en", "public", "published", "Can I change my payment date?", "",
     "Yes, once per year. Write to billing with the new day (5, 10, 15 or 20).", ["payment"]),
    ("Billing", "article", "en", "internal", "published", "Issuing a refund",
     "Who approves and how long it takes.",
     "Refunds up to 500 are approved by the agent; above that by the billing lead. The money "
     "is back within 7 business days.", ["refund"]),
    ("Access and accounts", "faq", "en", "public", "published", "I forgot my password", "",
     "Click Forgot password on the sign-in page; the link we e-mail is valid for one hour.",
     ["password", "login"]),
    ("Access and accounts", "article", "en", "public", "published",
     "Turning on two-factor authentication", "An authenticator app on your phone.",
     "Open Profile > Security, scan the QR code with the app and type the six digits it shows."
     "\n\nKeep the recovery codes somewhere safe.", ["2fa", "security"]),
    ("Orders and delivery", "faq", "en", "public", "published", "Where is my order?", "",
     "The tracking link is in the shipping e-mail. Orders leave within two business days.",
     ["tracking", "delivery"]),
    ("Orders and delivery", "article", "en", "public", "published", "Returning a product",
     "Thirty days, free of charge.",
     "Request the return from Orders > Return. Pack the product with its accessories; the "
     "courier collects it within three days.", ["return"]),
    ("Integrations", "article", "en", "internal", "published", "Connecting the ERP bridge",
     "For administrators.", "Settings > Plugins > ERP bridge: paste the API key and choose "
     "which orders to send.", ["erp", "api"]),
    ("Integrations", "article", "en", "public", "draft", "Using the REST API",
     "Tokens and limits.", "Create a personal token in your profile and send it as a Bearer "
     "token. Requests are limited to 60 per minute.", ["api", "token"]),
    ("Hardware", "faq", "pt-br", "public", "published", "Como configurar a impressora?", "",
     "Ligue a impressora, segure o botão Wi-Fi por três segundos e escolha a impressora em "
     "Configurações > Impressoras.", ["impressora", "wifi"]),
    ("Hardware", "article", "pt-br", "public", "published", "Como tirar papel preso",
     "Sem rasgar a folha.", "Desligue a impressora. Abra a bandeja da frente e puxe a folha "
     "devagar, com as duas mãos.\n\nSe rasgar, abra a porta traseira e retire os pedaços.",
     ["impressora", "papel"]),
    ("Hardware", "faq", "pt-br", "public", "published", "A maquininha de cartão não liga",
     "", "Carregue por pelo menos uma hora com o cabo original. Se a luz continuar apagada, "
     "segure o botão de ligar por 15 segundos.", ["maquininha", "bateria"]),
    ("Hardware", "article", "pt-br", "internal", "published", "Troca de terminal com defeito",
     "Procedimento de segundo nível.", "Confira a garantia do equipamento no chamado. Coberto: "
     "abra uma RMA e envie a troca no mesmo dia. Sem cobertura: orce o conserto antes.",
     ["rma", "garantia"]),
    ("Billing", "faq", "pt-br", "public", "published", "Como emitir a segunda via do boleto?",
     "", "Acesse Financeiro > Boletos, escolha o mês e clique em 2ª via.", ["boleto"]),
    ("Billing", "faq", "pt-br", "public", "published", "Posso mudar a data de vencimento?", "",
     "Sim, uma vez por ano. Escreva para o financeiro com o novo dia (5, 10, 15 ou 20).",
     ["vencimento", "pagamento"]),
    ("Billing", "article", "pt-br", "internal", "published", "Como fazer um reembolso",
     "Quem aprova e em quanto tempo.", "Reembolsos de até 500 são aprovados pelo atendente; "
     "acima disso, pelo líder do financeiro. O dinheiro volta em até 7 dias úteis.",
     ["reembolso"]),
    ("Billing", "article", "pt-br", "public", "published", "Nota fiscal eletrônica",
     "Onde encontrar a NF-e.", "A nota fiscal é enviada por e-mail no faturamento e fica em "
     "Financeiro > Notas fiscais.", ["nota fiscal", "nfe"]),
    ("Access and accounts", "faq", "pt-br", "public", "published", "Esqueci minha senha", "",
     "Clique em Esqueci minha senha na tela de entrada; o link enviado vale por uma hora.",
     ["senha", "login"]),
    ("Access and accounts", "article", "pt-br", "public", "published",
     "Configuração da autenticação em dois fatores", "Um aplicativo autenticador no celular.",
     "Abra Perfil > Segurança, leia o QR code com o aplicativo e digite os seis números.",
     ["2fa", "segurança"]),
    ("Orders and delivery", "faq", "pt-br", "public", "published", "Onde está meu pedido?", "",
     "O link de rastreamento está no e-mail de envio. Os pedidos saem em até dois dias úteis.",
     ["rastreamento", "entrega"]),
    ("Orders and delivery", "article", "pt-br", "public", "published", "Devolução de produto",
     "Trinta dias, sem custo.", "Peça a devolução em Pedidos > Devolver. Embale o produto com "
     "os acessórios; a transportadora retira em até três dias.", ["devolução", "troca"]),
    ("Orders and delivery", "faq", "pt-br", "public", "archived", "Frete grátis no Natal", "",
     "Campanha encerrada: o frete grátis valeu até 24 de dezembro.", ["frete"]),
    ("Integrations", "article", "pt-br", "internal", "published", "Integração com o ERP",
     "Para administradores.", "Configurações > Plugins > ERP: cole a chave da API e escolha "
     "quais pedidos enviar.", ["erp", "integração"]),
    ("Integrations", "faq", "pt-br", "public", "draft", "Vocês têm API?", "",
     "Sim. Crie um token pessoal no seu perfil e envie-o como Bearer token.", ["api"]),
)
# fmt: on
# the article edited twice, so its history has two earlier versions
EDITS = (
    "Plug the printer in and switch it on. For USB, connect the cable. For Wi-Fi, use the "
    "Wi-Fi button.",
    "Plug the printer in and switch it on.\n\nFor USB, connect the cable and wait for the "
    "driver. For Wi-Fi, hold the Wi-Fi button for three seconds.",
)


def _categories(admin: User) -> dict[str, Any]:
    return {
        name: knowledge.category_save(actor=admin, values={"name": name, "position": n})
        for n, name in enumerate(CATEGORIES)
    }


def _write(admin: User, spec: Spec, categories: dict[str, Any]) -> Article:
    category, kind, language, audience, status, title, summary, body, tags = spec
    values = {
        "kind": kind,
        "title": title,
        "summary": summary,
        "body": EDITS[0] if title == ARTICLES[0][5] else body,
        "category": categories[category].pk,
        "tags": tags,
        "audience": audience,
        "language": language,
    }
    first_status = "published" if status == "archived" else status
    article = knowledge.article_create(actor=admin, values=values, status=first_status)
    if title == ARTICLES[0][5]:
        for text in (*EDITS[1:], body):
            knowledge.article_update(actor=admin, article_id=article.pk, values={"body": text})
    if status == "archived":
        knowledge.article_set_status(actor=admin, article_id=article.pk, status="archived")
        article.refresh_from_db()
    return article


def _feedback(articles: list[Article], readers: list[User], rng: random.Random) -> None:
    for article in articles:
        if article.status != "published":
            continue
        for reader in rng.sample(readers, k=min(len(readers), rng.randint(0, 4))):
            helpful = rng.random() < 0.75
            comment = "" if helpful or rng.random() < 0.5 else "Missing a screenshot."
            knowledge.article_feedback(
                actor=reader, article_id=article.pk, helpful=helpful, comment=comment
            )


def _faq_from_a_ticket(admin: User) -> None:
    answered = Ticket.objects.filter(messages__kind=Kind.REPLY, subject__gt="").order_by("-id")
    for ticket in answered.filter(messages__kind=Kind.CUSTOMER).distinct()[:1]:
        try:
            knowledge.faq_from_ticket(actor=admin, ticket_id=ticket.pk)
        except DomainError:
            return


def build_demo_kb(admin: User, seed: int) -> int:
    """The knowledge base for ``clientela demo`` (after the tickets, so one becomes a FAQ);
    returns how many articles."""
    if Article.objects.exists():  # ``demo --force``: the knowledge base is loaded once
        return Article.objects.count()
    rng = random.Random(seed * 79 + 3)
    categories = _categories(admin)
    articles = [_write(admin, spec, categories) for spec in ARTICLES]
    readers = list(
        User.objects.filter(is_active=True, role__slug__in=READER_ROLES).order_by("pk")[:12]
    )
    _feedback(articles, readers or [admin], rng)
    _faq_from_a_ticket(admin)
    return Article.objects.count()
