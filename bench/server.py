"""gunicorn in a subprocess (the portal or the bare page), its workers' memory, logging in."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
AGENT = "aap-bench"  # one browser: the login's User-Agent is the one wrk sends
PAGE_CACHE_URL = os.environ.get("BENCH_PAGE_CACHE_URL", "redis://127.0.0.1:6379/15")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(
    app: str, url: str, workers: int = 2, env: dict | None = None, page_cache: bool = False
):
    """Serve `app` (module:variable) with `workers` sync workers on `url`'s database; yields
    (base URL, master process). A config file of its own: the project's gunicorn.conf.py (gthread,
    access log) is not read. `page_cache`: the portal keeps pages in the bench's Redis
    (`BENCH_PAGE_CACHE_URL`, its entries namespaced by the database URL)."""
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="aap-bench-gunicorn-"))
    conf = tmp / "bench.conf.py"
    conf.write_text(
        f"bind = '127.0.0.1:{port}'\nworkers = {workers}\nworker_class = 'sync'\n"
        "timeout = 300\ngraceful_timeout = 5\naccesslog = None\nloglevel = 'warning'\n"
    )
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(tmp / "instance"),
        "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "LOGIN_ADDRESS_RATE_LIMIT": "100000 per minute",
        "PAGE_CACHE_URL": PAGE_CACHE_URL if page_cache else "",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    log = open(tmp / "gunicorn.log", "w")
    process = subprocess.Popen(
        [GUNICORN, "-c", str(conf), app],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {app} stopped: {(tmp / 'gunicorn.log').read_text()}")
            try:
                requests.get(base + "/", timeout=30)
                if len(workers_of(process.pid)) >= workers:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} did not answer in 60 s")
            time.sleep(0.3)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def workers_of(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(c) for c in children]


def rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise RuntimeError("no csrf_token on the page")
    return match.group(1) or match.group(2)


def login(
    base: str,
    email: str,
    password: str,
    session: requests.Session | None = None,
    timings: list | None = None,
):
    """A requests session logged in as `email` (the form's CSRF token included); the POST's
    milliseconds (what a person waits after « Se connecter ») are appended to `timings`."""
    session = session or requests.Session()
    session.headers["User-Agent"] = AGENT  # wrk sends the same (bench/wrk.py)
    page = session.get(base + "/connexion", timeout=120)
    start = time.perf_counter()
    response = session.post(
        base + "/connexion",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=120,
    )
    if timings is not None:
        timings.append((time.perf_counter() - start) * 1000)
    if response.status_code != 302:
        raise RuntimeError(f"login of {email} refused ({response.status_code})")
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def drain(base: str, workers: int, timeout: float = 600) -> None:
    """Wait until the sync workers have served what wrk left queued (a closed connection's
    request is still served): one light request per worker at once, twice."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        for _ in range(2):
            list(
                pool.map(
                    lambda _: requests.get(base + "/connexion", timeout=timeout), range(workers)
                )
            )
