"""The plan of ``clientela demo``'s service tickets, without the database: who writes, when, about
what (the subject and message templates, in Portuguese or English) and how each conversation goes
(the desk's replies and questions, the customer's answers, transfers, notes, ratings, closing),
drawn so that about 88 % of first responses and 82 % of resolutions are on time.

``demo.py`` sets the desk up, builds each planned ticket with the services' own steps and writes
them; this module only decides. Deterministic: the same random stream gives the same plans.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from clientela.service import hours
from clientela.service.models import Status, TicketChannel

SUPPORT, BILLING = "Support", "Billing"
GOLD, STANDARD = "Gold customers", "Standard"
# priority -> (first response, resolution), in business minutes
TARGETS = {
    GOLD: {"urgent": (30, 240), "high": (60, 480), "normal": (240, 1440), "low": (480, 2880)},
    STANDARD: {"urgent": (60, 480), "high": (120, 960), "normal": (480, 2880), "low": (960, 5760)},
}
# the share of first responses, and of resolutions that took more than one reply, drawn on
# time (a resolution in the first reply nearly always is): ~88 % and ~82 % overall
ON_TIME = {GOLD: (0.93, 0.79), STANDARD: (0.875, 0.70)}
SPREAD = 0.9  # sigma of the log-normal durations
CATEGORIES = (
    ("Technical problem", 30),
    ("Product question", 20),
    ("Billing", 18),
    ("Delivery", 14),
    ("Account access", 10),
    ("Complaint", 8),
)
CHANNELS = (("email", 55), ("phone", 25), ("portal", 10), ("chat", 5), ("manual", 5))
PRIORITIES = (("urgent", 5), ("high", 20), ("normal", 60), ("low", 15))
# how a solved ticket went; the first two are first-contact resolutions (~65 %)
PATHS = (("one_reply", 40), ("two_replies", 25), ("questions", 25), ("transfer", 5), ("reopen", 5))
# a ticket still being worked waits for us, for the customer, or the customer has answered;
# after a few days mostly for the customer (the clock is paused), now and then for us (late)
WAITING = {
    True: (("us", 55), ("customer", 25), ("answered", 20)),
    False: (("us", 12), ("customer", 80), ("answered", 8)),
}
YOUNG_DAYS = 3
YEAR_DAYS = 365
RECENT_DAYS = 14  # most tickets this young are still being worked
STRAGGLER_DAYS = 45  # and a few older ones (a customer who never answered, a forgotten one)
DAY_WEIGHTS = (1.25, 1.15, 1.1, 1.05, 0.9, 0.3, 0.2)  # Monday first
HOLIDAY_WEIGHT = 0.35
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 12, 14, 16, 15, 13, 10, 7, 5, 4, 3, 2, 1)
CSAT_SHARE, CLOSED_SHARE, NOTE_SHARE = 0.40, 0.70, 0.20
CSAT_WEIGHTS = {True: (10, 10, 20, 35, 25), False: (4, 4, 8, 34, 50)}  # by "resolved late"


class Topic(NamedTuple):
    category: str
    subject: str
    message: str  # {n}: the order or invoice it is about
    fix: str  # the reply that solves it


# fmt: off
TOPICS = {lang: tuple(Topic(*row) for row in rows) for lang, rows in {
    "pt": (
        ("Billing", "Boleto com valor errado", "O boleto da fatura {n} veio acima do contrato.",
         "Corrigimos o valor conforme o contrato e enviamos um novo boleto."),
        ("Billing", "Nota fiscal não recebida", "Pagamos a fatura {n} e a nota fiscal não chegou.",
         "Reenviamos a nota ao e-mail do financeiro; ela também está no portal."),
        ("Billing", "Cobrança em dobro no cartão", "A mensalidade veio cobrada duas vezes.",
         "Confirmamos a duplicidade e pedimos o estorno à operadora."),
        ("Billing", "Alterar dados de faturamento", "Mudamos de endereço. Como atualizo a nota?",
         "Atualizamos o cadastro; as próximas notas sairão com o novo endereço."),
        ("Technical problem", "Sistema lento desde a atualização",
         "Desde ontem a tela de pedidos leva mais de um minuto para abrir.",
         "Faltava um índice depois da atualização; corrigido, as telas abrem em segundos."),
        ("Technical problem", "Erro ao emitir NF-e", "A NF-e dá \"Rejeição 539\" e não faturamos.",
         "A numeração estava fora de sincronia com a SEFAZ; ajustamos e as notas saem."),
        ("Technical problem", "Integração com a loja parou",
         "Os pedidos da loja virtual não entram desde sábado; o último foi o {n}.",
         "O token da integração expirou; geramos outro e reprocessamos os pedidos."),
        ("Technical problem", "Relatório exporta vazio", "O relatório de vendas sai em branco.",
         "Um filtro de datas zerava o relatório; corrigimos a exportação."),
        ("Delivery", "Pedido {n} atrasado", "O pedido {n} era para segunda e não chegou.",
         "O pedido saiu hoje da transportadora (rastreio BR{n}SP) e chega amanhã."),
        ("Delivery", "Produto chegou avariado", "Caixas do pedido {n} chegaram amassadas.",
         "Abrimos a troca sem custo; a coleta será em até dois dias úteis."),
        ("Delivery", "Mudar endereço de entrega", "Entreguem o pedido {n} no depósito, por favor.",
         "Alteramos o endereço de entrega do pedido para o depósito."),
        ("Account access", "Não consigo entrar", "A senha não é aceita; o e-mail não chega.",
         "Desbloqueamos o seu usuário e reenviamos o link de nova senha."),
        ("Account access", "Acesso para colaboradora", "Precisamos de um acesso de financeiro.",
         "Criamos o usuário com o perfil do financeiro; o convite foi enviado."),
        ("Account access", "Código não chega", "Troquei de celular e o código não chega.",
         "Removemos o aparelho antigo; cadastre o novo pelo QR code ao entrar."),
        ("Product question", "Profissional ou Empresarial?", "Qual a diferença entre os planos?",
         "O Empresarial inclui a API, mais usuários e suporte estendido; mandamos a tabela."),
        ("Product question", "Estoque por filial", "Dá para ver o relatório de estoque por filial?",
         "Sim: em Relatórios > Estoque, use o filtro \"Filial\". Mandamos um passo a passo."),
        ("Product question", "Limite de usuários", "Quantos usuários o contrato permite?",
         "O contrato permite 25 e vocês usam 23; enviamos uma proposta de licenças."),
        ("Complaint", "Chamado sem resposta", "Abri um chamado há uma semana e nada de resposta.",
         "Pedimos desculpas: o chamado foi resolvido hoje e reforçamos a equipe."),
        ("Complaint", "Cobrança após cancelar", "Cancelamos em janeiro e os boletos continuam.",
         "Cancelamos os boletos emitidos depois de janeiro e enviamos a quitação."),
        ("Complaint", "Técnico não compareceu", "A visita técnica de ontem às 14h não aconteceu.",
         "Lamentamos a falha; a visita foi remarcada para quinta às 9h."),
    ),
    "en": (
        ("Billing", "Invoice {n} shows the wrong amount", "Invoice {n} is above our agreed price.",
         "We corrected the amount and reissued the invoice; the old one is void."),
        ("Billing", "Missing VAT receipt", "We paid invoice {n} but have no VAT receipt yet.",
         "The receipt has been resent to your accounts address and is in the portal."),
        ("Billing", "Charged twice this month", "Our card was charged twice this month.",
         "We confirmed the duplicate charge and refunded it."),
        ("Billing", "Update our billing address", "We've moved offices; how do we update invoices?",
         "We updated your billing details; the next invoices carry the new address."),
        ("Technical problem", "System slow since the update",
         "Since yesterday's update the orders screen takes a minute to load.",
         "An index was missing after the update; we added it and screens load in seconds."),
        ("Technical problem", "Accounting sync fails", "The nightly sync fails: \"token expired\".",
         "The connection token had expired; we renewed it and re-ran the sync."),
        ("Technical problem", "Web shop orders missing",
         "Orders from our web shop stopped arriving on Saturday; the last was {n}.",
         "The webhook had been switched off; we turned it on and replayed the orders."),
        ("Technical problem", "Sales report export is empty", "The Excel export comes out empty.",
         "A date filter was emptying the report; the export works again."),
        ("Delivery", "Order {n} not delivered", "Order {n} was due on Monday and hasn't arrived.",
         "Your order left the depot this morning (tracking GB{n}); it arrives tomorrow."),
        ("Delivery", "Goods arrived damaged", "Two boxes of order {n} arrived crushed.",
         "We've arranged a free replacement; the courier collects within two days."),
        ("Delivery", "Change of delivery address", "Please send order {n} to our warehouse.",
         "We changed the delivery address of your order to the warehouse."),
        ("Account access", "Can't log in", "My password fails and no reset e-mail comes.",
         "We unlocked your user and sent a new reset link."),
        ("Account access", "New user for finance", "Please set up an account for our new analyst.",
         "The account is ready with finance access; the invitation is on its way."),
        ("Account access", "No two-factor code", "My new phone gets no verification code.",
         "We removed the old device; register the new phone with the QR code."),
        ("Product question", "Professional or Enterprise?", "How do the two plans differ?",
         "Enterprise adds the API, more users and longer support hours; comparison sent."),
        ("Product question", "Stock report per branch", "Can the stock report be split by branch?",
         "Yes: in Reports > Stock, use the \"Branch\" filter. We've sent a guide."),
        ("Product question", "Users in our licence", "How many users does our contract include?",
         "Your contract includes 25 users and you use 23; we've sent a quote for more."),
        ("Complaint", "Nobody answered me", "I raised an issue a week ago and heard nothing.",
         "We're sorry for the wait: your issue was solved today and the team is larger."),
        ("Complaint", "Invoiced after cancelling", "We cancelled in January; invoices still come.",
         "We voided the invoices issued after January and sent you a confirmation."),
        ("Complaint", "Engineer didn't turn up", "Yesterday's 2 pm site visit never happened.",
         "We apologise; the visit is rebooked for Thursday at 9 am."),
    ),
}.items()}
PHRASES = {
    "pt": {
        "ack": ("Já estamos analisando e retornamos em breve.",
                "Encaminhamos à equipe responsável; retorno ainda hoje."),
        "again": ("O problema voltou hoje de manhã.", "Continua igual, não resolveu."),
        "fixed_again": ("Refizemos o ajuste e acompanhamos por um dia: agora está estável.",),
        "to_billing": ("Vou passar o seu pedido ao faturamento, que dará sequência.",),
        "to_support": ("Vou passar o seu pedido ao suporte técnico, que dará sequência.",),
        "note": ("Cliente ligou pedindo posição.", "Mesmo caso do mês passado.",
                 "Conferi os dados no cadastro.", "Combinado por telefone; respondo por escrito."),
        "good": ("Atendimento rápido, obrigado!", "Excelente suporte.", "Resolveram de primeira."),
        "bad": ("Demorou demais.", "Resolveram, mas precisei insistir."),
    },
    "en": {
        "ack": ("We're looking into it and will update you shortly.",
                "We've passed this to the right team and will reply today."),
        "again": ("It's happening again this morning.", "I'm afraid it isn't fixed."),
        "fixed_again": ("We redid the fix and watched it for a day: it's stable now.",),
        "to_billing": ("I'm passing this to our billing team, who will take it from here.",),
        "to_support": ("I'm passing this to our technical team, who will take it from here.",),
        "note": ("Customer called for an update.", "Same issue as last month.",
                 "Checked the customer's records.", "Agreed on the phone; replying in writing."),
        "good": ("Quick and helpful, thanks!", "Great support.", "Sorted first time."),
        "bad": ("Took far too long.", "Sorted in the end, but I had to chase."),
    },
}
# (the categories it fits, what the desk asks, what the customer answers)
QUESTIONS = {
    "pt": (
        (("Billing", "Delivery", "Complaint"), "Pode confirmar o número do pedido e o CNPJ?",
         "É o {n}, no CNPJ da matriz."),
        (("Technical problem", "Account access"), "Pode mandar um print da tela com o erro?",
         "Segue o print; o erro aparece ao salvar."),
        (("Technical problem", "Account access", "Complaint"),
         "Desde quando acontece, e é com todos os usuários?", "Começou na segunda, com todos."),
        (("Product question", "Billing"), "Quantos usuários e filiais vocês têm hoje?",
         "Somos 23 usuários em duas filiais."),
    ),
    "en": (
        (("Billing", "Delivery", "Complaint"), "Could you confirm the order number and account?",
         "It's {n}, on our head office account."),
        (("Technical problem", "Account access"), "Could you send a screenshot of the error?",
         "Screenshot attached; it happens when I click save."),
        (("Technical problem", "Account access", "Complaint"),
         "Since when has it happened, and to every user?", "Since Monday, for everyone."),
        (("Product question", "Billing"), "How many users and sites do you have today?",
         "We're 23 users on two sites."),
    ),
}
REPLY = {"pt": "Olá, {name}!\n\n{text}\n\nAbraços,\n{agent}",
         "en": "Hi {name},\n\n{text}\n\nKind regards,\n{agent}"}
SIGNED = {"pt": "{text}\n\nAtenciosamente,\n{name}", "en": "{text}\n\nThanks,\n{name}"}
# fmt: on


# --- planning (no database) ------------------------------------------------------------------


@dataclass(frozen=True)
class Requester:
    contact_id: int
    account_id: int | None
    first_name: str
    email: str
    lang: str  # "pt" or "en"
    zone: str
    gold: bool


@dataclass(frozen=True)
class Agent:
    pk: int
    name: str
    lang: str


@dataclass(frozen=True)
class Step:
    """What happens next, ``gap`` seconds after the step before: business time (of the queue's
    calendar) for the desk's work, real time for the customer's."""

    kind: str  # reply, customer, note, transfer, rate or close
    gap: int
    business: bool = True
    status: str = ""  # the status a reply enters
    text: str = ""
    score: int = 0  # of a rating


@dataclass
class Plan:
    requester: Requester
    agent: Agent
    created: dt.datetime
    channel: str
    priority: str
    category: str
    queue: str  # SUPPORT or BILLING
    subject: str
    message: str
    number: int  # the order or invoice it is about
    key: int  # names its e-mail messages
    steps: list[Step] = field(default_factory=list)


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _spread(rng: random.Random, target: int, on_time: float) -> int:
    """Log-normal business seconds, a share ``on_time`` of them under ``target``."""
    mu = math.log(target) - NormalDist().inv_cdf(on_time) * SPREAD
    return int(min(max(math.exp(rng.gauss(mu, SPREAD)), 120), target * 20))


def _wall(rng: random.Random, median_hours: float) -> int:
    """A customer's delay, in real seconds: log-normal, ten minutes to four days."""
    seconds = median_hours * 3600 * math.exp(rng.gauss(0, 1))
    return int(min(max(seconds, 600), 4 * 86400))


