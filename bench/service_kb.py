"""Knowledge base search at scale: 20,000 articles (half English, half Portuguese), then the
time of searches as agents type them (the search box, every word must match) and of ticket
suggestions (a subject and a message, any word may match), each the selector's whole work:
stemming the query, the ranked full-text query and loading the page of articles.

    CLIENTELA_DATA_DIR=/tmp/kb-bench python bench/service_kb.py             # SQLite (FTS5)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientela_kb_bench \\
        python bench/service_kb.py                                          # PostgreSQL (GIN)

The database's name must contain "bench" (on SQLite: the data directory). It is migrated;
articles are made once (``--articles``; an existing set of that size is kept), written in
bulk with their stems computed by the same code as the services (the database's triggers or
index follow). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sales_board import refuse_other_databases
from scale import header, load_average, setup_django, summary


def _split(text: str) -> list[str]:
    return text.split()


# each article: a few of the desk's words among ordinary ones (Faker's English word list; for
# Portuguese, its Latin one), so a word is in a share of the articles, as in a real base
EN_WORDS = _split(
    "printer connect cable driver install network router password reset account invoice "
    "refund payment order delivery return warranty screen battery charge update settings "
    "email login security backup report export import label scanner card machine terminal "
    "error message restart signal wireless setup configure billing subscription contract"
)
PT_WORDS = _split(
    "impressora conectar cabo instalar rede roteador senha conta boleto reembolso pagamento "
    "pedido entrega devolução garantia tela bateria carregar atualização configuração "
    "segurança relatório exportar etiqueta leitor maquininha cartão terminal erro mensagem "
    "reiniciar sinal configurar cobrança assinatura contrato nota fiscal vencimento"
)
QUERIES = (
    "connecting printers", "reset password", "refund invoice", "wireless router setup",
    "impressoras", "configuração da impressora", "segunda via boleto", "maquininha não liga",
    "warranty battery", "entrega do pedido", "security backup", "atualizacao", "erro",
    "scanner label export", "cartão terminal",
)  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--seed", type=int, default=6)
    return parser.parse_args(argv)


def _text(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


def _filler() -> dict[str, list[str]]:
    from faker import Faker

    return {
        "en": Faker("en_US").get_words_list(),
        "pt-br": Faker("la").get_words_list(),
    }


def _article_text(rng: random.Random, desk: list[str], filler: list[str], n: int) -> str:
    return " ".join(rng.choice(desk if rng.random() < 0.08 else filler) for _ in range(n))


def make_articles(count: int, seed: int) -> float:
    """Bulk-write ``count`` published articles; seconds taken (0 when they exist)."""
    from clientela.service.kb_search import article_stems
    from clientela.service.models_kb import Article

    if Article.objects.count() == count:
        return 0.0
    Article.objects.all().delete()
    rng, started, batch = random.Random(seed), time.perf_counter(), []
    filler = _filler()
    for n in range(count):
        language = "pt-br" if n % 2 else "en"
        words = PT_WORDS if n % 2 else EN_WORDS
        title = f"{_text(rng, words, 2)} {_text(rng, filler[language], 3)}".capitalize()
        summary = _article_text(rng, words, filler[language], 12)
        body = _article_text(rng, words, filler[language], 150)
        tags = [rng.choice(words)]
        article = Article(
            title=title,
            summary=summary,
            body=body,
            tags=tags,
            language=language,
            status="published" if n % 10 else "draft",
            audience="public" if n % 3 else "internal",
            kind="faq" if n % 4 == 0 else "article",
        )
        article.search_title, article.search_stems = article_stems(
            title, summary, body, tags, language
        )
        batch.append(article)
        if len(batch) == 1000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    return round(time.perf_counter() - started, 1)


def timed(call: Any, rounds: int) -> dict[str, Any]:
    samples, sizes = [], []
    for n in range(rounds):
        started = time.perf_counter()
        found = call(n)
        samples.append((time.perf_counter() - started) * 1000)
        sizes.append(len(found))
    return {**summary(samples), "mean_results": round(sum(sizes) / len(sizes), 1)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.core.management import call_command

    database = refuse_other_databases()
    call_command("migrate", verbosity=0)
    from clientela.platform.models import Role, User
    from clientela.service import selectors_kb as kb

    made = make_articles(args.articles, args.seed)
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.objects.get(slug="administrator")}
    )
    rows = kb.article_rows(admin).filter(status="published")
    rng = random.Random(args.seed)
    filler = _filler()["en"]
    messages = [
        f"{_text(rng, EN_WORDS, 3)}\n{_article_text(rng, EN_WORDS, filler, 40)}"
        for _ in range(args.searches)
    ]
    kb.search(rows, "printer")  # warm
    report: dict[str, Any] = {
        **header("service_kb"),
        "database_name": database,
        "articles": args.articles,
        "seconds_to_write_articles": made,
        "search_box": timed(lambda n: kb.search(rows, QUERIES[n % len(QUERIES)]), args.searches),
        "suggestions": timed(
            lambda n: kb.search(rows, messages[n], limit=5, any_word=True), args.searches
        ),
        "load_average_after": load_average(),
    }
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
