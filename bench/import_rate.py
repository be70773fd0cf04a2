"""Import rate: a 100,000-row contacts CSV through `clientela import contacts`, on a fresh database.

The file looks real (pt_BR names, valid CPFs and mobile numbers, companies, cities, CEPs) and
carries on purpose 2% rejected rows (bad e-mail or CPF) and 3% duplicates of earlier rows (same
e-mail). The import runs as the real command in a subprocess, twice: first into an empty database
(creates), then the same file again (every row matched by external id: the update path). Prints
one JSON document with rows/s and the importer's peak memory.

With ``--custom-fields`` the contacts first get three custom fields (decision 0005), each with
its list index built as the task worker would: a choice, a whole number and a date, and the file
three more columns, headed with the fields' labels (so the import maps them by itself).

The modules are compiled to bytecode first, as an installed app has them (``harness.warm_bytecode``;
``--cold-bytecode`` skips it).

    .venv/bin/python bench/import_rate.py [--rows 100000] [--custom-fields]
    .venv/bin/python bench/import_rate.py --database-url postgres://postgres@127.0.0.1:5432/clientela_bench
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

import psutil
from harness import (
    REPO_ROOT,
    app_env,
    clientela_cmd,
    database_info,
    log,
    machine_info,
    pg_recreate,
    run_step,
    source_info,
    warm_bytecode,
)

HEADERS = ["ID", "Nome", "Sobrenome", "E-mail", "Celular", "CPF", "Empresa", "Cargo", "Cidade"]
HEADERS += ["UF", "CEP"]
SEGMENTS = [("gold", "Ouro"), ("silver", "Prata"), ("bronze", "Bronze")]
# (key, label, type, extra definition values); the file's headers are the labels
CUSTOM_FIELDS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "segment",
        "Segmento",
        "choice",
        {"choices": [{"value": v, "label": label} for v, label in SEGMENTS]},
    ),
    ("score", "Pontuação", "integer", {"min_value": 0, "max_value": 1000}),
    ("client_since", "Cliente desde", "date", {}),
]
DEFINE_FIELDS = """
import json, sys
import django
django.setup()
from clientela.platform.models import User
from clientela.platform.services.customfields import field_create, index_sync
actor = User.objects.get(username="bench")
for key, label, kind, extra in json.loads(sys.argv[1]):
    values = {"object_type": "customers.contact", "key": key, "label": label, **extra}
    row = field_create(actor=actor, values={**values, "field_type": kind})
    print(key, index_sync(row.pk))  # what the task worker does after the commit
"""
DONE_RE = re.compile(
    r"done in (?P<seconds>[\d.]+) s: (?P<created>\d+) created, (?P<updated>\d+) updated, "
    r"(?P<skipped>\d+) skipped, (?P<flagged>\d+) flagged, (?P<rejected>\d+) rejected"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (the name must contain 'bench')")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--custom-fields",
        action="store_true",
        help="define 3 custom fields on contacts (choice, number, date) and fill them in the file",
    )
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="do not compile the modules first (each process then compiles what it imports)",
    )
    return parser.parse_args(argv)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def _row(fake: Any, rnd: random.Random, n: int, companies: list[str]) -> list[str]:
    first, last = fake.first_name(), fake.last_name()
    ddd = rnd.choice(["11", "21", "31", "41", "51", "61", "71", "81", "85", "92"])
    phone = f"({ddd}) 9{rnd.randint(6000, 9999)}-{rnd.randint(0, 9999):04d}"
    email = f"{_ascii(first)}.{_ascii(last)}.{n}@example.com"
    return [
        f"crm-{n}",
        first,
        last,
        email,
        phone,
        fake.cpf(),
        rnd.choice(companies),
        fake.job()[:100],
        fake.city(),
        fake.estado_sigla(),
        fake.postcode(),
    ]


def _custom_cells(rnd: random.Random) -> list[str]:
    """A segment (by its label), a score and a date (as typed in Brazil), each blank at times."""
    segment = rnd.choice(SEGMENTS)[1] if rnd.random() < 0.9 else ""
    score = str(rnd.randint(0, 1000)) if rnd.random() < 0.8 else ""
    day = f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(2000, 2026)}"
    return [segment, score, day if rnd.random() < 0.7 else ""]


def generate(path: Path, rows: int, seed: int, custom: bool = False) -> dict[str, int]:
    """Realistic rows; 2% broken on purpose, 3% repeating an earlier row's e-mail."""
    from faker import Faker

    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    custom_rnd = random.Random(seed + 1)  # the other columns stay as without custom fields
    companies = [fake.company() for _ in range(2000)]
    bad = duplicates = 0
    headers = HEADERS + ([label for _key, label, _kind, _extra in CUSTOM_FIELDS] if custom else [])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(headers)
        recent: list[str] = []
        for n in range(1, rows + 1):
            row = _row(fake, rnd, n, companies)
            if custom:
                row += _custom_cells(custom_rnd)
            roll = rnd.random()
            if roll < 0.01:
                row[3], bad = "not-an-email", bad + 1
            elif roll < 0.02:
                row[5], bad = "123.456.789-00", bad + 1
            elif roll < 0.05 and recent:
                row[3], duplicates = rnd.choice(recent), duplicates + 1
            recent = [*recent[-499:], row[3]]
            writer.writerow(row)
    return {"rows": rows, "bad_rows": bad, "duplicate_rows": duplicates}


