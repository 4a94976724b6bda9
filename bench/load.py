"""The API under load, on loopback: many clients polling, and one user's burst of submissions.

Run: uv run python bench/load.py [--clients 50] [--seconds 15] [--postgres]

Starts `pdf2audiobook serve` on free loopback ports with an empty data folder: one process
on SQLite with the embedded runner, or (`--postgres`) two processes on a throwaway
PostgreSQL database with a throwaway Redis (for the shared rate limits and the queue, which
no worker drains, so jobs stay pending and take no CPU). Every client is its own user with
one job; for `--seconds` each polls its job's status and lists its jobs in turn, as fast as
answers come. Prints requests per second, p50 and p99 latency and the errors. The general
per-user limit is raised for that phase (`--api-limit`) so the figures are the server's,
not the limiter's. Then one new user submits `--burst` books one after another: with the
default limits that is 201 up to RATE_LIMIT_SUBMIT, then 429 with Retry-After, and nothing
else. Every process started here is ended by its pid.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.service.worker.processes import CLI, free_port, wait_for

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "sample-book.pdf"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
START_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    def report(self, label: str, seconds: float) -> None:
        count = len(self.latencies)
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else 0.0
        p99 = ordered[min(count - 1, int(count * 0.99))] * 1000 if ordered else 0.0
        errors = sum(n for status, n in self.statuses.items() if status != 200)
        errors += sum(self.failures.values())
        print(
            f"{label}: {count} requests in {seconds:.1f} s = {count / seconds:7.1f} req/s, "
            f"p50 {p50:6.1f} ms, p99 {p99:6.1f} ms, errors {errors} "
            f"(statuses {dict(sorted(self.statuses.items()))}"
            f"{', ' + str(dict(self.failures)) if self.failures else ''})"
        )


@contextmanager
def _process(command: list[str], env: dict[str, str], log: Path) -> Iterator[int]:
    """A child process for the block; ended by its pid (SIGTERM, then SIGKILL)."""
    with log.open("ab") as output:
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield child.pid
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=START_SECONDS)


@contextmanager
def _postgres_database() -> Iterator[str]:
    import psycopg
    from psycopg import sql

    name = f"p2a_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _serve(stack: ExitStack, env: dict[str, str], folder: Path, index: int) -> str:
    port = free_port()
    stack.enter_context(
        _process([str(CLI), "serve", "--port", str(port)], env, folder / f"api-{index}.log")
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(answers, START_SECONDS, f"API process {index} to start")
    return url


def _tokens(env: dict[str, str], count: int) -> list[str]:
    """One personal API token for each of `count` new users, made in this process."""
    from pdf2audiobook.service.kit.db import create_engine_for, session_factory, session_scope
    from pdf2audiobook.service.kit.settings import Settings
    from pdf2audiobook.service.users.tokens import create_token_for_email

    settings = Settings(
        _env_file=None,
        data_dir=Path(env["DATA_DIR"]),
        database_url=env.get("DATABASE_URL") or None,
    )
    engine = create_engine_for(settings.resolved_database_url, pool_size=2, max_overflow=0)
    try:
        sessions = session_factory(engine)
        with session_scope(sessions) as session:
            run = secrets.token_hex(3)
            return [
                create_token_for_email(session, f"load-{run}-{n}@example.com", "bench")
                for n in range(count)
            ]
    finally:
        engine.dispose()


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _submit(client: httpx.Client, url: str, token: str) -> httpx.Response:
    with SAMPLE.open("rb") as handle:
        return client.post(
            f"{url}/api/v1/jobs",
            files={"file": (SAMPLE.name, handle, "application/pdf")},
            headers=_headers(token),
        )


async def _poll(url: str, token: str, job_id: str, deadline: float, tally: Tally) -> None:
    paths = (f"/api/v1/jobs/{job_id}/status", "/api/v1/jobs?limit=20")
    async with httpx.AsyncClient(
        base_url=url, headers=_headers(token), timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        turn = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                response = await client.get(paths[turn % 2])
            except httpx.HTTPError as error:
                tally.failures[type(error).__name__] += 1
            else:
                tally.latencies.append(time.monotonic() - started)
                tally.statuses[response.status_code] += 1
            turn += 1


async def _load(urls: list[str], tokens: list[str], jobs: list[str], seconds: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(
            _poll(urls[n % len(urls)], token, job_id, deadline, tally)
            for n, (token, job_id) in enumerate(zip(tokens, jobs, strict=True))
        )
    )
    return tally


def _burst(urls: list[str], token: str, count: int) -> None:
    answers: list[tuple[int, str | None]] = []
    with httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS) as client:
        for n in range(count):
            response = _submit(client, urls[n % len(urls)], token)
            answers.append((response.status_code, response.headers.get("Retry-After")))
    statuses = [status for status, _ in answers]
    accepted = statuses.count(201)
    in_order = statuses == [201] * accepted + [429] * (count - accepted)
    retry_after = sorted({int(value) for status, value in answers if status == 429 and value})
    print(
        f"burst: {count} submissions by one user: {accepted} x 201 then "
        f"{statuses.count(429)} x 429 (Retry-After {retry_after[:1] + retry_after[-1:]} s); "
        f"201s then 429s and nothing else: {in_order}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--api-limit", default="1000000/minute")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        folder = Path(scratch)
        env = {
            **os.environ,
            "ENVIRONMENT": "test",
            "SECRET_KEY": "bench-secret",
            "DATA_DIR": str(folder / "data"),
            "CREDITS_ENABLED": "false",
            "JOB_WORKERS": "1",
            "RATE_LIMIT_API": args.api_limit,
            "LOG_LEVEL": "WARNING",
        }
        processes = 1
        if args.postgres:
            processes = 2
            env["DATABASE_URL"] = stack.enter_context(_postgres_database())
            redis_port = free_port()
            binary = shutil.which("redis-server") or "redis-server"
            stack.enter_context(
                _process(
                    [binary, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
                    env,
                    folder / "redis.log",
                )
            )
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        urls = [_serve(stack, env, folder, n) for n in range(processes)]
        tokens = _tokens(env, args.clients + 1)
        jobs: list[str] = []
        with httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS) as client:
            for n, token in enumerate(tokens[:-1]):
                url = urls[n % len(urls)]
                job_id = _submit(client, url, token).raise_for_status().json()["id"]
                # Cancelled at once: the figures are the API's, not a conversion's.
                client.post(f"{url}/api/v1/jobs/{job_id}/cancel", headers=_headers(token))
                jobs.append(job_id)
        backend = "PostgreSQL, 2 API processes, Redis" if args.postgres else "SQLite, 1 process"
        print(f"serve on {backend}; {args.clients} clients, each its own user, loopback")
        started = time.monotonic()
        tally = asyncio.run(_load(urls, tokens[:-1], jobs, args.seconds))
        tally.report("status polling and job listing", time.monotonic() - started)
        _burst(urls, tokens[-1], args.burst)


if __name__ == "__main__":
    main()
