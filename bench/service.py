"""One book through the embedded service, as a user runs it: `serve`, upload, download.

Run: uv run python bench/service.py [PDF] [--format m4b|mp3]

Starts `pdf2audiobook serve` on a free loopback port with an empty data folder (so nothing
comes from the chunk cache; SQLite and local files, one pool process per core), creates a
token, uploads the book and polls the API until it is done, then downloads it. Prints the
time to the first finished chapter and to the whole book, the speed in x realtime and as
a share of the ceiling, the CPU time of the server and its pool per second of audio, how
busy the cores were, and the peak memory of the largest process. The ceiling is the least
the book needs on this machine, measured after by `bench/convert.py`: the bare voice and
the output's encoder on the book's chunks, one process per core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.service.worker.processes import CLI, free_port, wait_for

DEFAULT_BOOK = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "06-manual-r-intro.pdf"
POLL_SECONDS = 0.2
RUN_LIMIT_SECONDS = 3600.0
START_SECONDS = 60.0


def _children_usage() -> tuple[float, float]:
    """CPU seconds and peak resident MB of waited-for descendants (the server's pool is
    counted once the server has waited for it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a live process, its live descendants and the children they reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
        total += sum(int(value) for value in fields[11:15]) / ticks
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending += [int(child) for child in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
    return total


def _ceiling(pdf: Path, fmt: str, workers: int) -> float:
    """x realtime of the bare voice plus the encoder, measured by bench/convert.py."""
    command = [sys.executable, str(Path(__file__).with_name("convert.py")), "--measure"]
    command += ["ceiling", "--formats", fmt, "--workers", str(workers), str(pdf)]
    output = subprocess.run(command, capture_output=True, text=True, check=True)
    measured = json.loads(output.stdout.strip().splitlines()[-1])
    return float(measured["audio"]) / float(measured["wall"])


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    environment = {
        **os.environ,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "bench-secret",
        "DATA_DIR": str(folder / "data"),
    }
    token = subprocess.run(
        [str(CLI), "tokens", "create", "--email", "bench@example.com"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    port = free_port()
    log = (folder / "server.log").open("ab")
    server = subprocess.Popen(
        [str(CLI), "serve", "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(answers, START_SECONDS, "the server to start")
    return server, url, {"Authorization": f"Bearer {token}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("pdf", type=Path, nargs="?", default=DEFAULT_BOOK)
    parser.add_argument("--format", choices=("m4b", "mp3"), default="m4b")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as scratch:
        server, url, headers = _serve(Path(scratch))
        try:
            cpu_at_upload = _tree_cpu_seconds(server.pid)
            started = time.monotonic()
            with args.pdf.open("rb") as handle:
                response = httpx.post(
                    f"{url}/api/v1/jobs",
                    files={"file": (args.pdf.name, handle)},
                    data={"output_format": args.format},
                    headers=headers,
                    timeout=120,
                )
            response.raise_for_status()
            job_id = response.json()["id"]
            first_chapter = 0.0
            while time.monotonic() - started < RUN_LIMIT_SECONDS:
                job = httpx.get(f"{url}/api/v1/jobs/{job_id}", headers=headers).json()
                if not first_chapter:
                    chapters = httpx.get(
                        f"{url}/api/v1/jobs/{job_id}/chapters", headers=headers
                    ).json()
                    if any(chapter["status"] == "done" for chapter in chapters):
                        first_chapter = time.monotonic() - started
                if job["status"] in ("completed", "failed", "cancelled"):
                    break
                time.sleep(POLL_SECONDS)
            if job["status"] != "completed":
                raise SystemExit(f"the job ended {job['status']}: {job.get('error_message')}")
            book = httpx.get(f"{url}/api/v1/jobs/{job_id}/audio", headers=headers, timeout=120)
            book.raise_for_status()
            elapsed = time.monotonic() - started
            cpu = _tree_cpu_seconds(server.pid) - cpu_at_upload
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=START_SECONDS)
    _, peak_mb = _children_usage()
    ceiling = _ceiling(args.pdf, args.format, cores)
    audio = float(job["duration_seconds"])
    print(f"book: {args.pdf.name}, {audio / 3600:.2f} h of audio, {args.format}, {cores} cores")
    speed = audio / elapsed
    print(f"ceiling (voice and encoder, {cores} processes): {ceiling:6.1f}x realtime")
    print(
        f"embedded service: {elapsed:7.1f} s upload to download  {speed:6.1f}x realtime"
        f" = {speed / ceiling:.2f} of the ceiling"
    )
    print(f"first chapter downloadable after {first_chapter:.1f} s")
    print(
        f"CPU {cpu:.0f} core-s ({cpu / audio:.3f} per audio second; "
        f"{cpu / (elapsed * cores):.0%} of {cores} cores busy); "
        f"largest process {peak_mb:.0f} MB; book {len(book.content) / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
