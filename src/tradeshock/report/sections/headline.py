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
    tiles = []
    for c in ctx.focus:
        if c in wf.index:
            v = float(wf.loc[c, "real_income"])
            cls = "up" if v > 0 else "down" if v < 0 else ""
            tiles.append(f'<div class="tile {cls}"><div class="tile-label">'
                         f"{ctx.esc(tables.country_name(result, c))}</div>"
                         f'<div class="tile-value">{v:+.2f}%</div>'
                         '<div class="tile-note">real income</div></div>')
    return (f'<p class="headline">{ctx.esc(text)}</p>'
            f'<div class="tiles">{"".join(tiles)}</div>'
            + ctx.note("Real income: exact equilibrium change in real final absorption "
                       "(income deflated by the consumer price index), percent change from "
                       "the re-solved baseline."))
