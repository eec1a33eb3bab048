"""The benchmark of issue 13, as one command (bench/README.md):

    python -m bench run --dossiers 5000 --rounds 3
    python -m bench run --dossiers 500 --small 100 --rounds 1 --seconds 5      # a few minutes

Builds the data on PostgreSQL (bench/data.py, bulk inserts), counts each page's SQL statements
in-process at two sizes, serves the portal and the bare 50-row page with gunicorn (`-w 2` sync) on
the same database, logs the right people in, runs each page under wrk interleaved with the bare
page for N rounds, measures the exports (first byte, total, worker RSS growth) and the deadline
rush (`-w 4`, 30 clients, a 2 MB PDF each), and prints one Markdown report.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARTS = ("sql", "pages", "exports", "rush")


def machine(url: str) -> str:
    from bench.database import version

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {mem / 1024 / 1024:.1f} GiB, "
        f"{cpu}, PostgreSQL {version(url)}, Python {sys.version.split()[0]}"
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def hashing() -> str:
    """What one login's password check costs here, with the portal's parameters and the old ones."""
    from argon2 import PasswordHasher

    from portal.auth.services import hash_parameters

    keys = ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_PARALLELISM")
    time_cost, memory_kib, parallelism = hash_parameters({k: os.environ.get(k) for k in keys})
    out = []
    for t, m, p in ((time_cost, memory_kib, parallelism), (3, 65536, 4)):
        hasher = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p)
        digest = hasher.hash("bench-password-2014")
        start = time.perf_counter()
        for _ in range(5):
            hasher.verify(digest, "bench-password-2014")
        out.append(f"m={m} KiB t={t} p={p}: {(time.perf_counter() - start) / 5 * 1000:.0f} ms")
    return f"{out[0]} a verify (argon2-cffi's default before, {out[1]})"


def _built_path(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{name}.built.json"


def prepare(name: str, size: int, rush: int, reuse: bool, log):
    """(database URL, Built): built now, or found again with --reuse."""
    from bench import data, database

    path = _built_path(name)
    url = f"{database.SERVER}/{name}"
    if reuse and path.exists():
        log(f"reusing {name} ({path})")
        database.analyze(url)
        return url, data.Built(**json.loads(path.read_text()))
    log(f"building {name}: {size} dossiers …")
    url = database.fresh(name)
    app = database.app_for(url)
    with app.app_context():
        built = data.build(dossiers=size, rush=rush, log=log)
    from portal.db import db

    with app.app_context():
        db.engine.dispose()
    database.analyze(url)
    path.write_text(json.dumps(dataclasses.asdict(built)))
    log(f"built {name} in {built.seconds:.1f} s: {built.counts}")
    return url, built


def sql_counts(url: str, built) -> dict:
    from bench import database, inprocess

    app = database.app_for(url)
    counts = inprocess.count_statements(app, inprocess.pages(built))
    from portal.db import db

    with app.app_context():
        db.engine.dispose()
    return counts


def _sessions(base: str, page_list, log) -> dict:
    """{who: headers} for wrk: a logged-in cookie, or a Bearer token for the API."""
    from bench import database, inprocess, server
    from bench.rows import PASSWORD

    out = {}
    for page in page_list:
        key = (page.who, page.api)
        if key in out:
            continue
        if not page.who:  # a public page: no session
            out[key] = {}
        elif page.api:
            app = database.app_for(os.environ["BENCH_URL"])
            with app.app_context():
                out[key] = {"authorization": f"Bearer {inprocess.api_token(page.who)}"}
        else:
            session = server.login(base, inprocess.email(page.who), PASSWORD)
            for other in page_list:  # opened once, as a browser would: the cookie then holds
                if (other.who, other.api) == key:  # what pages put in the session (CSRF token)
                    session.get(base + other.path, timeout=120)
            out[key] = {"cookie": server.cookie_header(session)}
        if page.who:
            log(f"  logged in: {page.who}{' (API token)' if page.api else ''}")
    return out


class Writer:
    """While in its `with`, raises the page cache's data revision `rate` times a second, as that
    many commits anywhere in the portal would (each one makes every stored page stale)."""

    def __init__(self, url: str, rate: float) -> None:
        from bench import database, server

        app = database.app_for(url, PAGE_CACHE_URL=server.PAGE_CACHE_URL)
        self.cache, self.rate, self.done = app.extensions["page_cache"], rate, 0

    def __enter__(self):
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.wait(1 / self.rate):
            self.cache.bump()
            self.done += 1

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()


def pages(url: str, built, args, log) -> tuple[list, dict]:
    """wrk on each page, the bare page just before it, `rounds` times, on a portal without and
    one with the page cache (`--page-cache`); (rows, bare medians)."""
    import contextlib

    import requests

    from bench import inprocess, server, wrk

    page_list = inprocess.pages(built)
    os.environ["BENCH_URL"] = url
    options = dict(threads=args.threads, connections=args.connections, seconds=args.seconds)
    from bench.report import modes_of

    modes = modes_of(args)
    runs: dict[tuple[str, str], list] = {(p.label, m): [] for p in page_list for m in modes}
    bare_runs = []
    with contextlib.ExitStack() as stack:
        bare, _ = stack.enter_context(server.gunicorn("bench.baseline:app", url, workers=2))
        portals = {
            mode: stack.enter_context(
                server.gunicorn("wsgi:app", url, workers=2, page_cache=mode != "off")
            )[0]
            for mode in modes
        }
        writer = Writer(url, args.writes_per_second) if "writes" in modes else None
        headers = _sessions(portals[modes[0]], page_list, log)
        for page in page_list:  # every page answers 200 with its session before it is timed
            h = headers[(page.who, page.api)]
            for portal in portals.values():
                status = requests.get(
                    portal + page.path,
                    headers={k.title(): v for k, v in h.items()},
                    allow_redirects=False,
                    timeout=300,
                ).status_code
                if status != 200:
                    raise RuntimeError(f"{page.label}: {page.path} answered {status}")
        for r in range(args.rounds):
            for page in page_list:
                for mode, portal in portals.items():
                    base = wrk.run(bare + "/", **options)
                    with writer if mode == "writes" else contextlib.nullcontext():
                        result = wrk.run(
                            portal + page.path, **headers[(page.who, page.api)], **options
                        )
                    server.drain(portal, 2)
                    bare_runs.append(base)
                    ratio = result.rps / base.rps if base.rps else 0
                    runs[(page.label, mode)].append((result, ratio))
                    log(
                        f"  round {r + 1} {page.label} (page cache {mode}): {result.rps:.1f} "
                        f"req/s, p95 {result.p95_ms:.0f} ms (bare {base.rps:.0f} req/s)"
                    )
    med = statistics.median
    rows = []
    for page in page_list:
        row = {"label": page.label}
        for mode in modes:
            results = runs[(page.label, mode)]
            row[mode] = {
                "rps": med(r.rps for r, _ in results),
                "p50": med(r.p50_ms for r, _ in results),
                "p95": med(r.p95_ms for r, _ in results),
                "ratio": med(ratio for _, ratio in results),
                "bad": sum(r.not_200 + r.errors for r, _ in results),
                "timeouts": sum(r.timeouts for r, _ in results),
            }
        rows.append(row)
    bare = {
        "rps": med(b.rps for b in bare_runs),
        "p50": med(b.p50_ms for b in bare_runs),
        "p95": med(b.p95_ms for b in bare_runs),
        "bad": sum(b.not_200 + b.errors + b.timeouts for b in bare_runs),
    }
    return rows, bare


def _timed_download(session, url: str, pids: list[int]) -> tuple[float, float, float, int]:
    """(seconds to the first body byte, seconds in all, the largest worker RSS growth in MB,
    bytes), the workers' RSS sampled every 20 ms while the download runs."""
    from bench import server

    before = {pid: server.rss_mb(pid) for pid in pids}
    peak = dict(before)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], server.rss_mb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        start = time.perf_counter()
        response = session.get(url, stream=True, timeout=600)
        first = response.raw.read(1)
        first_s = time.perf_counter() - start
        size = len(first) + len(response.raw.read())
        total_s = time.perf_counter() - start
    finally:
        stop.set()
        sampler.join()
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return first_s, total_s, max(peak[p] - before[p] for p in pids), size


