"""docker-compose.yml is not run here (no Docker engine), so check what it promises."""

import re

import yaml

from tests.support.paths import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_runs_the_contract_processes_with_postgres_and_redis():
    services = compose()
    assert {"proxy", "web", "worker", "beat", "db", "broker", "cache"} <= set(services)
    assert "gunicorn freefable.wsgi" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A freefable worker")
    assert services["beat"]["command"].startswith("celery -A freefable beat")
    assert services["db"]["image"].startswith("postgres")
    assert services["broker"]["image"].startswith("redis") and services["cache"]["image"].startswith("redis")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        # The cache and rate limits in one Redis, Celery's queues in the other.
        assert env["REDIS_URL"].startswith("redis://cache:") and env["CELERY_BROKER_URL"].startswith("redis://broker:")
        assert env["TRUSTED_PROXY_COUNT"] == "1"
        assert services[name]["env_file"] == ".env"


def test_only_the_proxy_publishes_a_port():
    services = compose()
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    assert services["proxy"]["image"].startswith("nginx:")
    assert services["proxy"]["ports"] == ["${PROXY_PORT:-80}:80"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]
    assert services["web"]["expose"] == ["8000"]


def test_the_cache_redis_is_capped_and_the_broker_never_evicts():
    services = compose()
    cache, broker = services["cache"]["command"], services["broker"]["command"]
    assert cache[cache.index("--maxmemory") + 1] == "256mb"
    assert cache[cache.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert broker[broker.index("--maxmemory-policy") + 1] == "noeviction"
    assert broker[broker.index("--appendonly") + 1] == "yes"


def test_the_proxy_overwrites_the_forwarded_address_and_caches_only_public_pages():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    directives = {line.strip() for line in conf.splitlines() if not line.strip().startswith("#")}
    assert "server web:8000;" in directives
    # One trusted hop: the app must get the address that connected to the proxy, and only that.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in directives
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in directives
    assert "proxy_cache_use_stale updating error timeout;" in directives
    assert "proxy_cache_lock on;" in directives
    # A session or a pending message keeps the request away from the cache, both ways.
    assert 'map "$cookie_sessionid$cookie_messages$cookie_django_language" $freefable_private {' in directives
    assert {"proxy_cache_bypass $freefable_private;", "proxy_no_cache $freefable_private;"} <= directives
    # What is cached, and for how long, is the app's Cache-Control alone.
    assert not any(d.startswith(("proxy_cache_valid", "proxy_ignore_headers")) for d in directives)


def test_env_example_lists_every_setting_the_code_reads():
    settings_src = (ROOT / "freefable" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', settings_src)) | set(
        re.findall(r'env\.db\("([A-Z_]+)"', settings_src)
    )
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert read, "no settings found"
    assert read <= example, f"missing from .env.example: {sorted(read - example)}"
    assert "DEBUG" in example and ".env" in (ROOT / ".gitignore").read_text()
