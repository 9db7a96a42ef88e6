"""Headline: a paragraph generated from the results, and the key numbers as tiles."""

from __future__ import annotations

from typing import Any

from tradeshock.report import tables
from tradeshock.report.headline import headline_sentences

TITLE = "Headline"


def render(result: Any, ctx: Any) -> str:
    """The computed headline paragraph plus real-income tiles for the focus countries."""
    text = " ".join(headline_sentences(result, ctx.home))
    wf = result.welfare()
    ref = getattr(result, "reference", None)
    rw = ref.welfare() if ref is not None else None
    tiles = []
    for c in ctx.focus:
        if c in wf.index:
            v = float(wf.loc[c, "real_income"])
            if rw is not None:
                d = v - float(rw.loc[c, "real_income"])
                cls = "up" if d > 0 else "down" if d < 0 else ""
                value, note = f"{d:+.3f} pp", f"real income vs reference ({v:+.2f}% vs baseline)"
            else:
                cls = "up" if v > 0 else "down" if v < 0 else ""
                value, note = f"{v:+.2f}%", "real income"
            tiles.append(f'<div class="tile {cls}"><div class="tile-label">'
                         f"{ctx.esc(tables.country_name(result, c))}</div>"
                         f'<div class="tile-value">{ctx.esc(value)}</div>'
                         f'<div class="tile-note">{ctx.esc(note)}</div></div>')
    against = ""
    if ref is not None:
        against = ctx.note(f"Reference: {tables.scenario_name(ref)} "
                           f"({result.meta.get('against', {}).get('kind', 'reference')}); the tiles "
                           "show the difference from it in percentage points of real income.")
    return (f'<p class="headline">{ctx.esc(text)}</p>'
            f'<div class="tiles">{"".join(tiles)}</div>' + against
            + ctx.note("Real income: exact equilibrium change in real final absorption "
                       "(income deflated by the consumer price index), percent change from "
                       "the re-solved baseline."))
