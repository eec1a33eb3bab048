"""The deadline rush: heads log in, attach a 2 MB PDF and submit, many at once.

Each client takes the next draft (one per head, built complete but for its attachment), logs in
(the login form and its CSRF token), opens the attachments step, uploads the PDF, submits. Then
the database says what was lost: every draft must be submitted with its attachment, and the
references of the call's year must run 1…N without a gap.
"""

from __future__ import annotations

import queue
import re
import statistics
import threading
import time
from dataclasses import dataclass, field

import requests
from sqlalchemy import create_engine, text

from bench.rows import PASSWORD
from bench.server import csrf_token, login

MB = 1024 * 1024


def pdf_of(size: int = 2 * MB) -> bytes:
    """A well-formed (empty) PDF of `size` bytes: the padding is PDF comment lines."""
    head = b"%PDF-1.4\n"
    tail = (
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    line = b"%" + b"x" * 98 + b"\n"
    body = line * ((size - len(head) - len(tail)) // len(line))
    pad = b"%" * (size - len(head) - len(tail) - len(body) - 1) + b"\n"
    return head + body + pad + tail


@dataclass
class RushResult:
    dossiers: int
    clients: int
    seconds: float
    errors: list[str] = field(default_factory=list)
    login_ms: list[float] = field(default_factory=list)
    upload_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    submitted: int = 0
    with_attachment: int = 0
    reference_gaps: int = 0
    duplicate_references: int = 0

    @property
    def lost(self) -> int:
        return self.dossiers - self.submitted


def p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _one(base: str, email: str, dossier_id: int, kind_id: int, pdf: bytes, result: RushResult):
    session = requests.Session()
    login(base, email, PASSWORD, session, timings=result.login_ms)
    page = session.get(f"{base}/dossiers/{dossier_id}/etape/pieces-jointes", timeout=120)
    if page.status_code != 200:
        raise RuntimeError(f"attachments step {page.status_code}")
    start = time.perf_counter()
    response = session.post(
        f"{base}/dossiers/{dossier_id}/pieces",
        data={"csrf_token": csrf_token(page.text), "kind_id": str(kind_id)},
        files={"file": ("budget.pdf", pdf, "application/pdf")},
        allow_redirects=False,
        timeout=120,
    )
    result.upload_ms.append((time.perf_counter() - start) * 1000)
    if response.status_code != 302:
        raise RuntimeError(f"upload {response.status_code}")
    page = session.get(f"{base}/dossiers/{dossier_id}/etape/recapitulatif", timeout=120)
    start = time.perf_counter()
    response = session.post(
        f"{base}/dossiers/{dossier_id}/deposer",
        data={"csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=120,
    )
    result.submit_ms.append((time.perf_counter() - start) * 1000)
    location = response.headers.get("Location", "")
    if response.status_code != 302 or not location.endswith(f"/dossiers/{dossier_id}"):
        raise RuntimeError(f"submit {response.status_code} → {location}")


def run(base: str, url: str, drafts, kind_id: int, call_id: int, year: int, clients: int = 30):
    """Rush `drafts` [(email, dossier id)] with `clients` threads on the server at `base`."""
    pdf = pdf_of()
    todo: queue.Queue = queue.Queue()
    for item in drafts:
        todo.put(item)
    result = RushResult(dossiers=len(drafts), clients=clients, seconds=0)

    def worker():
        while True:
            try:
                email, dossier_id = todo.get_nowait()
            except queue.Empty:
                return
            try:
                _one(base, email, dossier_id, kind_id, pdf, result)
            except Exception as exc:  # counted, the rush goes on
                result.errors.append(f"{dossier_id}: {exc}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - start

    ids = [d for _, d in drafts]
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.id, d.reference, d.status, "
                "(SELECT count(*) FROM attachment a WHERE a.dossier_id = d.id) "
                "FROM dossier d WHERE d.call_id = :call AND d.reference IS NOT NULL"
            ),
            {"call": call_id},
        ).all()
    engine.dispose()
    mine = [r for r in rows if r[0] in set(ids) and r[2] == "submitted"]
    result.submitted = len(mine)
    result.with_attachment = sum(1 for r in mine if r[3])
    # every reference of the call's year, earlier runs' included: 1…N, each once
    numbers = [int(re.sub(r".*-", "", r[1])) for r in rows if f"-{year}-" in r[1]]
    result.duplicate_references = len(numbers) - len(set(numbers))
    result.reference_gaps = (max(numbers) - len(set(numbers))) if numbers else 0
    return result
