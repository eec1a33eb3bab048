"""A server-side cache of whole pages, shared by the web workers, in Redis (`PAGE_CACHE_URL`).

Only views that opt in with `@cached_page` are cached, and only their GET/HEAD answers that are
200, not streamed, set no cookie, left the session unmodified, had no flash to show and wrote
nothing. An entry's key holds everything its bytes depend on:

- the namespace: a hash of the database URL (two databases on one Redis never mix) and of the
  code (`code_version`: a deploy never serves the pages of the code before it);
- the data revision: one counter per database, raised after every commit that wrote through
  `db.session` (ORM flushes and Core INSERT/UPDATE/DELETE run through the session; the portal
  writes through nothing else — a write on a connection of its own, or from psql, shows after
  `PAGE_CACHE_SECONDS` at most). It is read
  first thing in the request, before the user or any page data: a page stored under revision r
  reflects at least every write committed before r was read;
- the current minute (texts that depend on the time, « Plus que 2 h 10 », are at most a minute
  old) — entries expire after `PAGE_CACHE_SECONDS` anyway;
- the method, host, path and query string;
- the reader, as verified: a browser session by its server-side row (the digest the user loader
  has just checked: not revoked, its user active) and a hash of the signed session's contents; an
  API token by its hash, once the API's check accepted it; an anonymous reader with an empty
  session by nothing (shared), any other anonymous reader by the hash of its session.

A browser's hit is served from the first `before_request`, once the session it claims is
verified without building the user (`_claim_holds`: the session row live, the browser's
identifier unchanged); any other hit is served from inside the view's decorator, once every
`before_request` (the API's token check, the second-factor rule) has run and the user loader
has verified the reader. A Redis failure never breaks a page: a warning is logged and the page
renders uncached.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time

from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("portal.pagecache")

PREFIX = "aap:pc"
WRITES = "page_cache_writes"  # session.info: this transaction wrote (raise the revision)
MAX_BYTES = 8 * 1024 * 1024  # a larger page is rendered each time
RETRY_SECONDS = 5.0  # after a failure, reads skip Redis this long (writes still try)
UNSTORED_HEADERS = {"set-cookie", "content-length"}

clock = time.time  # the cache's clock (the minute of the key); tests replace it


def cached_page(view):
    """Let this view's GET/HEAD answers be served from the page cache (module docstring).

    Put it right above the view function (under `login_required`, which then still redirects
    an anonymous reader first). The view must depend only on the database, the reader, the URL
    and the time (not on request headers, other cookies or randomness); a view that writes is
    never stored (its side effects happen on every request)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = current_app.extensions.get("page_cache")
        if cache is None:
            return view(*args, **kwargs)
        return cache.serve(view, args, kwargs)

    wrapper.page_cache = True
    return wrapper


@functools.cache
def code_version() -> str:
    """A hash of what renders the pages: the Python and template files' contents, the static
    files' names and sizes (the same code on two hosts gives the same hash)."""
    from .config import ROOT

    digest = hashlib.sha256()
    for folder in ("portal", "applications", "review", "funding", "outcomes", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".html", ".txt", ".xml"):
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(ROOT)}\0{path.stat().st_size}".encode())
    return digest.hexdigest()


