"""The web server: the Dash app, a small JSON API, downloads and the security settings.

:func:`create_app` builds the Flask server and the Dash app on it around one
:class:`~tradeshock.app.jobs.JobPool`; :func:`serve` runs it under waitress (a production WSGI
server, not Flask's development server). Every response carries security headers, including a
Content-Security-Policy that allows only this origin (Dash's one inline script is allowed by its
hash); a request whose Host is not this server's is refused (DNS rebinding); bodies are capped.

JSON API (the pages use the same functions):

- ``POST /api/run`` with a spec (see :mod:`tradeshock.app.service`) → ``202 {job}``
- ``GET /api/jobs/<id>`` → the job's state, progress and, once done, a short summary
- ``GET /api/runs/<key>[,<key>...]/<table>.csv|.parquet``, ``/report.html``, ``/scenario.yaml``
- ``GET /healthz`` → queue, workers, cache counters
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, Response, request

from tradeshock import __version__
from tradeshock.app import service
from tradeshock.app.actions import run_file, run_summary, submit_run
from tradeshock.app.jobs import Busy, JobFailed, JobPool
from tradeshock.errors import TradeshockError

log = logging.getLogger("tradeshock.app")

#: Largest request body accepted (bytes): a spec is a few kB.
MAX_BODY = 256 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def csp(hashes: list[str]) -> str:
    """The Content-Security-Policy: this origin only; Dash's inline renderer script by hash."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(hashes),
            "style-src 'self' 'unsafe-inline'",  # plotly.js and Dash set inline styles
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(policy: str) -> dict[str, str]:
    """Headers set on every response."""
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, mimetype="application/json")


def _error(message: str, status: int) -> Response:
    if request.path.startswith(("/api/", "/_dash")):
        return _json({"error": message}, status)
    return Response(
        f"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>tradeshock</title>"
        f"<p>{_esc(message)}</p><p><a href='/'>Back to the dashboard</a></p></html>",
        status=status,
        mimetype="text/html",
    )


def _esc(text: str) -> str:
    import html

    return html.escape(text)


# ------------------------------------------------------------------ the app
def create_app(pool: JobPool, *, host: str = "127.0.0.1", port: int = 8050) -> Any:
    """The Dash app (``app.server`` is the Flask/WSGI app) around ``pool``."""
    from tradeshock.app import pages

    server = Flask("tradeshock.app")
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    server.config["TRADESHOCK_POOL"] = pool
    service.catalog()  # read the library and the shipped scenarios once
    pages.warm()
    app = pages.build_dash(server, pool)
    allowed = {f"{h}:{port}" for h in LOOPBACK} | set(LOOPBACK)
    open_host = host not in LOOPBACK
    policy = csp(list(app.csp_hashes()))
    headers = security_headers(policy)
    topo = _topojson()

    @server.before_request
    def _check_host() -> Response | None:
        if not open_host and request.host not in allowed:
            return _error(
                f"this server answers only on 127.0.0.1:{port} (Host {request.host!r} refused)", 400
            )
        return None

    @server.after_request
    def _headers(resp: Response) -> Response:
        for k, v in headers.items():
            resp.headers.setdefault(k, v)
        if request.path.startswith(("/api/", "/_dash-update")):
            resp.headers["Cache-Control"] = "no-store"
        return resp

    for code, text in (
        (400, "bad request: the request could not be read (malformed JSON?)"),
        (404, "not found"),
        (405, "method not allowed"),
        (413, f"request too large: the limit is {MAX_BODY // 1024} kB"),
        (500, "internal error; the details are in the server log"),
    ):
        server.register_error_handler(
            code,
            lambda exc, code=code, text=text: _error(
                text if code != 400 else f"{text}: {getattr(exc, 'description', '')}".rstrip(": "), code
            ),
        )

    @server.route("/_tradeshock/topojson/world_110m.json")
    def _topo() -> Response:
        return Response(topo, mimetype="application/json", headers={"Cache-Control": "public, max-age=86400"})

    @server.route("/healthz")
    def _health() -> Response:
        return _json({"ok": True, "version": __version__, **pool.info()})

    @server.route("/api/run", methods=["POST"])
    def _api_run() -> Response:
        data = request.get_json(silent=True)
        if data is None:
            return _error(
                "the body must be a JSON object (Content-Type: application/json), e.g. "
                '{"base": "us-universal-10"}',
                400,
            )
        try:
            job = submit_run(pool, data)
        except TradeshockError as exc:
            return _error(str(exc), 400)
        except Busy as exc:
            resp = _error(str(exc), 503)
            resp.headers["Retry-After"] = "5"
            return resp
        return _json(job.public(pool.position(job)), 202)

    @server.route("/api/jobs/<job_id>")
    def _api_job(job_id: str) -> Response:
        job = pool.get(job_id) if re.fullmatch(r"[0-9a-f]{16}", job_id) else None
        if job is None:
            return _error(f"unknown job {job_id[:40]!r} (finished jobs are forgotten after a while)", 404)
        out = job.public(pool.position(job))
        if job.state == "done" and job.kind == "run":
            out["summary"] = run_summary(job.result)
        return _json(out)

    @server.route("/api/runs/<keys>/<filename>")
    def _api_file(keys: str, filename: str) -> Response:
        try:
            data, mime, name = run_file(pool, keys, filename)
        except service.SpecError as exc:
            return _error(str(exc), 404)
        except JobFailed as exc:
            return _error(str(exc), 500)
        except Busy as exc:
            return _error(str(exc), 503)
        return Response(
            data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    return app


def _topojson() -> bytes:
    from tradeshock.report.html import ASSETS

    return (ASSETS / "world_110m.json").read_bytes()


def serve(
    host: str = "127.0.0.1",
    port: int = 8050,
    *,
    workers: int = 1,
    queue_limit: int = 32,
    time_limit: float = 180.0,
    threads: int = 8,
    cache_size: int = 32,
) -> None:
    """Run the dashboard under waitress until interrupted (Ctrl-C)."""
    import waitress

    pool = JobPool(workers=workers, queue_limit=queue_limit, time_limit=time_limit, cache_size=cache_size)
    try:
        app = create_app(pool, host=host, port=port)
        waitress.serve(
            app.server,
            host=host,
            port=port,
            threads=threads,
            ident="tradeshock",
            max_request_body_size=4 * MAX_BODY,
            connection_limit=200,
            channel_timeout=60,
            clear_untrusted_proxy_headers=True,
        )
    finally:
        pool.close()


__all__ = ["create_app", "serve", "csp", "security_headers", "MAX_BODY"]
