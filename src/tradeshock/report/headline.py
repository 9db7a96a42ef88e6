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


def reference_phrase(result: Any) -> str | None:
    """How the result's reference reads in a sentence, or None without one.

    ``"the measures in force on 2026-02-01"`` for a status quo solved by the runner,
    ``"“canada-china-deal-2026”"`` for a scenario it extends or an explicit ``--against``.
    """
    ref = getattr(result, "reference", None)
    if ref is None:
        return None
    name = tables.scenario_name(ref)
    return f"the {name}" if name.startswith("measures in force") else f"“{name}”"


def headline_sentences(result: Any, home: str = "CAN") -> list[str]:
    """The headline as a list of sentences (computed from the result).

    With a reference (``result.reference``: the status quo a package is added to, or
    ``--against``) the first sentences measure the scenario against it, in percentage points of
    real income, and give the change against the 2024 baseline in brackets. Countries named
    are the focus countries and the material economies (:func:`tables.material_countries`);
    sectors are ranked by value added in money.
    """
    wf = result.welfare()
    ref = getattr(result, "reference", None)
    rwf = ref.welfare() if ref is not None else None
    out: list[str] = []
    name = tables.scenario_name(result)
    if home in wf.index:
        hn = tables.country_name(result, home)
        ri = float(wf.loc[home, "real_income"])
        others = [c for c in ("USA", "CHN", "MEX") if c in wf.index and c != home]
        if rwf is not None:
            d = ri - float(rwf.loc[home, "real_income"])
            if result.meta.get("against", {}).get("kind") == "against":
                s = (f"Against {reference_phrase(result)}, “{name}” changes {possessive(hn)} real "
                     f"income by {_pp(d)}")
            else:
                s = (f"On top of {reference_phrase(result)}, “{name}” {_adds(d)} "
                     f"{possessive(hn)} real income")
            s += f" ({_short(ri)} against the {result.world.year} baseline)"
            parts = [f"{in_text(tables.country_name(result, c))} "
                     f"{_pp(float(wf.loc[c, 'real_income']) - float(rwf.loc[c, 'real_income']))}"
                     for c in others]
            out.append(s + (": " + ", ".join(parts) if parts else "") + ".")
        else:
            s = f"Under “{name}”, {possessive(hn)} real income {move(ri)}"
            parts = [f"{in_text(tables.country_name(result, c))} {_short(float(wf.loc[c, 'real_income']))}"
                     for c in others]
            if parts:
                s += " (" + "; ".join(parts) + ")"
            out.append(s + ".")
        ex = tables.exports_by_partner(result, home, reference=ref)
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
            lead = f"Against {reference_phrase(result)}, " if ref is not None else ""
            out.append(f"{lead}{possessive(hn)} exports " + ", ".join(bits[:-1])
                       + (" and " if len(bits) > 1 else "") + bits[-1] + ".")
        gains, losses = tables.sector_moves(result, home, n=1, by="value_added_change",
                                            reference=ref)
        sec = []
        if len(losses):
            r = losses.iloc[0]
            sec.append(f"the largest loss of value added is in {r['label'].lower()} "
                       f"({_signed_money(float(r['value_added_change']))}, "
                       f"{r['value_added_change_pct']:+.2f}%)")
        if len(gains):
            r = gains.iloc[0]
            sec.append(f"the largest gain in {r['label'].lower()} "
                       f"({_signed_money(float(r['value_added_change']))}, "
                       f"{r['value_added_change_pct']:+.2f}%)")
        if sec:
            out.append(f"In {hn}, " + " and ".join(sec) + ".")
    material = [c for c in tables.material_countries(result) if c in wf.index]
    if material:
        moves = (wf.loc[material, "real_income"] - rwf.loc[material, "real_income"]
                 if rwf is not None else wf.loc[material, "real_income"])
        top = moves.abs().idxmax()
        unit = " pp" if rwf is not None else "%"
        if not out:
            out.append(f"Under “{name}”, real income moves most in "
                       f"{in_text(tables.country_name(result, top))} ({float(moves[top]):+.2f}{unit}).")
        elif top != home:
            out.append(f"Among the large economies, real income moves most in "
                       f"{in_text(tables.country_name(result, top))} ({float(moves[top]):+.2f}{unit}).")
    rev = result.revenue()
    rev = rev.set_index("country") if "country" in rev.columns else rev
    if home in rev.index:
        ch = float(rev.loc[home, "change"])
        if ref is not None:
            rr = ref.revenue()
            rr = rr.set_index("country") if "country" in rr.columns else rr
            ch = float(rev.loc[home, "counterfactual"]) - float(rr.loc[home, "counterfactual"])
        if abs(ch) > 0.05:
            out.append(f"{possessive(tables.country_name(result, home))} tariff revenue "
                       f"{'rises' if ch > 0 else 'falls'} by {money(ch)}"
                       + (f" against {reference_phrase(result)}." if ref is not None else "."))
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


def _pp(x: float) -> str:
    """A difference of percentages in percentage points: ``"+0.018 pp"``."""
    if x != x:
        return "n/a"
    if abs(x) < 0.0005:
        return "±0.000 pp"
    return f"{x:+.3f} pp" if abs(x) < 1 else f"{x:+.2f} pp"


def _adds(d: float) -> str:
    """``"adds +0.018 pp to"`` / ``"takes −0.020 pp from"`` / ``"leaves unchanged"``."""
    if abs(d) < 0.0005:
        return "leaves essentially unchanged"
    return f"adds {_pp(d)} to" if d > 0 else f"takes {_pp(d).replace('-', '−')} from"


def _signed_money(x: float) -> str:
    return ("+" if x > 0 else "−") + money(x)
