"""Data provenance and caveats: base year, sources, what was estimated."""

from __future__ import annotations

from typing import Any

from tradeshock.report import tables

TITLE = "Data and caveats"


def render(result: Any, ctx: Any) -> str:
    """Sources (title, url, licence) and method notes of the world, plus standing caveats."""
    w = result.world
    prov = dict(w.provenance or {})
    items = []
    for s in prov.get("sources", []):
        if isinstance(s, dict):
            title = ctx.esc(s.get("title", ""))
            url = s.get("url")
            link = f' — <a href="{ctx.esc(url)}">{ctx.esc(url)}</a>' if url else ""
            lic = f" ({ctx.esc(s['licence'])})" if s.get("licence") else ""
            items.append(f"<li>{title}{link}{lic}</li>")
        else:
            items.append(f"<li>{ctx.esc(s)}</li>")
    title = prov.get("title") or prov.get("label")
    html = (f"<p>World <strong>{ctx.esc(w.name)}</strong>"
            + (f" — {ctx.esc(title)}" if title else "")
            + f", base year {w.year}"
            + (f", built {ctx.esc(prov['build_date'])}" if prov.get("build_date") else "")
            + (f"; data in {ctx.esc(prov['units'])}" if prov.get("units") else "")
            + f". Results are in {ctx.esc(tables.money_unit(result))} (model numéraire: world "
              "value added fixed) unless a table says otherwise.</p>")
    if items:
        html += "<h3>Sources</h3><ul>" + "".join(items) + "</ul>"
    notes = prov.get("notes") or prov.get("method") or prov.get("method_notes")
    if isinstance(notes, str):
        notes = [notes]
    if notes:
        html += ("<h3>Method notes</h3><ul>"
                 + "".join(f"<li>{ctx.esc(n)}</li>" for n in notes) + "</ul>")
    for key in ("estimated", "caveats"):
        val = prov.get(key)
        if val:
            vals = val if isinstance(val, list) else [val]
            html += (f"<h3>{ctx.esc(key.capitalize())}</h3><ul>"
                     + "".join(f"<li>{ctx.esc(v)}</li>" for v in vals) + "</ul>")
    html += "<h3>Caveats</h3><ul>" + "".join(f"<li>{ctx.esc(c)}</li>" for c in CAVEATS) + "</ul>"
    return html


#: Standing caveats of the model, shown in every report.
CAVEATS = (
    "Long-run comparative statics: the economy after full adjustment, not a forecast of the path.",
    "Measures reach the 35 WIOD sectors through import weights; a tariff on a few products is "
    "averaged over its whole sector.",
    "Changes are measured against the model's re-solved baseline, not against the raw data.",
    "Labour moves freely across sectors within a country and not across countries; no "
    "unemployment, investment or exchange-rate dynamics.",
)