class PageCache:
    def __init__(self, app: Flask) -> None:
        self.client = None
        self.seconds = int(app.config.get("PAGE_CACHE_SECONDS") or 60)
        database = str(app.config["DATABASE_URL"]).encode()
        self.namespace = hashlib.sha256(database + code_version().encode()).hexdigest()[:16]
        self.down_until = 0.0
        if app.config.get("PAGE_CACHE_URL"):
            self.connect(app.config["PAGE_CACHE_URL"])

    def connect(self, url: str | None) -> None:
        """Use the Redis at `url` (None: the cache is off)."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.client = None
        self.down_until = 0.0
        if url:
            self.client = redis.Redis.from_url(
                url,
                socket_timeout=0.25,
                socket_connect_timeout=0.25,
                retry=Retry(NoBackoff(), 0),  # a slow Redis costs a page 0.25 s at most, once
            )
            self._lookup = self.client.register_script(LOOKUP)

    # ------------------------------------------------------------------ keys

    def key(self, name: str) -> str:
        return f"{PREFIX}:{self.namespace}:{name}"

    def _failed(self, what: str, exc: Exception) -> None:
        log.warning("page cache: %s failed (%s); pages render uncached", what, exc)
        self.down_until = time.monotonic() + RETRY_SECONDS

    def _usable(self) -> bool:
        return self.client is not None and time.monotonic() >= self.down_until

    def bump(self) -> None:
        """A write was committed: every page stored so far is out of date."""
        if self.client is None:
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.set(self.key("rev"), time.time_ns(), nx=True)
            pipe.incr(self.key("rev"))
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            # Entries stored before still expire after PAGE_CACHE_SECONDS (and the minute).
            self._failed("raising the revision", exc)

    # ------------------------------------------------------------------ requests

    def begin(self) -> None:
        """First before_request, one round trip: the revision, read before anything reads the
        database, and the page stored for the reader the request claims to be (served only
        once that claim is verified: `serve`)."""
        if self.client is None or request.method not in ("GET", "HEAD"):
            return
        view = current_app.view_functions.get(request.endpoint)
        if view is None or not getattr(view, "page_cache", False) or not self._usable():
            return
        claimed = _reader(verified=False)
        if claimed is None:
            return
        minute = int(clock() // 60)
        parts = _request_parts(minute, claimed)
        try:
            found = self._lookup(
                keys=[self.key("rev")], args=[time.time_ns(), self.key("page:"), parts]
            )
        except Exception as exc:  # noqa: BLE001 (any Redis or network error)
            self._failed("reading the revision", exc)
            return
        stored = found[1] if len(found) > 1 else None
        if stored is not None and _claim_holds(claimed):
            g._page_cache_hit = True
            return _response(stored)  # the other hooks, the loader and the view never run
        g._page_cache = (found[0].decode(), minute, claimed, stored)

    def serve(self, view, args, kwargs):
        revision, minute, claimed, stored = g.pop("_page_cache", (None, None, None, None))
        if revision is None or _flash_pending():  # a message to show: render it
            return view(*args, **kwargs)
        reader = _reader(verified=True)
        if reader is None:
            return view(*args, **kwargs)
        key = self.page_key(revision, _request_parts(minute, reader))
        if reader != claimed:  # e.g. a revoked session now reads as anonymous
            try:
                stored = self.client.get(key)
            except Exception as exc:  # noqa: BLE001
                self._failed("reading a page", exc)
                return view(*args, **kwargs)
        if stored is not None:
            g._page_cache_hit = True
            return _response(stored)
        g._page_cache_key = key
        g._page_cache_shared = reader == ""
        return view(*args, **kwargs)

    def page_key(self, revision: str, parts: str) -> str:
        # The same key as the Lua script's (LOOKUP).
        return self.key("page:") + hashlib.sha1(f"{revision}\0{parts}".encode()).hexdigest()

    def store(self, response: Response) -> Response:
        """Last after_request: keep the page when nothing in it is this request's alone."""
        key = g.pop("_page_cache_key", None)
        if key is None or not _storable(response):
            return response
        if (
            g.get("_page_cache_shared")
            and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g
        ):
            return response  # a CSRF token in a page several readers would share: never
        body = response.get_data()
        if len(body) > MAX_BYTES:
            return response
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in UNSTORED_HEADERS]
        value = json.dumps(headers).encode() + b"\n" + body
        try:
            self.client.set(key, value, ex=self.seconds)
        except Exception as exc:  # noqa: BLE001
            self._failed("storing a page", exc)
        return response

    def clear(self) -> int:
        """Delete this database's entries and revision (tests; `flask` shell)."""
        names = list(self.client.scan_iter(match=self.key("*"), count=500))
        return self.client.delete(*names) if names else 0


# KEYS[1]: the revision; ARGV: a fresh start value, the pages' key prefix, the request's parts.
# A missing revision (first use, or evicted) starts at the clock in nanoseconds, never at a value
# an old entry may carry.
LOOKUP = """
local rev = redis.call('GET', KEYS[1])
if not rev then
  redis.call('SET', KEYS[1], ARGV[1], 'NX')
  rev = redis.call('GET', KEYS[1])
end
return {rev, redis.call('GET', ARGV[2] .. redis.sha1hex(rev .. '\\0' .. ARGV[3]))}
"""


def _request_parts(minute: int, reader: str) -> str:
    """What the page's bytes depend on, but the revision (the minute, the URL, the reader)."""
    return "\0".join(
        (
            str(minute),
            request.method,
            request.scheme,
            request.host,
            request.path,
            request.query_string.decode("latin-1"),
            reader,
        )
    )


