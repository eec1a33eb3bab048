"""wrk runs: the cookie (or token) header, p50 and p95 from wrk's own latency histogram."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK = os.environ.get("BENCH_WRK", "/usr/bin/wrk")

# Each thread sends the header (and the User-Agent of the login: flask-login's session
# protection marks a session seen from another browser not fresh, in its cookie) and counts answers other than 200 (a lost session answers a fast
# 302 to the login page: it must not pass for a fast page); done() prints one JSON line.
LUA = r"""
local cookie = os.getenv("BENCH_COOKIE") or ""
local authorization = os.getenv("BENCH_AUTHORIZATION") or ""
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
if authorization ~= "" then wrk.headers["Authorization"] = authorization end
wrk.headers["User-Agent"] = "aap-bench"  -- the browser that logged in (bench/server.py AGENT)
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_200 = 0 end
function response(status, headers, body)
  if status ~= 200 then not_200 = not_200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("not_200") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"errors": %d, "timeouts": %d, "not_200": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write, e.timeout, bad))
end
"""


@dataclass
class Result:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int
    timeouts: int
    not_200: int


def script() -> str:
    path = Path(tempfile.gettempdir()) / "aap-bench-wrk.lua"
    path.write_text(LUA)
    return str(path)


def run(
    url: str,
    *,
    cookie: str = "",
    authorization: str = "",
    threads: int = 2,
    connections: int = 16,
    seconds: int = 10,
) -> Result:
    env = {**os.environ, "BENCH_COOKIE": cookie, "BENCH_AUTHORIZATION": authorization}
    out = subprocess.run(
        [
            WRK,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "60s",
            "--latency",
            "-s",
            script(),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    data = json.loads(line[len("BENCH ") :])
    seconds_run = data["duration_us"] / 1e6 or 1
    return Result(
        requests=data["requests"],
        rps=data["requests"] / seconds_run,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        errors=data["errors"],
        timeouts=data["timeouts"],
        not_200=data["not_200"],
    )
