"""The duplicate scan: blocking keys → candidate pairs → fuzzy score → ``DuplicateCandidate`` rows.

Memory stays small whatever the table size: the first pass streams the records in id order and
keeps only two compact integer arrays (each record's id, and one 64-bit word per blocking key:
40 bits of the key's hash and 24 of the record's index); sorting the words puts each block's
members side by side. The second pass walks the blocks a few thousand records at a time, loads
just those records again and scores their pairs. A pair that shares several keys is scored
once, in the block of the smallest key hash they share. Blocks larger than ``MAX_BLOCK`` (a key
too common to mean anything, such as a very frequent name) are skipped: the other keys still
bring real duplicates together.
"""

from __future__ import annotations

import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.tasks import TaskContext, task
from django.utils import timezone

from clientela.customers import dedup_rules as rules
from clientela.customers.models import Account, Address, Contact, ContactPoint, DuplicateCandidate
from clientela.platform.scheduler import periodic

CONTACT = "customers.contact"
ACCOUNT = "customers.account"
OBJECT_TYPES = (CONTACT, ACCOUNT)
DEFAULT_THRESHOLD = 0.7
MAX_BLOCK = 100
CHUNK = 2000
SCORE_BATCH = 20000
# Up to this many records the first pass keeps the profiles for the second (about 0.5 KiB each);
# above it the second pass loads them again batch by batch, so memory stays bounded.
KEEP_PROFILES = 150_000
MAX_RECORDS = 1 << 24
PROGRESS_TTL = 24 * 3600
PROGRESS_EVERY = 0.5  # seconds between two reports of one phase

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScanResult:
    object_type: str
    scanned: int
    compared: int
    found: int
    removed: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "object_type": self.object_type,
            "scanned": self.scanned,
            "compared": self.compared,
            "found": self.found,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
        }


# --- loading profiles -----------------------------------------------------------------------


def _among(field: str, ids: list[int], span: bool) -> dict[str, Any]:
    """A filter on ``ids``: a range when they are a whole run of the table (cheaper than IN)."""
    if span:
        return {f"{field}__gte": ids[0], f"{field}__lte": ids[-1]}
    return {f"{field}__in": ids}


def _first_addresses(field: str, ids: list[int], span: bool) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    rows = Address.objects.filter(**_among(field, ids, span)).order_by("id")
    for row in rows.values(field, "street", "complement", "city", "postal_code", "state"):
        found.setdefault(row.pop(field), row)
    return found


def _points(field: str, ids: list[int], span: bool) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    points = ContactPoint.objects.filter(**_among(field, ids, span))
    for owner, kind, value in points.values_list(field, "kind", "value"):
        found.setdefault(owner, []).append((kind, value))
    return found


def _contact_profiles(ids: list[int], span: bool) -> list[rules.Profile]:
    columns = ("id", "first_name", "last_name", "email", "phone", "tax_id", "birthday")
    rows = Contact.objects.filter(**_among("id", ids, span)).order_by("id").values_list(*columns)
    addresses, points = _first_addresses("contact", ids, span), _points("contact", ids, span)
    result = []
    for pk, first, last, email, phone, tax, birthday in rows:
        extra = points.get(pk, [])
        result.append(
            rules.make_profile(
                pk,
                first=first,
                last=last,
                emails=[email, *(v for k, v in extra if k == "email")],
                phones=[phone, *(v for k, v in extra if k == "phone")],
                tax=tax,
                birth=birthday.strftime("%Y%m%d") if birthday else "",
                address=addresses.get(pk),
            )
        )
    return result


def _account_profiles(ids: list[int], span: bool) -> list[rules.Profile]:
    columns = ("id", "name", "website", "email", "phone", "tax_id")
    rows = Account.objects.filter(**_among("id", ids, span)).order_by("id").values_list(*columns)
    addresses, points = _first_addresses("account", ids, span), _points("account", ids, span)
    result = []
    for pk, name, website, email, phone, tax in rows:
        extra = points.get(pk, [])
        profile = rules.make_profile(
            pk,
            emails=[email, *(v for k, v in extra if k == "email")],
            phones=[phone, *(v for k, v in extra if k == "phone")],
            tax=tax,
            address=addresses.get(pk),
        )
        result.append(
            rules.Profile(
                **{
                    **{f: getattr(profile, f) for f in profile.__slots__},  # type: ignore[attr-defined]
                    "first": rules.web_domain(website),
                    "last": rules.company_name(name),
                }
            )
        )
    return result