def _reader(verified: bool) -> str | None:
    """Who reads: as the request claims it (`verified=False`, no database), or as verified by
    the API's token check and the user loader; None when the page must not be cached for them.
    Both give the same text for the same honest reader."""
    from .api.auth import PUBLIC_ENDPOINTS
    from .auth.services import SESSION_KEY, session_digest

    if request.blueprint == "api":  # bearer tokens only (the API never reads the cookie)
        if request.endpoint in PUBLIC_ENDPOINTS:
            return ""
        if verified and g.get("api_user") is None:
            return None
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        return "token:" + hashlib.sha256(token.encode()).hexdigest()
    if verified:
        user = current_user._get_current_object()  # the loader checks the session row here
        user_id = user.get_id() if user.is_authenticated else None
    else:
        user_id = session.get("_user_id")
    if not session:
        return "" if user_id is None else None
    contents = g.get("_page_cache_contents")
    if contents is None or session.modified:  # (the signed cookie's contents, hashed once)
        contents = hashlib.sha256(
            json.dumps(dict(session), sort_keys=True, default=str).encode()
        ).hexdigest()
        g._page_cache_contents = contents
    token = session.get(SESSION_KEY)
    if user_id is None or not isinstance(token, str):
        return "anonymous:" + contents
    # Verified: the loader found the live row of this digest, for this user.
    return f"session:{session_digest(token)}:{user_id}:{contents}"


def _claim_holds(claimed: str) -> bool:
    """May a page stored for the reader this request claims to be be served at once, before
    the other hooks? Only when every check they would make on this request is known to pass:

    - the page was stored for this very reader (session row, user, signed contents) under the
      current revision, so every rule that reads the database (roles, second factor, object
      permissions) passed then on the data as it still is;
    - what does not sit in the database is checked here as flask-login's loader checks it: the
      session row still live for this user and version (`session_holds`, five columns, no ORM
      object), the session's identifier (browser and address) unchanged, no remember cookie,
      no message waiting to be shown.

    The API (its token check runs first) and anything unusual take the usual way (`serve`)."""
    if request.blueprint == "api" or _flash_pending():
        return False
    manager = current_app.login_manager
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    if session and session.get("_id") != manager._session_identifier_generator():
        return False  # flask-login would mark the session not fresh (or log it out)
    if not claimed.startswith("session:"):
        return True  # anonymous: nothing to verify
    from .auth.loader import session_holds

    return session_holds(session.get("_user_id"))


def _storable(response: Response) -> bool:
    from .db import db

    return (
        response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not (request.blueprint != "api" and session.modified)
        and not _flash_pending()
        and not g.get("_page_cache_wrote")  # this request committed a write
        and not db.session().info.get(WRITES)  # … or flushed one it did not commit
    )


def _flash_pending() -> bool:
    # The API never reads the cookie (nor flashes): its answers stay free of `Vary: Cookie`.
    return request.blueprint != "api" and "_flashes" in session


def _response(stored: bytes) -> Response:
    headers, _, body = stored.partition(b"\n")
    return Response(body, status=200, headers=json.loads(headers))


# ---------------------------------------------------------------- the data revision


@event.listens_for(Session, "after_flush")
def _flushed(session, _context) -> None:
    session.info[WRITES] = True


# Columns no page shows: an UPDATE that sets only these changes no page (the user loader writes
# a session's last_seen_at every few minutes; it would otherwise empty the cache each time).
UNSEEN = {("user_session", "last_seen_at")}


def _changes_pages(state) -> bool:
    statement = state.statement
    if not state.is_update or getattr(statement, "_multi_values", ()):
        return True
    values = getattr(statement, "_values", None)
    table = getattr(statement, "table", None)
    if not values or table is None:
        return True  # not a plain UPDATE … SET …: count it
    return any((table.name, getattr(column, "key", column)) not in UNSEEN for column in values)


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    # INSERT, UPDATE, DELETE (or text) run through the session
    if not state.is_select and _changes_pages(state):
        state.session.info[WRITES] = True


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    if not session.info.pop(WRITES, False):
        return
    from flask import has_app_context

    if not has_app_context():
        return
    cache = current_app.extensions.get("page_cache")
    if cache is not None:
        cache.bump()
    if has_request_context():
        g._page_cache_wrote = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:  # committed (raised above) or rolled back (undone)
        session.info.pop(WRITES, None)


def init_app(app: Flask) -> None:
    cache = PageCache(app)
    app.extensions["page_cache"] = cache
    # First before the others (the user loader, the second-factor rule); last after the others.
    app.before_request_funcs.setdefault(None, []).insert(0, cache.begin)
    app.after_request_funcs.setdefault(None, []).insert(0, cache.store)
