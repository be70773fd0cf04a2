"""A ``django.tasks`` backend on Redis, run by the Clientela worker (``clientela worker``).

Why home-made: django-tasks-rq 0.12 is written for the ``django_tasks`` backport, not for Django
6.1's ``django.tasks`` (docs/decisions/0001-task-backends.md has the measurements).

Layout under the key prefix ``P`` (option ``prefix``):

- ``P:result:<id>``       hash: the task result (status, path, args, times, outcome, workers)
- ``P:queue:<q>:<prio>``  list of ready ids for queue ``q`` at priority ``prio`` (FIFO)
- ``P:priorities:<q>``    sorted set of the priorities in use for ``q``, highest first
- ``P:scheduled``         sorted set of deferred ids, scored by ``run_after`` (epoch seconds)
- ``P:processing:<w>``    list of the ids worker ``w`` has claimed and not finished
- ``P:workers``           sorted set of worker ids, scored by their last heartbeat

A worker claims with LMOVE from a ready list into its own processing list, so a task is never
held only in a dead process's memory: ``requeue_stale`` puts back what silent workers hold. The
guarantee is at-least-once, like any queue that survives crashes. The Lua scripts build key
names at run time, so this needs a standalone Redis (or Sentinel), not Redis Cluster.

Enqueueing inside a database transaction pushes on commit, so the Redis backend, like the
database one, never runs a task whose transaction rolled back or has not committed yet.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from traceback import format_exception
from typing import Any, cast
from urllib.parse import urlsplit

import redis
from django.core.exceptions import SuspiciousOperation
from django.db import connection, transaction
from django.tasks import Task, TaskContext, TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TaskError
from django.tasks.exceptions import InvalidTaskBackend, TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string
from redis.typing import EncodableT, FieldT

DEFAULTS: dict[str, Any] = {
    "prefix": "clientela:tasks",
    "stale_after": 300.0,  # seconds without a heartbeat before a worker is presumed dead
    "requeue_every": 60.0,  # how often run_one looks for dead workers' tasks
    "result_ttl": 14 * 24 * 3600,  # finished results expire after this; 0 keeps them
}
OPTION_NAMES = {"url", *DEFAULTS}
PREFIX_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
URL_SCHEMES = {"redis", "rediss", "unix"}
PROMOTE_BATCH = 100
logger = logging.getLogger(__name__)
FOREVER = "1e308"  # a heartbeat cutoff no worker reaches: requeue unconditionally

# KEYS: scheduled. ARGV: now, prefix, batch. Moves due deferred ids to their ready lists.
PROMOTE_DUE = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local f = redis.call('HMGET', ARGV[2] .. ':result:' .. id, 'queue_name', 'priority')
  if f[1] and f[2] then
    redis.call('LPUSH', ARGV[2] .. ':queue:' .. f[1] .. ':' .. f[2], id)
    redis.call('ZADD', ARGV[2] .. ':priorities:' .. f[1], -tonumber(f[2]), f[2])
  end
end
return #ids
"""

