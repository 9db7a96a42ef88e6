"""A live dashboard on a loopback port for the app tests (one per test session).

Real components: a JobPool with one worker process, the Dash app, waitress on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    url: str
    port: int
    pool: object

    def request(
        self, path: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None
    ) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(self.url + path, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()
        except urllib.error.URLError as e:              # the server closed the connection
            return 0, {}, str(e).encode()

    def post_json(self, path: str, obj: object) -> tuple[int, dict]:
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        status, _, raw = self.request(path, body, {"Content-Type": "application/json"})
        return status, json.loads(raw)

    def wait_job(self, job_id: str, timeout: float = 150) -> dict:
        end = time.time() + timeout
        while time.time() < end:
            _, _, raw = self.request(f"/api/jobs/{job_id}")
            j = json.loads(raw)
            if j["state"] in ("done", "failed"):
                return j
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not finish in {timeout} s")


@pytest.fixture(scope="session")
def live():
    pytest.importorskip("dash")
    pytest.importorskip("waitress")
    from waitress.server import create_server

    from tradeshock.app.jobs import JobPool
    from tradeshock.app.server import MAX_BODY, create_app

    port = free_port()
    pool = JobPool(workers=1, queue_limit=16, time_limit=120)
    app = create_app(pool, port=port)
    srv = create_server(
        app.server, host="127.0.0.1", port=port, threads=6, max_request_body_size=4 * MAX_BODY
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    try:
        yield Live(f"http://127.0.0.1:{port}", port, pool)
    finally:
        srv.close()
        pool.close()
