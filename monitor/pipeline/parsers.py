"""Parser processes: feeds are parsed off the event loop's process, one worker per core beside the one the
processing thread keeps busy.

Why processes and not the worker thread that stores: feedparser is pure Python CPU work, and in a thread it holds
the GIL the event loop needs to read the other feeds' answers, so a big feed being parsed delayed every fetch in
flight. A parse is a function of the bytes alone, so it crosses a pipe well: the body goes in, plain rows come
back (`monitor.parse.serve`).

Why not `concurrent.futures.ProcessPoolExecutor`: its spawned workers run the parent's main script again, and the
`monitor` console script imports the whole command line (96 MB and a second of CPU for each worker). A worker here
is `python -m monitor.parse`, which imports feedparser and nothing else of the daemon (about 21 MB).

Each worker is driven by one thread of a small pool, which writes a request and waits on the answer with the GIL
released. Workers start when first needed and live until `close`, so a round of 304s starts none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

if TYPE_CHECKING:  # imported by the first parse: a round of 304s parses nothing (and starts no parser process)
    from monitor import parse as parsing  # named apart from `Parsers.parse`

log = logging.getLogger("monitor.pipeline")

STOP_SECONDS = 5.0  # a worker still parsing when asked to stop is killed after this


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_size() -> int:
    """One worker per core but one, and at least one. The processing thread (reading, deciding, storing: 0.8 ms
    an item against 0.33 ms to parse it) keeps a core busy by itself, and each worker costs about 22 MB: on two
    cores one worker keeps up, and a second would only add memory."""
    return max(1, cores() - 1)


class ParserDied(Exception):
    """The worker process ended while parsing a document (killed, or out of memory)."""


class Parsers:
    """Up to `size` parser processes (default: `default_size()`), started as needed; `parse` is awaited from the
    event loop."""

    def __init__(self, size: int | None = None) -> None:
        self.size = max(1, size or default_size())
        self._threads = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="monitor-parse")
        self._own = threading.local()  # each thread drives one worker
        self._workers: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._closed = False
        # Workers end when their pipe closes: with the last reference to this object, or at exit.
        self._finalizer = weakref.finalize(self, _stop, self._workers, self._lock)

    async def parse(self, body: bytes, *, headers: dict[str, str], feed_url: str, source: str | None,
                    fetched_at: datetime) -> parsing.Answer:
        """What a worker answers for this document: ("ok", rows...), ("not_a_feed", why) or ("failed", why).
        Raises ParserDied when the worker died on it."""
        request: parsing.Request = (body, headers, feed_url, source, fetched_at)
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._ask, request)

    def _ask(self, request: parsing.Request) -> parsing.Answer:
        from monitor import parse as parsing  # see the import at the top

        worker = self._worker()
        try:
            parsing.write_frame(cast(IO[bytes], worker.stdin), request)
            answer = parsing.read_frame(cast(IO[bytes], worker.stdout))
            if answer is None:
                raise EOFError
            return cast("parsing.Answer", answer)
        except (OSError, EOFError, ValueError) as exc:
            self._own.worker = None
            with self._lock:
                if worker in self._workers:
                    self._workers.remove(worker)
            _end(worker)
            raise ParserDied(f"the parser process ended while parsing (exit code {worker.returncode})") from exc

    def _worker(self) -> subprocess.Popen[bytes]:
        worker: subprocess.Popen[bytes] | None = getattr(self._own, "worker", None)
        if worker is not None and worker.poll() is None:
            return worker
        with self._lock:
            if self._closed:
                raise RuntimeError("the parsers are closed")
            worker = subprocess.Popen([sys.executable, "-m", "monitor.parse"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=_environment())
            self._workers.append(worker)
        self._own.worker = worker
        return worker

    @property
    def running(self) -> int:
        """How many worker processes are up."""
        with self._lock:
            return sum(1 for w in self._workers if w.poll() is None)

    def pids(self) -> list[int]:
        """The worker processes' ids (for measuring their memory)."""
        with self._lock:
            return [w.pid for w in self._workers if w.poll() is None]

    def close(self) -> None:
        """Let the parses in progress end, then stop the workers (each ends when its pipe closes)."""
        with self._lock:
            self._closed = True
        self._threads.shutdown(wait=True, cancel_futures=True)
        self._finalizer()


def _environment() -> dict[str, str]:
    """The worker's environment: this one, with the folder `monitor` was imported from first on its path (a
    source checkout run without being installed)."""
    here = str(Path(__file__).resolve().parents[2])  # monitor/pipeline/parsers.py
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": here + (os.pathsep + path if path else "")}


def _end(worker: subprocess.Popen[bytes]) -> None:
    for pipe in (worker.stdin, worker.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    try:
        worker.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("a parser process did not stop within %.0fs; killed", STOP_SECONDS)
        worker.kill()
        worker.wait()


def _stop(workers: list[subprocess.Popen[bytes]], lock: threading.Lock) -> None:
    with lock:
        ending, workers[:] = list(workers), []
    for worker in ending:
        _end(worker)
