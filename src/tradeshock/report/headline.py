"""The headline paragraph: plain-language sentences generated from a result's numbers.

Nothing here is canned: every figure and every direction word ("falls", "rises") comes from
the result's tidy views. Used by the HTML report, the terminal summary and the notebook view.
"""

from __future__ import annotations

from typing import Any

from tradeshock.report import tables

#: Moves smaller than this (percent) are described as "essentially unchanged".
NEGLIGIBLE_PCT = 0.005


def in_text(name: str) -> str:
    """A country name as used mid-sentence (``"the United States"``)."""
    if name.startswith(("United ", "Netherlands", "Czech", "Philippines", "Rest of")):
        return "the " + name
    return name


def possessive(name: str) -> str:
    """``"Canada's"``, ``"the United States'"``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def move(pct: float, unit: str = "%") -> str:
    """``"falls 0.42%"`` / ``"rises 1.30%"`` / ``"is essentially unchanged"`` for a percent change."""
    if pct != pct:  # NaN
        return "cannot be computed"
    if abs(pct) < NEGLIGIBLE_PCT:
        return "is essentially unchanged"
    digits = 2 if abs(pct) < 10 else 1
    return f"{'rises' if pct > 0 else 'falls'} {abs(pct):.{digits}f}{unit}"


def money(x: float) -> str:
    """``"US$1,234 million"`` (one decimal below 100)."""
    v = abs(x)
    return f"US${v:,.1f} million" if v < 100 else f"US${v:,.0f} million"


def headline_sentences(result: Any, home: str = "CAN") -> list[str]:
    """The headline as a list of sentences (computed from the result)."""
    wf = result.welfare()
    out: list[str] = []
    name = tables.scenario_name(result)
    if home in wf.index:
        hn = tables.country_name(result, home)
        ri = float(wf.loc[home, "real_income"])
        s = f"Under “{name}”, {possessive(hn)} real income {move(ri)}"
        others = [c for c in ("USA", "CHN", "MEX") if c in wf.index and c != home]
        if others:
            parts = [f"{in_text(tables.country_name(result, c))} {_short(float(wf.loc[c, 'real_income']))}"
                     for c in others]
            s += " (" + "; ".join(parts) + ")"
        out.append(s + ".")
        ex = tables.exports_by_partner(result, home)
        bits = []
        for _, r in ex.iterrows():
            if r["partner"] == "Total":
                continue
            target = ("everyone else" if r["partner"] == "Everyone else"
                      else in_text(r["partner"].split(" (")[0]))
            if r["baseline"] > 0:
                bits.append(f"to {target} {_short(float(r['change_pct']), verb=True)} "
                            f"({_signed_money(float(r['change']))})")
        if bits:
            out.append(f"{possessive(hn)} exports " + ", ".join(bits[:-1])
                       + (" and " if len(bits) > 1 else "") + bits[-1] + ".")
        gains, losses = tables.sector_moves(result, home, n=1, by="gross_output_change")
        sec = []
        if len(losses):
            r = losses.iloc[0]
            sec.append(f"the largest loss of output is in {r['label'].lower()} "
                       f"({_signed_money(float(r['gross_output_change']))}, "
                       f"{r['gross_output_change_pct']:+.2f}%)")
        if len(gains):
            r = gains.iloc[0]
            sec.append(f"the largest gain is in {r['label'].lower()} "
                       f"({_signed_money(float(r['gross_output_change']))}, "
                       f"{r['gross_output_change_pct']:+.2f}%)")
        if sec:
            out.append(f"In {hn}, " + " and ".join(sec) + ".")
    top = wf["real_income"].abs().idxmax()
    if not out:
        out.append(f"Under “{name}”, real income moves most in "
                   f"{in_text(tables.country_name(result, top))} "
                   f"({float(wf.loc[top, 'real_income']):+.2f}%).")
    elif top != home:
        out.append(f"The largest real-income move anywhere is {in_text(tables.country_name(result, top))} "
                   f"({float(wf.loc[top, 'real_income']):+.2f}%).")
    rev = result.revenue()
    rev = rev.set_index("country") if "country" in rev.columns else rev
    if home in rev.index and abs(float(rev.loc[home, "change"])) > 0.05:
        ch = float(rev.loc[home, "change"])
        out.append(f"{possessive(tables.country_name(result, home))} tariff revenue "
                   f"{'rises' if ch > 0 else 'falls'} by {money(ch)}.")
    return out


def headline(result: Any, home: str = "CAN") -> str:
    """The headline as one paragraph of text."""
    return " ".join(headline_sentences(result, home))


def _short(pct: float, verb: bool = False) -> str:
    if pct != pct:
        return "n/a"
    if abs(pct) < NEGLIGIBLE_PCT:
        return "barely move" if verb else "±0.00%"
    if verb:
        return f"{'rise' if pct > 0 else 'fall'} {abs(pct):.{2 if abs(pct) < 1 else 1}f}%"
    return f"{pct:+.2f}%"


def _signed_money(x: float) -> str:
    return ("+" if x > 0 else "−") + money(x)
