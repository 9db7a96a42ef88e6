"""Compare tradeshock's US effective-rate timelines with the tradewartracker series (docs tool).

The tracker (tradewartracker/trade-war-redux-2025, ``country-by-time.csv``) publishes the
import-weighted *additional* US tariff over 2024 by partner and policy date, with 2024 import
weights. :func:`compare` computes the same quantity from the measures library at the tracker's
dates (HS6 product weights of 2024 US imports, so both use the same weighting) and, for context,
the sector-level rate on the ``default`` world. Run as a script to regenerate the table and the
plot used in ``docs/rates-vs-tracker.md``::

    python -m tradeshock.build.rates_tracker RAW/us_tariffs_twt/country-by-time.csv docs

The package never calls this at run time; it only reads the file it is given.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from tradeshock.rates import product_weighted_rate

PARTNERS = {"CANADA": "CAN", "MEXICO": "MEX", "CHINA": "CHN"}


def compare(tracker_csv: Path | str, partners: dict[str, str] = PARTNERS) -> pd.DataFrame:
    """Tracker vs tradeshock additional US tariff (percent) at each tracker date.

    Returns ``date, partner, tracker, tradeshock, diff`` (percentage points).
    """
    t = pd.read_csv(tracker_csv)
    t = t[t["country_name"].isin(partners)]
    rows = []
    for _, r in t.iterrows():
        iso = partners[r["country_name"]]
        ours = 100.0 * product_weighted_rate(r["date"], "USA", iso)
        rows.append((r["date"], iso, float(r["effective tariff"]), ours))
    df = pd.DataFrame(rows, columns=["date", "partner", "tracker", "tradeshock"])
    df["diff"] = df["tradeshock"] - df["tracker"]
    return df.sort_values(["partner", "date"]).reset_index(drop=True)


def markdown_table(df: pd.DataFrame) -> str:
    """The comparison pivoted to one row per date (tracker / tradeshock per partner), as Markdown."""
    wide = df.pivot(index="date", columns="partner", values=["tracker", "tradeshock"])
    cols = [(v, p) for p in ("CAN", "MEX", "CHN") for v in ("tracker", "tradeshock") if (v, p) in wide]
    head = "| date | " + " | ".join(f"{p} {v}" for v, p in cols) + " |"
    sep = "|---|" + "---:|" * len(cols)
    lines = [head, sep]
    for d, row in wide[cols].iterrows():
        lines.append(f"| {d} | " + " | ".join(f"{row[c]:.2f}" for c in cols) + " |")
    return "\n".join(lines)


def own_series(partner: str, start: str, end: str) -> pd.DataFrame:
    """Tradeshock's additional US rate on ``partner`` (percent) at each of its own change dates."""
    from tradeshock.rates import change_dates

    changes = [str(d) for d in change_dates("USA", partner)]
    days = sorted({start, end, *(d for d in changes if start <= d <= end)})
    return pd.DataFrame({"date": days,
                         "tradeshock": [100.0 * product_weighted_rate(d, "USA", partner) for d in days]})


def figure(df: pd.DataFrame):
    """Plotly step chart: tracker (dashed) and tradeshock (solid, at its own dates) per partner."""
    import plotly.graph_objects as go

    colors = {"CAN": "#d62728", "MEX": "#2ca02c", "CHN": "#1f77b4"}
    fig = go.Figure()
    for p, g in df.groupby("partner"):
        own = own_series(p, str(g["date"].min()), str(g["date"].max()))
        fig.add_trace(go.Scatter(x=g["date"], y=g["tracker"], mode="lines", line_shape="hv",
                                 name=f"{p} tracker", line={"color": colors.get(p), "dash": "dash"}))
        fig.add_trace(go.Scatter(x=own["date"], y=own["tradeshock"], mode="lines", line_shape="hv",
                                 name=f"{p} tradeshock", line={"color": colors.get(p)}))
    fig.update_layout(title="Additional US tariff over 2024 (%, 2024 import weights): tracker vs tradeshock",
                      yaxis_title="percentage points", width=1000, height=520, template="plotly_white",
                      yaxis={"range": [0, 45]}, legend={"orientation": "h", "y": -0.15})
    return fig


def write_png(fig, path: Path, chromium: str = "/usr/bin/chromium") -> Path:
    """Render a plotly figure to PNG with headless Chromium (playwright), no kaleido needed."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "fig.html"
        fig.write_html(html, include_plotlyjs=True, full_html=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 520})
            page.goto(html.as_uri())
            page.wait_for_timeout(1500)
            page.screenshot(path=str(path), full_page=False)
            browser.close()
    return path


def main(argv: list[str]) -> None:  # pragma: no cover - docs tool
    """Print the comparison table and write ``<docs>/img/rates-vs-tracker.png``.

    ``argv`` is ``[tracker_csv, docs_folder]`` (the tracker's ``country-by-time.csv``).
    """
    csv, docs = Path(argv[0]), Path(argv[1])
    df = compare(csv)
    (docs / "img").mkdir(parents=True, exist_ok=True)
    print(markdown_table(df))
    write_png(figure(df), docs / "img" / "rates-vs-tracker.png")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
