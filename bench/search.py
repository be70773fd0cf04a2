"""Search at scale: p50/p95/max of ``search_index.search()`` and of the shell's global search.

    python bench/generate.py --contacts 1000000      # once, into a bench database
    python bench/search.py --samples 30

Runs in-process on the configured database (``DATABASE_URL`` or ``CLIENTELA_DATA_DIR``), so the
figures are server time without HTTP. Queries are built from sampled contacts, as a user would
type them: a name prefix, the full name without accents, phone digits, a formatted phone, a tax
id, a name with one typo, an e-mail, a company word, plus a few very common prefixes. Each query
runs for an administrator (sees all) and a team-scoped sales rep (owner/team filter in the same
query). ``search`` times the selector plus the first page (50 contacts in list order); ``shell``
times every registered shell provider (accounts, contacts, leads; 10 hits each). Each query
runs once unmeasured first (warm cache). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import (
    CPU_MS,
    actors,
    fresh,
    header,
    load_average,
    percentile,
    setup_django,
    summary,
    timed,
)
from server_cpu import backend_pid, cpu_ms

COMMON = ["jo", "ma", "silva", "souza", "john", "smith", "maria jo", "ana"]
PAGE = 50


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30, help="contacts sampled (default 30)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--explain", action="store_true", help="print the slowest query's plan")
    parser.add_argument(
        "--actor", choices=("admin", "rep"), action="append", help="only this actor (repeatable)"
    )
    parser.add_argument(
        "--one-statement",
        action="store_true",
        help="read the page as one query with the owner-or-team OR (the former way)",
    )
    return parser.parse_args(argv)


def sample_contacts(rng: random.Random, count: int) -> list[Any]:
    from django.db.models import Max, Min

    from clientela.customers.models import Contact

    bounds = Contact.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        raise SystemExit("no contacts: run bench/generate.py first")
    ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 3)]
    found = list(Contact.objects.filter(pk__in=ids).select_related("account")[: count * 3])
    rng.shuffle(found)
    return found


def typo(rng: random.Random, word: str) -> str:
    """One deletion or substitution inside the word (not the first letter)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word))
    if rng.random() < 0.5:
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiou") + word[i + 1 :]


def queries_for(rng: random.Random, contact: Any) -> dict[str, str]:
    from clientela.customers.search_index import fold

    phone = "".join(c for c in contact.phone if c.isdigit())
    national = phone[2:] if contact.phone.startswith("+55") else phone[1:]
    kinds = {
        "prefix": contact.last_name[:3],
        "name_without_accents": fold(f"{contact.first_name} {contact.last_name}"),
        "typo": f"{contact.first_name} {typo(rng, contact.last_name)}",
        "email": contact.email,
        "company_word": (contact.account.name.split() or [""])[0] if contact.account else "",
    }
    if national:
        kinds["phone_digits"] = national
        kinds["phone_formatted"] = f"{national[-9:-4]}-{national[-4:]}"
    if contact.tax_id:
        kinds["tax_id"] = contact.tax_id
    return {kind: query for kind, query in kinds.items() if query}


def build_queries(args: argparse.Namespace) -> dict[str, list[str]]:
    rng = random.Random(args.seed)
    by_kind: dict[str, list[str]] = {"common": COMMON}
    for contact in sample_contacts(rng, args.samples)[: args.samples]:
        for kind, query in queries_for(rng, contact).items():
            by_kind.setdefault(kind, []).append(query)
    return by_kind


ONE_STATEMENT = False  # --one-statement: the rep's page as one OR query (before 0006)


def run_search(actor: Any, query: str) -> int:
    """The selector and the first page of contacts, as the contact list reads it: for the rep,
    candidates per visibility branch (``ListSpec.page``), then the rows by id."""
    from clientela.customers import search_index
    from clientela.customers.lists import CONTACTS
    from clientela.customers.models import Contact
    from clientela.platform.listing import visibility_branches
    from clientela.platform.permissions import visible_to

    if ONE_STATEMENT:
        contacts = search_index.search(visible_to(actor, Contact.objects.all()), query)
        return len(list(contacts.select_related("account")[:PAGE]))
    everything = Contact.objects.all()
    state = CONTACTS.parse({})
    branches = visibility_branches(actor, Contact)

    def read(visible: Any, unscoped: Any) -> Any:
        return CONTACTS.page(
            visible.select_related("account"),
            state,
            limit=PAGE,
            branches=branches,
            unscoped=unscoped,
        )

    found = search_index.search_page(visible_to(actor, everything), everything, query, read)
    return len(found.items)


