"""The dashboard over HTTP: the API, downloads, headers, and bad input answered with a message.

A real server (waitress on loopback, a worker process); after every bad request the server must
still answer a good one.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from app_server import live  # noqa: F401 - the session fixture

from tradeshock.scenario import SCENARIOS_DIR

pytestmark = pytest.mark.skipif(
    not (SCENARIOS_DIR / "us-universal-10.yaml").exists(), reason="shipped scenarios not found"
)


def _still_serving(live):  # noqa: F811
    status, _, body = live.request("/healthz")
    assert status == 200 and json.loads(body)["alive"] == 1


def test_run_shipped_scenario_matches_the_python_api(live):  # noqa: F811
    from tradeshock import runner

    status, job = live.post_json("/api/run", {"base": "us-universal-10"})
    assert status == 202 and job["state"] in ("queued", "running", "done")
    j = live.wait_job(job["id"])
    assert j["state"] == "done", j
    ref = runner.run("us-universal-10").welfare()["real_income"]
    for c, v in j["summary"]["real_income_pct"].items():
        assert v == pytest.approx(float(ref[c]), abs=1e-6)
    # the same request again is a cache hit, answered at once with the same key
    status, again = live.post_json("/api/run", {"scenario": "us-universal-10"})
    assert status == 202 and again["state"] == "done" and again["cached"] and again["key"] == j["key"]
    # a download: the welfare table as CSV and as Parquet, the same numbers
    status, headers, body = live.request(f"/api/runs/{j['key']}/welfare.csv")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    csv = pd.read_csv(io.BytesIO(body)).set_index("country")
    assert csv.loc["CAN", "real_income"] == pytest.approx(float(ref["CAN"]), abs=1e-9)
    status, _, body = live.request(f"/api/runs/{j['key']}/province_summary.csv")
    assert status == 200 and body.startswith(b"scenario,province")
    status, _, body = live.request(f"/api/runs/{j['key']}/welfare.parquet")
    assert pd.read_parquet(io.BytesIO(body)).shape[0] == csv.shape[0]
    # the report of one run is that scenario's page, not a comparison
    status, headers, body = live.request(f"/api/runs/{j['key']}/report.html")
    page = body.decode("utf-8")
    assert status == 200 and page.startswith("<!DOCTYPE html>") and "us-universal-10" in page
    assert "Scenario 1:" not in page


def test_custom_move_equals_the_same_scenario_file(live, tmp_path):  # noqa: F811
    """A move built in the dashboard gives the numbers of the equivalent YAML file."""
    from tradeshock import runner

    spec = {
        "base": "status-quo-2026-03",
        "moves": [
            {"kind": "tariff", "imposer": "CAN", "targets": ["USA"], "sectors": ["metals"], "add": 0.25}
        ],
    }
    status, job = live.post_json("/api/run", spec)
    assert status == 202
    j = live.wait_job(job["id"])
    assert j["state"] == "done", j
    f = tmp_path / "m.yaml"
    f.write_text(
        "name: m\nextends: status-quo-2026-03\nmeasures:\n  - tariff: {imposer: CAN, target: USA, "
        "sectors: [metals], add: 0.25}\n"
    )
    ref = runner.run(f).welfare()["real_income"]
    assert j["summary"]["real_income_pct"]["CAN"] == pytest.approx(float(ref["CAN"]), abs=1e-6)
    status, _, yaml_text = live.request(f"/api/runs/{j['key']}/scenario.yaml")
    assert status == 200 and b"extends: status-quo-2026-03" in yaml_text


def test_draws_give_bands_around_the_point(live):  # noqa: F811
    """Elasticity draws (the engine's draws=) reach the dashboard: banded tables, p05 <= p95."""
    status, job = live.post_json(
        "/api/run", {"base": "us-universal-10", "draws": 6, "seed": 3, "name": "draws"}
    )
    assert status == 202
    j = live.wait_job(job["id"], timeout=300)
    assert j["state"] == "done", j
    status, _, body = live.request(f"/api/runs/{j['key']}/welfare.csv")
    w = pd.read_csv(io.BytesIO(body)).set_index("country")
    assert {"real_income_p05", "real_income_p50", "real_income_p95"} <= set(w.columns)
    assert (w["real_income_p05"] <= w["real_income_p95"]).all()
    code, out = live.post_json("/api/run", {"base": "us-universal-10", "draws": 100000})
    assert code == 400 and "must be a whole number" in out["error"]


@pytest.mark.parametrize(
    "body, status, words",
    [
        (b'{"base": "us-universal-10"', 400, "JSON object"),  # malformed JSON
        (b"[1, 2, 3]", 400, "JSON object"),
        ({"base": "us-universal-1O"}, 400, "did you mean us-universal-10"),
        ({"base": "/etc/passwd"}, 400, "never files or paths"),
        ({"base": "../scenarios/us-universal-10.yaml"}, 400, "never files or paths"),
        (
            {"moves": [{"kind": "tariff", "imposer": "XXQ", "targets": ["USA"], "add": 0.1}]},
            400,
            "unknown country 'XXQ'",
        ),
        (
            {"moves": [{"kind": "tariff", "imposer": "CAN", "targets": ["USA"], "add": 1e12}]},
            400,
            "beyond the dashboard's limit",
        ),
        (
            {"moves": [{"kind": "tariff", "imposer": "CAN", "targets": ["USA"], "rate": -1.5}]},
            400,
            "at or below -100%",
        ),
        (
            {"moves": [{"kind": "tariff", "imposer": "CAN", "lists": ["../../etc/passwd"], "add": 0.1}]},
            400,
            "unknown field 'lists'",
        ),
        ({"moves": [{"kind": "tariff", "imposer": "CAN", "add": float("nan")}]}, 400, "not a finite number"),
        ({"add": ["not-a-measure"]}, 400, "unknown measure id"),
        ({"as_of": "2026-02-30"}, 400, "not a date"),
        ({"moves": [{"kind": "script", "code": "__import__('os')"}]}, 400, "unknown kind"),
        ({"name": "x" * 5000}, 400, "longer than the limit"),
        ({"nonsense": 1}, 400, "unknown field"),
    ],
)
def test_bad_input_gets_a_message_and_the_server_keeps_serving(live, body, status, words):  # noqa: F811
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    code, headers, out = live.request("/api/run", raw, {"Content-Type": "application/json"})
    assert code == status
    msg = json.loads(out)["error"]
    assert words in msg
    assert "Traceback" not in msg
    _still_serving(live)


def test_same_message_as_a_scenario_file(live, tmp_path):  # noqa: F811
    """A custom move is validated like a file: the message after the source name is the same."""
    from tradeshock.errors import ScenarioError
    from tradeshock.scenario import Scenario

    move = {"imposer": "CAN", "targets": ["UAS"], "add": 0.1}
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict({"name": "x", "measures": [{"tariff": move}]}, source="my.yaml")
    code, out = live.post_json("/api/run", {"moves": [{"kind": "tariff", **move}]})
    assert code == 400
    assert out["error"].split(": ", 1)[1] == str(exc.value).split(": ", 1)[1]


def test_oversized_and_odd_requests(live):  # noqa: F811
    code, _, out = live.request(
        "/api/run", b"{" + b" " * (400 * 1024) + b"}", {"Content-Type": "application/json"}
    )
    assert code == 413 and "too large" in json.loads(out)["error"]
    code, _, out = live.request(
        "/api/run", b"{" + b" " * (2 * 1024 * 1024) + b"}", {"Content-Type": "application/json"}
    )
    assert code in (0, 413) and b"Traceback" not in out  # refused by waitress (or connection closed)
    code, _, out = live.request(
        "/_dash-update-component", b"{not json", {"Content-Type": "application/json"}, method="POST"
    )
    assert code == 400 and b"Traceback" not in out
    code, _, out = live.request("/api/runs/../../etc/passwd/welfare.csv")
    assert b"root:" not in out  # at most the page shell
    code, _, out = live.request("/api/runs/" + "0" * 64 + "/welfare.csv")
    assert code == 404 and "no longer in the server's memory" in json.loads(out)["error"]
    code, _, out = live.request("/api/runs/" + "0" * 64 + "/..%2F..%2Fetc%2Fpasswd")
    assert code in (200, 404) and b"root:" not in out  # 200 = the page shell
    code, _, out = live.request("/api/jobs/zzz")
    assert code == 404
    code, _, _ = live.request("/", headers={"Host": "evil.example:80"})
    assert code == 400  # DNS-rebinding guard
    _still_serving(live)


def test_security_headers(live):  # noqa: F811
    status, headers, body = live.request("/")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'unsafe-eval'" not in csp and "frame-ancestors 'none'" in csp
    assert (
        "script-src 'self' 'sha256-" in csp
        and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    )
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert b"cdn." not in body and b"https://" not in body  # nothing loaded from elsewhere


def test_default_bind_is_loopback():
    import inspect

    from tradeshock.app.server import serve
    from tradeshock.cli.serve import serve_cmd

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(serve_cmd).parameters["host"].default.default == "127.0.0.1"
