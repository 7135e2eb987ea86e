"""Settings come from the environment and fail early, clearly, on bad values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import parse_database_url

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "DEBUG", "SECRET_KEY", "SECURE_", "ALLOWED_HOSTS"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-production-like-secret-" + "z" * 30,
        "ALLOWED_HOSTS": "laurel.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "LAUREL_VAR_DIR": str(tmp_path),
        "LAUREL_CACHE_URL": "redis://127.0.0.1:6379/7",
    }


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path: Path) -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "Laurel configuration error: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_database_url_is_a_clear_error_at_start_up(tmp_path: Path) -> None:
    env = {**production_env(tmp_path), "DATABASE_URL": "postgresql://user@host:notaport/db"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_URL is malformed" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_non_boolean_debug_value_is_refused(tmp_path: Path) -> None:
    result = run_manage("check", env={**production_env(tmp_path), "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@127.0.0.1/laurel", "unsupported database"),
        ("postgresql://user@127.0.0.1:99999999/db", "malformed"),
        ("nonsense", "malformed"),
        ("postgresql://postgres@127.0.0.1:5432", "names no database"),
    ],
)
def test_parse_database_url_explains_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_database_url(url)


def test_parse_database_url_accepts_postgresql_and_sqlite(tmp_path: Path) -> None:
    pg = parse_database_url("postgresql://postgres@127.0.0.1:5432/laurel")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert pg["NAME"] == "laurel"
    lite = parse_database_url(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert lite["ENGINE"] == "django.db.backends.sqlite3"


def test_defaults_are_chinese_first_in_shanghai_time(settings) -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_an_empty_environment_gets_the_configuration_error_not_a_django_internal_one() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "Laurel configuration error: SECRET_KEY is not set. Production (DEBUG off) needs a long random "
        "SECRET_KEY in the environment; for development set DEBUG=1."
    )


def _public_base_url(env: dict[str, str]) -> str:
    code = "from django.conf import settings; print(settings.LAUREL_PUBLIC_BASE_URL)"
    unset = ("LAUREL_PUBLIC_BASE_URL", "LAUREL_LETTER_VERIFY_BASE_URL", "LAUREL_SITE_URL", "PORT")
    env = {**{k: v for k, v in os.environ.items() if k not in unset}, **env}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); {code}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_public_base_url_follows_the_port_the_demo_serves_on(tmp_path: Path) -> None:
    env = {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "PORT": "8123"}
    assert _public_base_url(env) == "http://127.0.0.1:8123"


def test_the_configured_public_base_url_wins_and_letters_and_emails_use_it(tmp_path: Path, settings) -> None:
    env = {**production_env(tmp_path), "LAUREL_PUBLIC_BASE_URL": "https://laurel.example.gov.cn/", "PORT": "8123"}
    assert _public_base_url(env) == "https://laurel.example.gov.cn"
    from letters.content import verify_url

    settings.LAUREL_PUBLIC_BASE_URL = "https://yb.example.gov.cn"
    assert verify_url("ABCDE-FGHJK") == "https://yb.example.gov.cn/letters/verify/ABCDEFGHJK/"


def test_production_has_no_public_base_url_until_one_is_configured(tmp_path: Path) -> None:
    assert _public_base_url({**production_env(tmp_path), "PORT": "8123"}) == ""


def _settings_of(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    unset = ("DATABASE_URL", "DATABASE_REPLICA_URLS")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); {code}",
        ],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in unset}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_replica_urls_become_replica_aliases_with_the_router_and_the_read_your_writes_middleware(
    tmp_path: Path,
) -> None:
    env = {
        **production_env(tmp_path),
        "DATABASE_URL": "postgresql://laurel@db-primary:5432/laurel",
        "DATABASE_REPLICA_URLS": "postgresql://laurel@db-replica-a:5432/laurel, postgresql://laurel@db-replica-b/laurel",
    }
    code = (
        "import json; from django.conf import settings; d = settings.DATABASES; print(json.dumps(["
        "sorted(d), [d[a]['HOST'] for a in ('replica_0', 'replica_1')], d['replica_0']['TEST']['MIRROR'], "
        "settings.DATABASE_ROUTERS, settings.MIDDLEWARE.index('core.replicas.ReadYourWritesMiddleware') "
        "- settings.MIDDLEWARE.index('django.contrib.auth.middleware.AuthenticationMiddleware')]))"
    )
    result = _settings_of(env, code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        ["default", "replica_0", "replica_1"],
        ["db-replica-a", "db-replica-b"],
        "default",
        ["core.replicas.ReplicaRouter"],
        1,
    ]


def test_without_replica_urls_there_is_no_router_and_no_replica_middleware(settings) -> None:
    assert list(settings.DATABASES) == ["default"]
    assert settings.DATABASE_ROUTERS == []
    assert "core.replicas.ReadYourWritesMiddleware" not in settings.MIDDLEWARE


@pytest.mark.parametrize(
    ("primary", "replicas", "message"),
    [
        ("sqlite:///{tmp}/x.sqlite3", "postgresql://r@replica/laurel", "needs a PostgreSQL primary"),
        ("postgresql://p@primary/laurel", "sqlite:///{tmp}/r.sqlite3", "every replica is a PostgreSQL"),
        ("postgresql://p@primary/laurel", "postgresql://r@replica:notaport/laurel", "replica 1"),
    ],
)
def test_replica_urls_that_cannot_work_are_refused_at_start_up(
    tmp_path: Path, primary: str, replicas: str, message: str
) -> None:
    env = {
        **production_env(tmp_path),
        "DATABASE_URL": primary.format(tmp=tmp_path),
        "DATABASE_REPLICA_URLS": replicas.format(tmp=tmp_path),
    }
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
