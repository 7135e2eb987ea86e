"""The SMS gateways: the file backend drops repeats; the HTTP adapter against a local stub server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from notifications.sms import FileSmsGateway, HttpSmsGateway, SmsError


def test_file_gateway_drops_a_repeated_message_id(tmp_path: Path) -> None:
    gateway = FileSmsGateway(tmp_path / "sms.log")
    gateway.send("13800138000", "一", message_id="m1")
    gateway.send("13800138000", "一", message_id="m1")
    gateway.send("13800138000", "二", message_id="m2")
    assert [m["text"] for m in gateway.messages()] == ["一", "二"]


@pytest.fixture
def stub_gateway() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(
                {"body": body, "auth": self.headers["Authorization"], "key": self.headers["Idempotency-Key"]}
            )
            self.send_response(503 if body["to"] == "busy" else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received
    server.shutdown()
    server.server_close()


def test_http_gateway_posts_json_with_token_and_idempotency_key(stub_gateway: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = stub_gateway
    HttpSmsGateway(url=url, token="secret", timeout=2).send("13800138000", "您好", message_id="abc")
    assert received == [
        {"body": {"to": "13800138000", "text": "您好", "id": "abc"}, "auth": "Bearer secret", "key": "abc"}
    ]


def test_http_gateway_errors_raise_so_the_outbox_retries(stub_gateway: tuple[str, list[dict[str, Any]]]) -> None:
    url, _received = stub_gateway
    with pytest.raises(SmsError, match="503"):
        HttpSmsGateway(url=url, token="t", timeout=2).send("busy", "x", message_id="m")
    with pytest.raises(SmsError, match="unreachable"):
        HttpSmsGateway(url="http://127.0.0.1:9/", token="t", timeout=1).send("1", "x", message_id="m")


def test_http_gateway_needs_a_url(settings: Any) -> None:
    settings.LAUREL_SMS_HTTP_URL = ""
    with pytest.raises(SmsError):
        HttpSmsGateway()