def _signed(requester: Requester, text: str, channel: str) -> str:
    """What the customer wrote (signed in a mail or on the portal) or said (phone, chat)."""
    if channel not in (TicketChannel.EMAIL, TicketChannel.PORTAL):
        return text
    return SIGNED[requester.lang].format(text=text, name=requester.first_name)


def day_weights(today: dt.date, office: hours.Schedule) -> list[float]:
    """The weight of each day back from ``today`` (index 0): fewer tickets at weekends and on
    holidays, and a desk that has grown over the year."""
    weights = []
    for back in range(YEAR_DAYS):
        day = today - dt.timedelta(days=back)
        weight = DAY_WEIGHTS[day.weekday()] * (0.55 + 0.9 * (1 - back / YEAR_DAYS))
        weights.append(weight * (HOLIDAY_WEIGHT if hours.is_closed_day(office, day) else 1))
    return weights


@dataclass
class Planner:
    rng: random.Random
    agents: Sequence[Agent]
    now: dt.datetime

    def ticket(self, requester: Requester, back: int) -> Plan:
        rng, lang = self.rng, requester.lang
        category = _weighted(rng, CATEGORIES)
        topic = rng.choice([t for t in TOPICS[lang] if t.category == category])
        number, channel = rng.randint(10_000, 99_999), _weighted(rng, CHANNELS)
        plan = Plan(
            requester=requester,
            agent=rng.choice([a for a in self.agents if a.lang == lang] or self.agents),
            created=self._created(back, requester.zone),
            channel=channel,
            priority=_weighted(rng, PRIORITIES),
            category=category,
            queue=BILLING if category == "Billing" else SUPPORT,
            subject=topic.subject.format(n=number),
            message=_signed(requester, topic.message.format(n=number), channel),
            number=number,
            key=rng.getrandbits(48),
        )
        plan.steps = self._steps(plan, topic.fix.format(n=number))
        return plan

    def _created(self, back: int, zone: str) -> dt.datetime:
        """At a local hour of the customer's, ``back`` days ago (and never in the future)."""
        local = self.now.astimezone(ZoneInfo(zone)).date() - dt.timedelta(days=back)
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        moment = dt.datetime(local.year, local.month, local.day, hour, tzinfo=ZoneInfo(zone))
        moment += dt.timedelta(seconds=self.rng.randrange(3600))
        if moment > self.now - dt.timedelta(minutes=5):
            moment -= dt.timedelta(days=1)
        return moment.astimezone(dt.UTC)

    def _steps(self, plan: Plan, fix: str) -> list[Step]:
        rng = self.rng
        age = (self.now - plan.created).total_seconds() / 86400
        tier = GOLD if plan.requester.gold else STANDARD
        first, resolution = (minutes * 60 for minutes in TARGETS[tier][plan.priority])
        first_on_time, resolution_on_time = ON_TIME[tier]
        fr = _spread(rng, first, first_on_time)
        total = max(_spread(rng, resolution, resolution_on_time), fr + 600)
        held = 0.95 - 0.02 * age if age < RECENT_DAYS else 0.06 if age < STRAGGLER_DAYS else 0
        if rng.random() < held:
            return self._noted(plan, self._waiting(plan, fr, young=age < YOUNG_DAYS))
        path = _weighted(rng, PATHS)
        steps = self._noted(plan, self._path(plan, path, fr, total - fr, fix))
        late = (fr if path == "one_reply" else total) >= resolution
        return steps + self._after(plan, late=late)

    def _reply(self, plan: Plan, gap: int, text: str, status: str = "") -> Step:
        r = plan.requester
        body = REPLY[r.lang].format(name=r.first_name, text=text, agent=plan.agent.name)
        return Step("reply", gap, status=status, text=body)

    def _customer(self, plan: Plan, text: str, median_hours: float) -> Step:
        """The customer writes back (by e-mail, answering ours) after a while."""
        body = _signed(plan.requester, text.format(n=plan.number), TicketChannel.EMAIL)
        return Step("customer", _wall(self.rng, median_hours), business=False, text=body)

    def _ask(self, plan: Plan, gap: int, *, answered: bool, avoid: str = "") -> list[Step]:
        """The desk asks something that fits the case, not asked in ``avoid`` (the clock
        pauses); the customer may have answered."""
        fitting = [q for q in QUESTIONS[plan.requester.lang] if plan.category in q[0]]
        _fits, question, answer = self.rng.choice(
            [q for q in fitting if q[1] not in avoid] or fitting
        )
        steps = [self._reply(plan, gap, question, Status.PENDING)]
        return [*steps, self._customer(plan, answer, 6)] if answered else steps

    def _say(self, plan: Plan, kind: str) -> str:
        return str(self.rng.choice(PHRASES[plan.requester.lang][kind]))

    def _path(self, plan: Plan, path: str, fr: int, rest: int, fix: str) -> list[Step]:
        """The conversation: ``fr`` business seconds to the first reply, ``rest`` more (of
        running clock) to the solving one."""
        say, solved = self._say, Status.RESOLVED
        if path == "one_reply":
            return [self._reply(plan, fr, fix, solved)]
        if path == "questions":
            return self._questions(plan, fr, rest, fix)
        if path == "reopen":
            again = self._reply(plan, max(rest, 600), say(plan, "fixed_again"), solved)
            back = self._customer(plan, say(plan, "again"), 20)
            return [self._reply(plan, fr, fix, solved), back, again]
        if path == "transfer":  # to the other queue
            to = "to_billing" if plan.queue == SUPPORT else "to_support"
            first = self._reply(plan, fr, say(plan, to))
            return [first, Step("transfer", 300), self._reply(plan, rest - 300, fix, solved)]
        return [self._reply(plan, fr, say(plan, "ack")), self._reply(plan, rest, fix, solved)]

    def _questions(self, plan: Plan, fr: int, rest: int, fix: str) -> list[Step]:
        """Back and forth: the desk asks (the clock pauses), the customer answers, once or
        twice, then the desk solves it."""
        steps = self._ask(plan, fr, answered=True)
        if self.rng.random() < 0.3:
            part = rest // 3
            steps += self._ask(plan, part, answered=True, avoid=steps[0].text)
            rest -= part
        return [*steps, self._reply(plan, rest, fix, Status.RESOLVED)]

    def _waiting(self, plan: Plan, fr: int, *, young: bool) -> list[Step]:
        how = _weighted(self.rng, WAITING[young])
        if how == "us":
            return [self._reply(plan, fr, self._say(plan, "ack"))]
        return self._ask(plan, fr, answered=how == "answered")

    def _noted(self, plan: Plan, steps: list[Step]) -> list[Step]:
        """Now and then an internal note, some business time before the last reply."""
        if self.rng.random() >= NOTE_SHARE:
            return steps
        index = max(i for i, step in enumerate(steps) if step.kind == "reply")
        reply = steps[index]
        before = int(reply.gap * self.rng.uniform(0.2, 0.8))
        note = Step("note", before, text=self._say(plan, "note"))
        later = dataclasses.replace(reply, gap=reply.gap - before)
        return [*steps[:index], note, later, *steps[index + 1 :]]

    def _after(self, plan: Plan, *, late: bool) -> list[Step]:
        """A satisfaction score for some solved tickets; most are closed a few days later."""
        rng, steps = self.rng, []
        if rng.random() < CSAT_SHARE:
            score = rng.choices(range(1, 6), weights=CSAT_WEIGHTS[late])[0]
            comment = self._say(plan, "good" if score >= 4 else "bad") if rng.random() < 0.3 else ""
            steps.append(Step("rate", _wall(rng, 6), business=False, text=comment, score=score))
        if rng.random() < CLOSED_SHARE:
            steps.append(Step("close", rng.randint(1, 3) * 36_000))  # 1 to 3 business days
        return steps


def plan_tickets(
    requesters: Sequence[Requester],
    agents: Sequence[Agent],
    count: int,
    rng: random.Random,
    now: dt.datetime,
    office: hours.Schedule,
) -> list[Plan]:
    """``count`` tickets over the past year, oldest first; Gold customers write more often."""
    if not requesters or not agents:
        return []
    today = now.astimezone(ZoneInfo(office.timezone)).date()
    days = rng.choices(range(YEAR_DAYS), weights=day_weights(today, office), k=count)
    who = rng.choices(requesters, weights=[1.5 if r.gold else 1 for r in requesters], k=count)
    planner = Planner(rng, agents, now)
    plans = [planner.ticket(requester, back) for requester, back in zip(who, days, strict=True)]
    return sorted(plans, key=lambda plan: plan.created)