def run_shell(actor: Any, query: str) -> int:
    from clientela.platform import search as shell

    return sum(len(group.hits) for group in shell.run(actor, query))


def timed_with_server(call: Any) -> tuple[float, Any, float | None]:
    """Wall ms, result and the PostgreSQL backend's CPU ms (None on SQLite or a remote server,
    where the thread's own CPU in ``CPU_MS`` is the whole figure)."""
    from django.db import connection

    pid = backend_pid(connection)
    before = cpu_ms(pid)
    ms, result = timed(call)
    after = cpu_ms(pid)
    return ms, result, None if before is None or after is None else after - before


def cpu_figures(thread: list[float], server: list[float | None]) -> dict[str, float]:
    """Percentiles of the server's CPU and of the total (this thread's plus the server's)."""
    if not server or any(value is None for value in server):
        return {}
    known = [value or 0.0 for value in server]
    total = sorted(a + b for a, b in zip(thread, known, strict=True))
    return {
        "server_cpu_p95_ms": percentile(sorted(known), 95),
        "total_cpu_p50_ms": percentile(total, 50),
        "total_cpu_p95_ms": percentile(total, 95),
    }


def measure(actor: Any, queries: dict[str, list[str]]) -> tuple[dict[str, Any], list[Any]]:
    """Figures per kind and overall, for the selector and the shell; the slowest queries.

    "total_cpu" is this thread's CPU plus, on a local PostgreSQL, the backend's: the figure
    that other jobs on a shared machine do not inflate.
    """
    names = ("search", "shell")
    series = [*names, *(f"{n}_cpu" for n in names), *(f"{n}_server" for n in names)]
    every: dict[str, list[Any]] = {name: [] for name in series}
    figures: dict[str, Any] = {}
    slowest: list[Any] = []
    for kind, texts in queries.items():
        times: dict[str, list[Any]] = {name: [] for name in series}
        hits = []
        for text in texts:
            for name, call in (("search", run_search), ("shell", run_shell)):
                call(fresh(actor), text)  # warm
                user = fresh(actor)
                ms, found, server = timed_with_server(
                    lambda c=call, u=user, t=text: c(u, t)  # type: ignore[misc]
                )
                times[name].append(ms)
                times[f"{name}_cpu"].append(CPU_MS[-1])
                times[f"{name}_server"].append(server)
                slowest.append((ms, name, kind, text))
                if name == "search":
                    hits.append(found)
        for name in times:
            every[name] += times[name]
        figures[kind] = {n: _figures(times, n) for n in names}
        figures[kind]["median_hits"] = sorted(hits)[len(hits) // 2]
    figures["all"] = {n: _figures(every, n) for n in names}
    figures["load_average_1m_after"] = load_average()
    return figures, sorted(slowest, reverse=True)[:5]


def _figures(times: dict[str, list[Any]], name: str) -> dict[str, Any]:
    return {
        **summary(times[name], times[f"{name}_cpu"]),
        **cpu_figures(times[f"{name}_cpu"], times[f"{name}_server"]),
    }


def explain(actor: Any, query: str) -> str:
    from clientela.customers.models import Contact
    from clientela.customers.search_index import search
    from clientela.platform.permissions import visible_to

    contacts = search(visible_to(actor, Contact.objects.all()), query)
    return str(contacts.select_related("account")[:PAGE].explain())


def main(argv: list[str] | None = None) -> int:
    global ONE_STATEMENT
    args = parse_args(argv)
    ONE_STATEMENT = args.one_statement
    setup_django()
    report = header("search")
    report["page_read"] = "one statement" if ONE_STATEMENT else "per visibility branch"
    queries = build_queries(args)
    report["queries"] = queries
    for role, actor in actors().items():
        if args.actor and role not in args.actor:
            continue
        figures, slowest = measure(actor, queries)
        report[role] = figures
        report[f"{role}_slowest"] = [
            {"ms": round(ms, 1), "what": name, "kind": kind, "query": text}
            for ms, name, kind, text in slowest
        ]
        if args.explain and slowest:
            report[f"{role}_slowest_plan"] = explain(actor, slowest[0][3])
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
