"""config.cache: Django's Redis cache, keeping one client per connection pool."""

from __future__ import annotations

import os
import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from config.cache import RedisCache

# A database of its own, and keys of its own: never empty a shared Redis.
URL = "redis://127.0.0.1:6379/9"


@pytest.fixture
def cache():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return RedisCache(URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})


def test_it_keeps_one_client_between_calls(cache):
    client = cache._cache.get_client(write=True)

    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client(write=False) is client  # one server: one pool
    # Django's own makes a new one on every call: what this backend saves.
    django_cache = DjangoRedisCache(URL, {})
    assert django_cache._cache.get_client() is not django_cache._cache.get_client()


def test_it_stores_counts_and_forgets_as_djangos_does(cache):
    key = "attempts"
    cache.set(key, 1, timeout=60)
    assert cache.incr(key) == 2
    assert cache.get(key) == 2
    assert cache.add(key, 10) is False
    cache.delete(key)
    assert cache.get(key) is None
    assert cache.get_or_set(key, "first", timeout=60) == "first"
    cache.delete(key)


def test_a_second_cache_object_reads_what_the_first_wrote(cache):
    other = RedisCache(URL, {"KEY_PREFIX": cache.key_prefix})
    cache.set("session", {"user": 7}, timeout=60)

    assert other.get("session") == {"user": 7}
    assert other._cache.get_client() is not cache._cache.get_client()
    cache.delete("session")
