"""The documented production install works: README's production steps in a fresh copy of the tree.

The copy is what ``git ls-files`` lists (so a file missing from the repository fails here), with
the shared virtualenv linked in instead of installed. The README's steps (between the
``production-steps`` markers, which include ``deploy/build.sh``, the Dockerfile's build script)
run there with ``DEBUG`` off against a new PostgreSQL database, then the Procfile's ``web`` line
starts gunicorn and the Chinese sign-in page, its stylesheet and the Chinese 404 page are fetched
over HTTP.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the production install runs on PostgreSQL (set DATABASE_URL); slow: copies and builds the tree")


def readme_production_steps(readme: str) -> str:
    match = re.search(
        r"<!-- production-steps:begin -->\s*```sh\n(.*?)```\s*<!-- production-steps:end -->", readme, re.S
    )
    assert match, "README.md has no production-steps block"
    return match.group(1)


def procfile_command(procfile: str, name: str) -> str:
    for line in procfile.splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"Procfile has no {name} process")


def fresh_copy(target: Path) -> Path:
    """The tracked files of the repository, as in a fresh clone, plus a link to the shared .venv."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server; dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"laurel_prodtest_{uuid.uuid4().hex[:10]}"
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    try:
        yield f"postgresql://{auth}{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fetch(url: str, host: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (our own test server)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_readme_production_steps_serve_chinese_pages_and_static_files_through_gunicorn(
    tmp_path: Path, fresh_database: str
) -> None:
    tree = fresh_copy(tmp_path / "laurel")
    port = free_port()
    env = {
        "PATH": f"{tree / '.venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DEBUG": "0",
        "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "DATABASE_URL": fresh_database,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "BEHIND_TLS_PROXY": "1",
        "LAUREL_VAR_DIR": str(tree / "var"),
        "LAUREL_ID_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1pbnN0YWxsLXRlc3Qta2V5LTAwMDA=",
        "LAUREL_ID_BLIND_INDEX_KEY": "production-install-test-blind-index-key-000",
        "LAUREL_PUBLIC_BASE_URL": "https://laurel.test.invalid",
        "LAUREL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        # Two web processes share one cache (check --deploy warns otherwise); the CI's cache database.
        "LAUREL_CACHE_URL": "redis://127.0.0.1:6379/6",
    }
    steps = readme_production_steps((tree / "README.md").read_text(encoding="utf-8"))
    built = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", steps], cwd=tree, env=env, capture_output=True, text=True, timeout=240
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert list((tree / "locale" / "zh_Hans" / "LC_MESSAGES").glob("django.mo")), "catalogues not compiled"

    web = procfile_command((tree / "Procfile").read_text(encoding="utf-8"), "web")
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        shlex.split(web), cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base, host = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch(f"{base}/healthz", host)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.3)

        status, _, body = fetch(f"{base}/accounts/login/", host)
        page = body.decode()
        assert status == 200
        assert '<html lang="zh-CN">' in page and "登录" in page and "Sign in" not in page

        stylesheet = re.search(r'href="(/static/laurel/laurel\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "the sign-in page links no hashed stylesheet"
        status, headers, css = fetch(base + stylesheet.group(1), host)
        assert status == 200 and headers["Content-Type"].startswith("text/css") and len(css) > 100
        assert "immutable" in headers.get("Cache-Control", "")

        status, _, body = fetch(f"{base}/no-such-page/", host)
        assert status == 404 and "该页面不存在" in body.decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
