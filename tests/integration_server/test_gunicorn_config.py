"""The web process's gunicorn settings (read from gunicorn.conf.py as gunicorn does)."""

import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_workers_are_not_recycled_every_few_seconds_under_load(monkeypatch):
    """At ~700 req/s on 2 workers, max_requests=2000 restarted a worker every ~6 s and showed in p99: a
    recycle is allowed, but not more often than every ~50,000 requests, and spread by jitter so both
    workers never restart together."""
    monkeypatch.delenv("WEB_MAX_REQUESTS", raising=False)
    conf = load(monkeypatch)
    max_requests, jitter = conf["max_requests"], conf["max_requests_jitter"]
    assert max_requests == 0 or max_requests >= 50_000
    assert max_requests == 0 or jitter >= max_requests // 20


def test_recycling_can_be_tuned_or_turned_off(monkeypatch):
    assert load(monkeypatch, WEB_MAX_REQUESTS="0")["max_requests"] == 0
    conf = load(monkeypatch, WEB_MAX_REQUESTS="200000")
    assert conf["max_requests"] == 200_000 and conf["max_requests_jitter"] == 20_000
