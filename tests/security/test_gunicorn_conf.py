"""gunicorn.conf.py loads with gunicorn's own config reader and says what a reload needs."""

from pathlib import Path

from django.conf import settings
from gunicorn.config import Config


def _load(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg = Config()
    namespace = {"__file__": "gunicorn.conf.py"}
    path = Path(settings.BASE_DIR) / "gunicorn.conf.py"
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
    for key, value in namespace.items():
        if key in cfg.settings:
            cfg.set(key, value)
    return cfg


def test_the_settings_a_graceful_reload_needs(monkeypatch):
    cfg = _load(monkeypatch)
    assert cfg.preload_app is True
    assert cfg.graceful_timeout >= 30
    assert cfg.keepalive >= 2
    assert cfg.workers >= 1 and cfg.threads >= 2
    assert cfg.worker_class_str == "gthread"
    assert cfg.wsgi_app == "orderdesk.wsgi:application"
    assert cfg.max_requests_jitter > 0


def test_environment_overrides(monkeypatch):
    cfg = _load(
        monkeypatch, REDIS_URL="redis://127.0.0.1:6379/1", WEB_CONCURRENCY="3", GUNICORN_THREADS="8"
    )
    assert (cfg.workers, cfg.threads) == (3, 8)


def test_without_a_shared_cache_one_process_serves(monkeypatch):
    # local-memory caches are per process: a permission or price change made through one
    # worker would not reach another, so without REDIS_URL there is one (with threads)
    monkeypatch.delenv("REDIS_URL", raising=False)
    cfg = _load(monkeypatch, WEB_CONCURRENCY="3")
    assert cfg.workers == 1 and cfg.threads >= 4


def test_with_a_shared_cache_a_process_per_core_and_one(monkeypatch):
    # the requests are CPU-bound Python: more processes or threads only queue for the cores
    import multiprocessing

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    cfg = _load(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/1")
    assert cfg.workers == min(multiprocessing.cpu_count() + 1, 8) and cfg.threads == 2