def profiles(object_type: str, ids: list[int], *, span: bool = False) -> list[rules.Profile]:
    """The matching profiles of these records (three queries per call); ``span``: ``ids`` are
    every id from the first to the last, so a range query fetches them."""
    if not ids:
        return []
    load = _contact_profiles if object_type == CONTACT else _account_profiles
    return load(ids, span)


def keys_of(object_type: str, profile: rules.Profile) -> list[str]:
    return (rules.contact_keys if object_type == CONTACT else rules.account_keys)(profile)


def pair_score(
    object_type: str, a: rules.Profile, b: rules.Profile
) -> tuple[float, list[dict[str, object]]]:
    return rules.score(a, b, company=object_type == ACCOUNT)


def _model(object_type: str) -> type[Model]:
    return Contact if object_type == CONTACT else Account


def _id_chunks(object_type: str) -> Iterator[list[int]]:
    ids = _model(object_type)._default_manager.order_by("id").values_list("id", flat=True)
    last = 0
    while True:
        chunk = list(ids.filter(id__gt=last)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def _key_hash(key: str) -> int:
    """40 bits of a key: crc32 of the key and of its reverse (collisions only add comparisons)."""
    data = key.encode()
    return (zlib.crc32(data) << 8 | zlib.crc32(data[::-1]) & 0xFF) & ((1 << 40) - 1)


# --- the two passes -------------------------------------------------------------------------


def _index(
    object_type: str, progress: Progress | None, total: int, kept: dict[int, rules.Profile] | None
) -> tuple[array[int], array[int]]:
    """Pass 1: every record's id, and a (key hash, record index) word per blocking key."""
    ids: array[int] = array("q")
    words: array[int] = array("Q")
    for chunk in _id_chunks(object_type):
        for profile in profiles(object_type, chunk, span=True):
            if len(ids) >= MAX_RECORDS:
                raise ValueError("too many records for one scan")
            position = len(ids)
            ids.append(profile.id)
            for key in set(keys_of(object_type, profile)):
                words.append(_key_hash(key) << 24 | position)
            if kept is not None:
                kept[profile.id] = profile
        if progress:
            progress("reading", len(ids), total)
    return ids, words


def _runs(chosen: list[int]) -> Iterator[tuple[int, int, int]]:
    """(key hash, start, end) of each run of equal hashes in sorted words."""
    start = 0
    while start < len(chosen):
        digest, end = chosen[start] >> 24, start + 1
        while end < len(chosen) and chosen[end] >> 24 == digest:
            end += 1
        yield digest, start, end
        start = end


def _blocks(words: array[int], oversize: set[int]) -> Iterator[tuple[int, list[int]]]:
    """(key hash, member indexes) for each block of 2..MAX_BLOCK records.

    The words are sorted a slice of hash space at a time, so the peak stays near 1M words; the
    oversize blocks are all known before the first block is yielded.
    """
    slices = max(1, len(words) // 1_000_000 + 1)

    def sort(part: int) -> list[int]:
        return sorted(w for w in words if (w >> 24) % slices == part)

    cached = sort(0) if slices == 1 else None
    for part in range(slices):
        chosen = cached if cached is not None else sort(part)
        oversize.update(d for d, a, b in _runs(chosen) if b - a > MAX_BLOCK)
    for part in range(slices):
        chosen = cached if cached is not None else sort(part)
        for digest, start, end in _runs(chosen):
            if 1 < end - start <= MAX_BLOCK:
                yield digest, [w & 0xFFFFFF for w in chosen[start:end]]


def _batches(
    blocks: Iterator[tuple[int, list[int]]],
) -> Iterator[list[tuple[int, list[int]]]]:
    batch: list[tuple[int, list[int]]] = []
    members = 0
    for block in blocks:
        batch.append(block)
        members += len(block[1])
        if members >= SCORE_BATCH:
            yield batch
            batch, members = [], 0
    if batch:
        yield batch


@dataclass
class _Scorer:
    object_type: str
    threshold: float
    ids: array[int]
    oversize: set[int]
    kept: dict[int, rules.Profile] | None
    compared: int = 0
    found: int = 0

    def _load(self, wanted: list[int]) -> dict[int, rules.Profile]:
        if self.kept is not None:
            return {pk: self.kept[pk] for pk in wanted}
        loaded: dict[int, rules.Profile] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            loaded.update((p.id, p) for p in profiles(self.object_type, chunk))
        return loaded

    def run(self, batch: list[tuple[int, list[int]]]) -> None:
        loaded = self._load(sorted({self.ids[i] for _, members in batch for i in members}))
        hashes = {
            pk: {_key_hash(k) for k in keys_of(self.object_type, p)} - self.oversize
            for pk, p in loaded.items()
        }
        rows = []
        for digest, members in batch:
            present = [self.ids[i] for i in members if self.ids[i] in loaded]
            for left, right in combinations(sorted(present), 2):
                shared = hashes[left] & hashes[right]
                if not shared or min(shared) != digest:
                    continue  # scored in the block of a smaller shared key
                self.compared += 1
                value, reasons = pair_score(self.object_type, loaded[left], loaded[right])
                if value >= self.threshold:
                    rows.append(self._candidate(left, right, value, reasons))
        self._save(rows)

    def _candidate(
        self, left: int, right: int, value: float, reasons: list[dict[str, object]]
    ) -> DuplicateCandidate:
        return DuplicateCandidate(
            object_type=self.object_type, left_id=left, right_id=right, score=value, reasons=reasons
        )

    def _save(self, rows: list[DuplicateCandidate]) -> None:
        if not rows:
            return
        with transaction.atomic():
            DuplicateCandidate.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["object_type", "left_id", "right_id"],
                update_fields=["score", "reasons", "found_at"],
            )
        self.found += len(rows)


def scan(
    object_type: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Progress | None = None,
) -> ScanResult:
    """Find the likely duplicate pairs among all records of ``object_type`` and store them.

    Open pairs that this scan no longer finds (records changed or gone) are removed; dismissed
    and merged pairs keep their status, so a "not a duplicate" answer is never asked again.
    """
    if object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown record type {object_type!r}")
    started, clock = timezone.now(), time.perf_counter()
    total = _model(object_type)._default_manager.count()
    kept: dict[int, rules.Profile] | None = {} if total <= KEEP_PROFILES else None
    ids, words = _index(object_type, progress, total, kept)
    scorer = _Scorer(object_type, threshold, ids, set(), kept)
    done = 0
    for batch in _batches(_blocks(words, scorer.oversize)):
        scorer.run(batch)
        done += sum(len(members) for _, members in batch)
        if progress:
            progress("comparing", min(done, len(words)), len(words))
    removed, _ = DuplicateCandidate.objects.filter(
        object_type=object_type, status="open", found_at__lt=started
    ).delete()
    return ScanResult(
        object_type, len(ids), scorer.compared, scorer.found, removed, time.perf_counter() - clock
    )


# --- the background task --------------------------------------------------------------------


def progress_key(result_id: str) -> str:
    return f"clientela:dedup-scan:{result_id}"


def scan_progress(result_id: str) -> dict[str, Any] | None:
    """What a running scan last reported (shared through the cache), or None."""
    value = cache.get(progress_key(result_id))
    return value if isinstance(value, dict) else None


def _reporter(result_id: str, object_type: str) -> Progress:
    """Progress for the page that polls it, through the cache (the database's or Redis): at
    most every ``PROGRESS_EVERY`` seconds, and at each change of phase and at its end."""
    last: dict[str, Any] = {"phase": None, "at": 0.0}

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == last["phase"] and done < total and now - last["at"] < PROGRESS_EVERY:
            return
        last.update(phase=phase, at=now)
        cache.set(
            progress_key(result_id),
            {"object_type": object_type, "phase": phase, "done": done, "total": total},
            PROGRESS_TTL,
        )

    return report


@periodic("customers.dedup-scan", "41 2 * * *")
@task(takes_context=True)
def dedup_scan(
    context: TaskContext, object_type: str = "", threshold: float = DEFAULT_THRESHOLD
) -> list[dict[str, Any]]:
    """Scan contacts and accounts (or only ``object_type``); nightly and on demand."""
    chosen = [object_type] if object_type else list(OBJECT_TYPES)
    results = []
    for kind in chosen:
        report = _reporter(str(context.task_result.id), kind)
        results.append(scan(kind, threshold=threshold, progress=report).as_dict())
    cache.set(
        progress_key(str(context.task_result.id)),
        {"phase": "done", "done": 1, "total": 1, "results": results},
        PROGRESS_TTL,
    )
    return results
