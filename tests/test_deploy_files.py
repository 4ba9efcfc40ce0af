"""docker-compose.yml is not run here (no Docker engine), so check what it promises."""

import re

import yaml

from tests.support.paths import ROOT


def test_compose_runs_the_contract_processes_with_postgres_and_redis():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn freefable.wsgi" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A freefable worker")
    assert services["beat"]["command"].startswith("celery -A freefable beat")
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert services[name]["env_file"] == ".env"


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