def run_import(env: dict[str, str], csv_path: Path, policy: str, log_path: Path) -> dict[str, Any]:
    """The command in a subprocess, its peak memory sampled while it runs."""
    cmd = clientela_cmd("import", "contacts", str(csv_path), "--user", "bench")
    cmd += ["--duplicates", policy]
    started = time.perf_counter()
    with log_path.open("a") as log_file:
        process = subprocess.Popen(
            cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log_file, text=True
        )
        peak, cpu = 0, 0.0
        helpers: dict[int, float] = {}  # the helper process's CPU, by pid
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                peak = max(peak, watched.memory_info().rss)
                times = watched.cpu_times()
                cpu = times.user + times.system
                for child in watched.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        child_times = child.cpu_times()
                        helpers[child.pid] = child_times.user + child_times.system
            except psutil.Error:
                break
            time.sleep(0.05)
        out = process.stdout.read() if process.stdout else ""
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"the import failed ({process.returncode}); see {log_path}")
    match = DONE_RE.search(out)
    if match is None:
        raise SystemExit(f"unexpected output: {out!r}")
    figures: dict[str, Any] = {k: int(v) for k, v in match.groupdict().items() if k != "seconds"}
    seconds = float(match["seconds"])
    rows = sum(figures[k] for k in ("created", "updated", "skipped", "flagged", "rejected"))
    figures.update(
        import_seconds=seconds,
        rows_per_second=round(rows / seconds),
        process_wall_seconds=round(wall, 2),
        peak_rss_mib=round(peak / 2**20, 1),
        # CPU seconds of the whole command (start-up included): on a shared machine this says
        # more than the wall clock, which also counts the time other processes held the cores.
        process_cpu_seconds=round(cpu, 2),
        rows_per_cpu_second=round(rows / cpu) if cpu else None,
        # The helper process that cleans rows while the command writes (long files only).
        helper_cpu_seconds=round(sum(helpers.values()), 2),
        load_average=[round(x, 1) for x in os.getloadavg()],
    )
    return figures


def benchmark(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    env = app_env(data_dir, args.database_url)
    log_path = data_dir / "bench-import.log"
    if args.database_url:
        pg_recreate(args.database_url, create=True)
    csv_path = data_dir / "contacts.csv"
    log(f"generating {args.rows:,} rows")
    generated = generate(csv_path, args.rows, args.seed, args.custom_fields)
    bytecode = {"warmed": False} if args.cold_bytecode else {"warmed": True, **warm_bytecode()}
    run_step(clientela_cmd("migrate"), env, log_path)
    user = ["createuser", "bench", "--email", "bench@example.com", "--password", "Bench-12345!"]
    run_step(clientela_cmd(*user), env, log_path)
    if args.custom_fields:
        log("defining 3 custom fields on contacts, with their list indexes")
        define = [sys.executable, "-c", DEFINE_FIELDS, json.dumps(CUSTOM_FIELDS)]
        run_step(define, {**env, "DJANGO_SETTINGS_MODULE": "clientela.settings"}, log_path)
    log("first import (empty database)")
    first = run_import(env, csv_path, "skip", log_path)
    log("second import of the same file (every row matched: update)")
    second = run_import(env, csv_path, "update", log_path)
    return {
        "benchmark": "import_rate",
        "database": database_info(args.database_url),
        "file": {**generated, "bytes": csv_path.stat().st_size},
        "custom_fields": [{"key": key, "type": kind} for key, _label, kind, _extra in CUSTOM_FIELDS]
        if args.custom_fields
        else [],
        "bytecode": bytecode,
        "first_import": first,
        "reimport_update": second,
        "target_rows_per_second": 10_000,
        "machine": machine_info(),
        "source": source_info(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="clientela-bench-import-"))
    try:
        report = benchmark(args, data_dir)
    finally:
        if args.database_url:
            pg_recreate(args.database_url, create=False)
    shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
