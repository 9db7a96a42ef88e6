"""Report section: the strategic game among the players (payoffs, best responses, equilibria).

Shown when the report is written with ``game=<GameResult>`` (``tradeshock game --report``);
skipped otherwise.
"""

from __future__ import annotations

from typing import Any

TITLE = "The three powers' game"


def render(result: Any, ctx: Any) -> str | None:
    """Payoff matrix, chart of payoffs by move profile, equilibria and dominated moves."""
    g = ctx.options.get("game")
    if g is None:
        return None
    import plotly.graph_objects as go

    players = g.players
    outcomes = {p.country: p.payoff for p in g.game.players}
    parts = [f'<p class="headline">{ctx.esc(g.summary())}</p>',
             f"<p>{g.n_solves} general-equilibrium solves, one per combination of moves. "
             "Payoffs: " + ", ".join(f"{k}: {ctx.esc(v)}" for k, v in outcomes.items()) +
             " (percent change from the baseline).</p>"]
    m = g.matrix()
    pay_cols = [f"payoff_{p}" for p in players]
    ref = " / ".join(f"{p} {m.iloc[0][p]}" for p in players)
    for p in players:  # what the moves change, against the first profile
        m[f"vs_first_{p}"] = m[f"payoff_{p}"] - m[f"payoff_{p}"].iloc[0]
    label = [" / ".join(f"{p} {r[p]}" for p in players) for _, r in m.iterrows()]
    fig = go.Figure([go.Bar(name=p, x=label[1:], y=m[f"vs_first_{p}"].iloc[1:]) for p in players])
    fig.update_layout(barmode="group", xaxis_tickangle=-30, yaxis_title="percentage points",
                      title=f"Payoff change against the first profile ({ref})")
    parts.append(ctx.figure(fig, height=440))
    diff_cols = [f"vs_first_{p}" for p in players]
    eqs = {tuple(e[p] for p in players) for e in g.equilibria}
    m = m.assign(nash=["yes" if tuple(r[p] for p in players) in eqs else ""
                       for _, r in m.iterrows()])
    parts.append(ctx.table(m, caption="Payoff matrix (one row per move profile; vs_first = "
                           "difference from the first row)",
                           unit="percent change from the baseline; differences in percentage "
                           "points", percent=pay_cols + diff_cols, digits=4))
    parts.append(ctx.table(g.best_responses, caption="Best responses", unit="moves"))
    if not g.dominated.empty:
        parts.append(ctx.table(g.dominated, caption="Dominated moves", unit="moves"))
    moves = [{"player": p.country, "move": mv.id, "description": mv.description,
              "source": mv.source} for p in g.game.players for mv in p.moves]
    import pandas as pd

    parts.append(ctx.table(pd.DataFrame(moves), caption="The moves", unit="as argued 2025-26"))
    parts.append(ctx.note("A one-shot game among governments maximising the stated outcome; "
                          "payoffs are static general-equilibrium welfare changes, not "
                          "politics. Threats that were never implemented are modelled as if "
                          "carried out."))
    return "".join(parts)