# KEYS: processing list, workers. ARGV: prefix, worker id, heartbeat cutoff.
# Returns -1 when the worker is alive, else how many unfinished ids went back to the front of
# their ready lists (finished or vanished ids are dropped).
REQUEUE = """
local seen = redis.call('ZSCORE', KEYS[2], ARGV[2])
if seen and tonumber(seen) >= tonumber(ARGV[3]) then return -1 end
local moved = 0
while true do
  local id = redis.call('LPOP', KEYS[1])
  if not id then break end
  local key = ARGV[1] .. ':result:' .. id
  local f = redis.call('HMGET', key, 'queue_name', 'priority', 'status')
  if f[1] and f[2] and (f[3] == 'READY' or f[3] == 'RUNNING') then
    redis.call('HSET', key, 'status', 'READY')
    redis.call('RPUSH', ARGV[1] .. ':queue:' .. f[1] .. ':' .. f[2], id)
    redis.call('ZADD', ARGV[1] .. ':priorities:' .. f[1], -tonumber(f[2]), f[2])
    moved = moved + 1
  end
end
redis.call('ZREM', KEYS[2], ARGV[2])
return moved
"""


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix; public so operators and tests can inspect the queue."""

    prefix: str

    def result(self, result_id: str) -> str:
        return f"{self.prefix}:result:{result_id}"

    def ready(self, queue_name: str, priority: int) -> str:
        return f"{self.prefix}:queue:{queue_name}:{priority}"

    def priorities(self, queue_name: str) -> str:
        return f"{self.prefix}:priorities:{queue_name}"

    def processing(self, worker_id: str) -> str:
        return f"{self.prefix}:processing:{worker_id}"

    @property
    def scheduled(self) -> str:
        return f"{self.prefix}:scheduled"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"


def _number(options: Mapping[str, Any], name: str, *, allow_zero: bool = False) -> float:
    value = options.get(name, DEFAULTS[name])
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidTaskBackend(f"RedisBackend option {name!r} must be a number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidTaskBackend(f"RedisBackend option {name!r} must be positive, got {value!r}")
    return float(value)


def _checked_url(options: Mapping[str, Any]) -> str:
    url = options.get("url")
    if not isinstance(url, str) or not url.strip():
        raise InvalidTaskBackend("RedisBackend needs OPTIONS['url'], e.g. redis://127.0.0.1:6379/0")
    if urlsplit(url).scheme not in URL_SCHEMES:
        raise InvalidTaskBackend(
            f"RedisBackend url must start with redis://, rediss:// or unix://, got {url!r}"
        )
    return url


def _checked_prefix(options: Mapping[str, Any]) -> str:
    prefix = options.get("prefix", DEFAULTS["prefix"])
    if not isinstance(prefix, str) or not PREFIX_RE.match(prefix):
        raise InvalidTaskBackend(
            "RedisBackend prefix must be 1-100 characters among letters, digits and _ . : -,"
            f" got {prefix!r}"
        )
    return prefix


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


def _moment(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def _exception_path(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


class RedisBackend(BaseTaskBackend):
    supports_defer = True
    supports_async_task = True
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        unknown = set(self.options) - OPTION_NAMES
        if unknown:
            raise InvalidTaskBackend(
                f"RedisBackend got unknown options {sorted(unknown)}; known: {sorted(OPTION_NAMES)}"
            )
        self.url = _checked_url(self.options)
        self.keys = Keys(_checked_prefix(self.options))
        self.stale_after = _number(self.options, "stale_after")
        self.requeue_every = _number(self.options, "requeue_every")
        self.result_ttl = int(_number(self.options, "result_ttl", allow_zero=True))
        self.redis = redis.Redis.from_url(
            self.url,
            decode_responses=True,
            socket_connect_timeout=5,
            socket_timeout=30,
            health_check_interval=30,
        )
        self._promote = self.redis.register_script(PROMOTE_DUE)
        self._requeue = self.redis.register_script(REQUEUE)
        self._last_requeue = float("-inf")
        self._recovered: set[str] = set()

    # --- enqueue and read -----------------------------------------------------------------

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        payload = cast(dict[str, Any], normalize_json({"args": list(args), "kwargs": kwargs}))
        now = timezone.now()
        result: TaskResult = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=now,
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=payload["args"],
            kwargs=payload["kwargs"],
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            self.keys.result(result.id),
            mapping={
                "task_path": task.module_path,
                "queue_name": task.queue_name,
                "priority": str(task.priority),
                "backend": self.alias,
                "status": TaskResultStatus.READY.value,
                "args": json.dumps(payload["args"]),
                "kwargs": json.dumps(payload["kwargs"]),
                "run_after": _iso(task.run_after),
                "enqueued_at": _iso(now),
                "started_at": "",
                "last_attempted_at": "",
                "finished_at": "",
                "worker_ids": "[]",
                "return_value": "null",
                "exception_class_path": "",
                "traceback": "",
            },
        )
        if task.run_after is not None and task.run_after > now:
            pipe.zadd(self.keys.scheduled, {result.id: task.run_after.timestamp()})
        else:
            self._push_ready(pipe, result.id, task.queue_name, task.priority)
        if connection.in_atomic_block:
            transaction.on_commit(pipe.execute)
        else:
            pipe.execute()
        task_enqueued.send(type(self), task_result=result)
        return result

    def _push_ready(self, pipe: Any, result_id: str, queue_name: str, priority: int) -> None:
        pipe.lpush(self.keys.ready(queue_name, priority), result_id)
        pipe.zadd(self.keys.priorities(queue_name), {str(priority): -priority})

    def get_result(self, result_id: str) -> TaskResult:
        data = cast(dict[str, str], self.redis.hgetall(self.keys.result(str(result_id))))
        if not data:
            raise TaskResultDoesNotExist(result_id)
        return self._to_result(str(result_id), data)

    def _to_result(self, result_id: str, data: dict[str, str]) -> TaskResult:
        task = import_string(data["task_path"])
        if not isinstance(task, Task):
            raise SuspiciousOperation(f"Task {result_id} does not point to a Task")
        task = task.using(
            priority=int(data["priority"]),
            queue_name=data["queue_name"],
            run_after=_moment(data.get("run_after")),
            backend=self.alias,
        )
        status = TaskResultStatus(data["status"])
        errors = []
        if status == TaskResultStatus.FAILED:
            errors.append(
                TaskError(
                    exception_class_path=data["exception_class_path"], traceback=data["traceback"]
                )
            )
        result: TaskResult = TaskResult(
            task=task,
            id=result_id,
            status=status,
            enqueued_at=_moment(data.get("enqueued_at")),
            started_at=_moment(data.get("started_at")),
            finished_at=_moment(data.get("finished_at")),
            last_attempted_at=_moment(data.get("last_attempted_at")),
            args=json.loads(data["args"]),
            kwargs=json.loads(data["kwargs"]),
            backend=self.alias,
            errors=errors,
            worker_ids=json.loads(data["worker_ids"]),
        )
        object.__setattr__(result, "_return_value", json.loads(data.get("return_value", "null")))
        return result

    # --- the worker's side ----------------------------------------------------------------

    def run_one(self, worker_id: str) -> bool:
        """Claim and run one ready task as ``worker_id``; False when there was none.

        While Redis is unreachable this logs and answers False, so the worker loop keeps
        polling instead of dying; once back, whatever this worker still held is requeued.
        """
        try:
            self._maintain(worker_id)
            result_id = self._claim(worker_id)
            if result_id is None:
                return False
            self._run_claimed(result_id, worker_id)
            return True
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            logger.warning("task queue: Redis unreachable (%s); will retry", exc)
            self._recovered.discard(worker_id)
            return False

    def heartbeat(self, worker_id: str) -> None:
        """Tell other workers that ``worker_id`` is alive (its claimed tasks are not stale)."""
        self.redis.zadd(self.keys.workers, {worker_id: time.time()})

    def requeue_stale(self, max_age: float) -> int:
        """Put back the tasks held by workers silent for ``max_age`` seconds; returns how many."""
        cutoff = str(time.time() - max_age)
        marker = self.keys.processing("")
        moved = 0
        for key in self.redis.scan_iter(match=f"{marker}*", count=200):
            moved += max(0, self._requeue_list(key, key[len(marker) :], cutoff))
        self.redis.zremrangebyscore(self.keys.workers, "-inf", cutoff)
        return moved

    def promote_due(self) -> int:
        """Move deferred tasks whose ``run_after`` has passed to their ready lists."""
        args: list[str | float] = [time.time(), self.keys.prefix, PROMOTE_BATCH]
        return int(cast(int, self._promote(keys=[self.keys.scheduled], args=args)))

    def _requeue_list(self, key: str, worker_id: str, cutoff: str) -> int:
        args = [self.keys.prefix, worker_id, cutoff]
        return int(cast(int, self._requeue(keys=[key, self.keys.workers], args=args)))

    def _maintain(self, worker_id: str) -> None:
        if worker_id not in self._recovered:
            # Ids are unique among live workers, so anything already in this list was left by
            # an earlier process that had the same id and died.
            self._requeue_list(self.keys.processing(worker_id), worker_id, FOREVER)
            self._recovered.add(worker_id)
        self.heartbeat(worker_id)
        if time.monotonic() - self._last_requeue >= self.requeue_every:
            self._last_requeue = time.monotonic()
            self.requeue_stale(self.stale_after)
        self.promote_due()

    def _ready_lists(self) -> list[tuple[str, int]]:
        """(queue, priority) of every ready list that may hold work, highest priority first."""
        queues = sorted(self.queues)
        pipe = self.redis.pipeline(transaction=False)
        for queue_name in queues:
            pipe.zrange(self.keys.priorities(queue_name), 0, -1)
        found = [
            (-int(priority), queue_name, int(priority))
            for queue_name, priorities in zip(queues, pipe.execute(), strict=True)
            for priority in priorities
        ]
        return [(queue_name, priority) for _, queue_name, priority in sorted(found)]

    def _claim(self, worker_id: str) -> str | None:
        processing = self.keys.processing(worker_id)
        for queue_name, priority in self._ready_lists():
            ready = self.keys.ready(queue_name, priority)
            result_id = self.redis.lmove(ready, processing, "RIGHT", "LEFT")
            if result_id is not None:
                return cast(str, result_id)
        return None

    def _mark_running(self, result_id: str, worker_id: str) -> dict[str, str] | None:
        key = self.keys.result(result_id)
        data = cast(dict[str, str], self.redis.hgetall(key))
        if data.get("status") != TaskResultStatus.READY:
            # Vanished (expired) or already handled: nothing to run, just let go of the id.
            self.redis.lrem(self.keys.processing(worker_id), 1, result_id)
            return None
        now = _iso(timezone.now())
        data.update(
            status=TaskResultStatus.RUNNING.value,
            last_attempted_at=now,
            started_at=data.get("started_at") or now,
            worker_ids=json.dumps([*json.loads(data["worker_ids"]), worker_id]),
        )
        fields = ("status", "last_attempted_at", "started_at", "worker_ids")
        self.redis.hset(key, mapping={name: data[name] for name in fields})
        return data

    def _run_claimed(self, result_id: str, worker_id: str) -> None:
        data = self._mark_running(result_id, worker_id)
        if data is None:
            return
        with self._heartbeating(worker_id):
            try:
                result = self._to_result(result_id, data)
                task_started.send(type(self), task_result=result)
                encoded = json.dumps(normalize_json(self._call(result)))
            except Exception as exc:
                self._finish(
                    result_id,
                    worker_id,
                    {
                        "status": TaskResultStatus.FAILED.value,
                        "return_value": "null",
                        "exception_class_path": _exception_path(exc),
                        "traceback": "".join(format_exception(exc)),
                    },
                )
            else:
                self._finish(
                    result_id,
                    worker_id,
                    {
                        "status": TaskResultStatus.SUCCESSFUL.value,
                        "return_value": encoded,
                    },
                )

    @staticmethod
    def _call(result: TaskResult) -> Any:
        task = result.task
        if task.takes_context:
            return task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
        return task.call(*result.args, **result.kwargs)

    def _finish(self, result_id: str, worker_id: str, outcome: dict[FieldT, EncodableT]) -> None:
        """Store the outcome and release the claim in one transaction, then tell listeners."""
        key = self.keys.result(result_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping={**outcome, "finished_at": _iso(timezone.now())})
        if self.result_ttl:
            pipe.expire(key, self.result_ttl)
        pipe.lrem(self.keys.processing(worker_id), 1, result_id)
        pipe.hgetall(key)
        data = pipe.execute()[-1]
        try:
            result = self._to_result(result_id, data)
        except Exception:
            logger.exception(
                "Task id=%s path=%s state=%s (task cannot be loaded)",
                result_id,
                data.get("task_path"),
                data.get("status"),
            )
            return
        task_finished.send(type(self), task_result=result)

    @contextmanager
    def _heartbeating(self, worker_id: str) -> Iterator[None]:
        """Keep the heartbeat fresh while a long task runs, so its claim is not taken away."""
        stop = threading.Event()
        every = max(0.5, self.stale_after / 5)

        def beat() -> None:
            while not stop.wait(every):
                try:
                    self.heartbeat(worker_id)
                except redis.RedisError:
                    continue

        thread = threading.Thread(target=beat, name=f"heartbeat-{worker_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
