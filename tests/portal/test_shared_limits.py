"""Two hosts of the portal share their login throttling through Redis."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis

from ..conftest import PortalProcess


def _failed_login(
    opener, base: str, address: str | None = None, password: str = "pas le bon mot de passe"
) -> int:
    page = opener.open(base + "/connexion").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": "chef.guerin@demo.ac-poitiers.fr", "password": password}
    ).encode()
    request = urllib.request.Request(base + "/connexion", data=body)
    if address:  # behind the (trusted, PROXY_COUNT=1) reverse proxy: the client's address
        request.add_header("X-Forwarded-For", address)
    try:
        return opener.open(request).status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def redis_url():
    url = "redis://127.0.0.1:6379/0"
    redis.Redis.from_url(url).ping()  # Redis must run: .ci/run starts it
    return url


def test_failed_logins_on_one_host_count_on_the_other(tmp_path, live_demo_database_url, redis_url):
    prefix = f"aap-test-{uuid.uuid4().hex[:8]}"
    env = {
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "5 per minute",
    }
    host_a = PortalProcess(tmp_path, live_demo_database_url, name="host-a", **env)
    host_b = PortalProcess(tmp_path, live_demo_database_url, name="host-b", **env)
    try:
        # Cookies are per host name, not per port: one jar serves both hosts, as behind a proxy.
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        statuses = [_failed_login(opener, host_a.url) for _ in range(3)]
        statuses += [_failed_login(opener, host_b.url) for _ in range(2)]
        assert statuses == [200] * 5  # wrong password, form shown again
        assert _failed_login(opener, host_b.url) == 429
        assert _failed_login(opener, host_a.url) == 429
        keys = redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
        assert keys, "the counters live in Redis"
    finally:
        host_a.stop()
        host_b.stop()
        client = redis.Redis.from_url(redis_url)
        for key in client.keys(f"*{prefix}*"):
            client.delete(key)


def test_failures_on_one_account_from_many_addresses_count_on_every_host(
    tmp_path, live_demo_database_url, redis_url
):
    prefix = f"aap-test-{uuid.uuid4().hex[:8]}"
    env = {
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
        "PROXY_COUNT": "1",
        "LOGIN_ACCOUNT_RATE_LIMIT": "4 per minute",
    }
    host_a = PortalProcess(tmp_path, live_demo_database_url, name="host-a", **env)
    host_b = PortalProcess(tmp_path, live_demo_database_url, name="host-b", **env)
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPRedirectHandler(),
        )
        statuses = [
            _failed_login(opener, host.url, f"198.51.100.{i}")
            for i, host in enumerate([host_a, host_b, host_a, host_b], start=1)
        ]
        assert statuses == [200] * 4  # four addresses, two hosts: the account's limit is full
        assert _failed_login(opener, host_b.url, "198.51.100.9") == 429
        assert _failed_login(opener, host_a.url, "198.51.100.10") == 429
    finally:
        host_a.stop()
        host_b.stop()
        client = redis.Redis.from_url(redis_url)
        for key in client.keys(f"*{prefix}*"):
            client.delete(key)
