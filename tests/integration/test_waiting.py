"""The one helper for ports and readiness (tests/waiting.py), on real sockets and processes."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.waiting import NotReady, ServerExited, free_port, wait_for, wait_ready


def test_a_free_port_can_be_listened_on() -> None:
    port = free_port()

    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


def test_waiting_for_a_condition_gives_its_first_true_value() -> None:
    answers = iter([None, 0, "", "third", "fourth"])

    assert wait_for(lambda: next(answers), "an answer") == "third"
    assert next(answers) == "fourth"


def test_waiting_for_a_condition_that_never_holds_says_what_it_waited_for() -> None:
    with pytest.raises(NotReady, match=r"^not the sky falling after 0.05 s$"):
        wait_for(lambda: False, "the sky falling", timeout=0.05)


class _Answers(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.HTTPServer]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_server_answering_200_is_ready(server: http.server.HTTPServer) -> None:
    wait_ready(f"http://127.0.0.1:{server.server_port}/ready", timeout=5)


def test_a_server_answering_503_is_not_ready_and_the_log_says_why(
    server: http.server.HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_Answers, "status", 503)
    log = tmp_path / "server.log"
    log.write_text("storage unreachable\n")

    with pytest.raises(NotReady, match=r"after 0.2 s:\nstorage unreachable") as refused:
        wait_ready(f"http://127.0.0.1:{server.server_port}/ready", timeout=0.2, log=log)

    assert not isinstance(refused.value, ServerExited)


def test_a_server_that_exits_is_reported_at_once_with_its_status(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("bad config\n")
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])

    with pytest.raises(ServerExited, match=r"^the server exited with 3:\nbad config"):
        wait_ready(f"http://127.0.0.1:{free_port()}/ready", process, timeout=30, log=log)