def exports(url: str, built, args, log) -> list:
    """Each export on a fresh gunicorn -w 2 (its workers have served only the login), `rounds`
    times: first byte and total (medians), the largest worker RSS growth over the rounds."""
    from bench import inprocess, server
    from bench.rows import PASSWORD

    rows = []
    for page in inprocess.exports(built):
        with server.gunicorn("wsgi:app", url, workers=2) as (base, master):
            session = server.login(base, inprocess.email(page.who), PASSWORD)
            server.drain(base, 2)
            pids = server.workers_of(master.pid)
            runs = [_timed_download(session, base + page.path, pids) for _ in range(args.rounds)]
        row = {
            "label": page.label,
            "first": statistics.median(r[0] for r in runs),
            "total": statistics.median(r[1] for r in runs),
            "rss": max(r[2] for r in runs),
            "mb": runs[-1][3] / 1024 / 1024,
        }
        log(
            f"  {page.label}: first byte {row['first']:.2f} s, total {row['total']:.2f} s, "
            f"RSS +{row['rss']:.0f} MB"
        )
        rows.append(row)
    return rows


def rush(url: str, built, args, log):
    from sqlalchemy import create_engine, text

    from bench import rush as rush_bench
    from bench import server

    engine = create_engine(url)
    with engine.connect() as conn:
        drafts = set(
            conn.execute(
                text("SELECT id FROM dossier WHERE call_id = :c AND status = 'draft'"),
                {"c": built.rush_call_id},
            ).scalars()
        )
    engine.dispose()
    todo = [(email, d) for email, d in built.rush if d in drafts]
    if len(todo) < len(built.rush):
        log(f"  rush: {len(built.rush) - len(todo)} drafts already submitted (a reused database)")
    with server.gunicorn("wsgi:app", url, workers=args.rush_workers) as (base, _):
        result = rush_bench.run(
            base, url, todo, built.rush_kind_id, built.rush_call_id, 2017, args.rush_clients
        )
    for error in result.errors[:5]:
        log(f"  rush error: {error}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="build, measure, print the report")
    p.add_argument("--dossiers", type=int, default=5000, help="submitted dossiers in review")
    p.add_argument(
        "--small", type=int, default=500, help="the other size for SQL counts (0: skip it)"
    )
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10, help="wrk -d")
    p.add_argument("--connections", type=int, default=16, help="wrk -c")
    p.add_argument("--threads", type=int, default=2, help="wrk -t")
    p.add_argument(
        "--page-cache",
        choices=("on", "off", "both"),
        default="both",
        help="pages measured with the page cache, without, or both (two portals)",
    )
    p.add_argument(
        "--writes-per-second",
        type=float,
        default=0,
        help="also time the cached pages while the data revision is raised this often",
    )
    p.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"some of {','.join(PARTS)}; build: only build the data (then --reuse)",
    )
    p.add_argument("--rush-dossiers", type=int, default=300, help="drafts built for the rush")
    p.add_argument("--rush-clients", type=int, default=30)
    p.add_argument("--rush-workers", type=int, default=4)
    p.add_argument("--reuse", action="store_true", help="keep the databases a previous run built")
    p.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args(argv)
    parts = {x.strip() for x in args.parts.split(",") if x.strip()}
    unknown = parts - set(PARTS) - {"build"}
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    # a stopped run (SIGTERM) still stops its gunicorn servers (their `finally`)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    info = {
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": load(),
    }
    name = f"aap_bench_{args.dossiers}"
    url, built = prepare(name, args.dossiers, args.rush_dossiers, args.reuse, log)
    if parts == {"build"}:  # only the data, for later runs with --reuse
        return
    info["machine"] = machine(url)
    info["hashing"] = hashing()
    info["counts"] = built.counts
    info["built_s"] = built.seconds
    counts, small_counts = {}, {}
    if "sql" in parts:
        counts = sql_counts(url, built)
        if args.small:
            small_url, small_built = prepare(
                f"aap_bench_{args.small}", args.small, 0, args.reuse, log
            )
            small_counts = sql_counts(small_url, small_built)
        log(f"SQL statements: {small_counts} / {counts}")
    page_rows, bare = [], {}
    if "pages" in parts:
        page_rows, bare = pages(url, built, args, log)
    export_rows = exports(url, built, args, log) if "exports" in parts else []
    rush_result = rush(url, built, args, log) if "rush" in parts and built.rush else None
    info["load_after"] = load()
    from bench.report import report

    text = report(args, info, counts, small_counts, page_rows, bare, export_rows, rush_result)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
