"""The measures library: records match the cited facts, and bad records fail clearly."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from tradeshock.errors import ScenarioError
from tradeshock.measures import load_library
from tradeshock.measures.library import load_file

D = dt.date


@pytest.fixture(scope="module")
def lib():
    return load_library()


# ------------------------------------------------------------------ facts (FACTS.md)
@pytest.mark.parametrize("ident, rate, start, end", [
    # FACTS 1.1: 25% from 2025-03-04, 35% from 2025-08-01, collection stopped 2026-02-24
    ("us-ieepa-can-25", 0.25, D(2025, 3, 4), D(2025, 8, 1)),
    ("us-ieepa-can-35", 0.35, D(2025, 8, 1), D(2026, 2, 24)),
    ("us-ieepa-can-energy-10", 0.10, D(2025, 3, 4), D(2026, 2, 24)),
    ("us-ieepa-mex-25", 0.25, D(2025, 3, 4), D(2026, 2, 24)),
    # FACTS 1.4: China fentanyl 10% then 20%; reciprocal 125% then 10% from 2025-05-14
    ("us-ieepa-chn-fentanyl-10", 0.10, D(2025, 2, 4), D(2025, 3, 4)),
    ("us-ieepa-chn-reciprocal-125", 1.25, D(2025, 4, 10), D(2025, 5, 14)),
    ("us-ieepa-chn-reciprocal-10-geneva", 0.10, D(2025, 5, 14), D(2026, 2, 24)),
    # FACTS 1.5-1.8
    ("us-s232-steel-25", 0.25, D(2025, 3, 12), D(2025, 6, 4)),
    ("us-s232-steel-50", 0.50, D(2025, 6, 4), D(2026, 4, 6)),
    ("us-s232-autos", 0.25, D(2025, 4, 3), None),
    ("us-s232-auto-parts", 0.25, D(2025, 5, 3), None),
    ("us-s232-mhdv", 0.25, D(2025, 11, 1), None),
    ("us-s232-buses", 0.10, D(2025, 11, 1), None),
    ("us-s232-softwood-lumber", 0.10, D(2025, 10, 14), None),
    # copper moved into the April 2026 metals tiers (Ashurst Perkins Coie; tradefacts.io)
    ("us-s232-copper-50", 0.50, D(2025, 8, 1), D(2026, 4, 6)),
    ("us-s232-metals-tier-ia", 0.50, D(2026, 4, 6), None),
    ("us-s232-metals-tier-ib", 0.25, D(2026, 4, 6), None),
    ("us-s232-metals-tier-iii", 0.15, D(2026, 4, 6), D(2028, 1, 1)),
    # semiconductors 25% from 2026-01-15 (Proclamation 11002; EY); pharma collection 2026-07-31
    ("us-s232-semiconductors-25", 0.25, D(2026, 1, 15), None),
    ("us-s232-pharma-patented-100", 1.00, D(2026, 7, 31), None),
    # Canada's steel package of 2025-12-26 (EY 2025-12-19; Norton Rose Fulbright)
    ("ca-steel-trq-nonfta-50", 0.50, D(2025, 8, 1), D(2025, 12, 26)),
    ("ca-steel-trq-nonfta-20", 0.50, D(2025, 12, 26), None),
    ("ca-steel-trq-fta-75", 0.50, D(2025, 12, 26), None),
    ("ca-steel-derivatives-25", 0.25, D(2025, 12, 26), None),
    # China on the US: energy tariffs from 2025-02-10; the 24 suspended points return 2026-11-10
    ("cn-retaliation-us-energy-15", 0.15, D(2025, 2, 10), None),
    ("cn-retaliation-us-energy-10", 0.10, D(2025, 2, 10), None),
    ("cn-retaliation-us-10", 0.10, D(2025, 5, 14), None),
    ("cn-retaliation-us-34-2026-11", 0.34, D(2026, 11, 10), None),
    # softwood AD/CVD: AR6 amended AD final 20.53% (LumberFlow; GAC 2025-09-11); AR7 prelim not in force
    ("us-adcvd-softwood-ar6", 0.2079, D(2025, 8, 8), D(2025, 9, 11)),
    ("us-adcvd-softwood-ar6-amended", 0.2076, D(2025, 9, 11), None),
    ("us-adcvd-softwood-ar7-prelim", 0.1043, D(2026, 4, 14), None),
    # Mexico's 2026 tariffs on non-FTA countries: cars 20% -> 50%
    ("mx-nonfta-cars-50", 0.30, D(2026, 1, 1), None),
    # FACTS 1.10: Section 122 10% from 2026-02-24 for 150 days
    ("us-s122-10", 0.10, D(2026, 2, 24), D(2026, 7, 24)),
    # FACTS 2.1, 2.2
    ("ca-surtax-cn-ev-100", 1.00, D(2024, 10, 1), None),
    ("ca-surtax-cn-steel-aluminum-25", 0.25, D(2024, 10, 22), None),
    ("ca-countermeasures-us-list1", 0.25, D(2025, 3, 4), D(2025, 9, 1)),
    # FACTS 3.1, 3.2
    ("cn-adisc-can-canola-meal-100", 1.00, D(2025, 3, 20), D(2026, 3, 1)),
    ("cn-adisc-can-pork-25", 0.25, D(2025, 3, 20), None),
    ("cn-ad-canola-seed-prelim", 0.758, D(2025, 8, 14), D(2026, 3, 1)),
    ("cn-ad-canola-seed-final", 0.059, D(2026, 3, 1), D(2031, 3, 1)),
])
def test_records_match_facts(lib, ident, rate, start, end):
    m = lib.get(ident)
    assert m.applied_rate() == pytest.approx(rate)
    assert m.start == start
    assert m.end == end


def test_softwood_adcvd_is_the_ar6_increase(lib):
    # FACTS 1.7: AR6 20.56% AD + 14.63% CVD, up from 7.66% + 6.74%
    assert lib.get("us-adcvd-softwood-ar6").rate == pytest.approx((20.56 + 14.63 - 7.66 - 6.74) / 100)


def test_ev_quota_is_not_binding_at_2023_volumes(lib):
    # FACTS 3.4: 49,000 vehicles at 6.1% MFN; China shipped 41,678 EVs to Canada in 2023
    q = lib.get("ca-cn-ev-quota-2026").quota
    assert q.volume == 49000 and q.baseline_volume == 41678
    assert not q.binding and q.marginal_rate == 0.0
    trq = lib.get("ca-steel-trq-nonfta-50").quota   # FACTS 2.3: quota 50% of 2024, 50% over quota
    assert trq.binding and trq.marginal_rate == 0.5 and trq.fill == 0.5


def test_in_force_reflects_the_supreme_court_ruling(lib):
    before = {m.id for m in lib.in_force("2026-02-23")}
    after = {m.id for m in lib.in_force("2026-02-24")}
    assert "us-ieepa-can-35" in before and "us-s122-10" not in before
    assert not any(i.startswith("us-ieepa") for i in after)
    assert "us-s122-10" in after and "us-s232-steel-50" in after


def test_threats_never_in_force(lib):
    threats = [m for m in lib if m.threat]
    assert {"us-threat-can-100", "ca-countermeasures-us-list2"} <= {m.id for m in threats}
    for day in ("2025-06-01", "2026-03-01", "2027-06-01"):
        assert not any(m.threat for m in lib.in_force(day))


def test_supersedes_ev_surtax_and_prelim_ad(lib):
    ids = {m.id for m in lib.in_force("2026-03-01")}
    assert "ca-cn-ev-quota-2026" in ids and "ca-surtax-cn-ev-100" not in ids
    assert "cn-ad-canola-seed-final" in ids and "cn-ad-canola-seed-prelim" not in ids


def test_every_record_has_a_source_and_family(lib):
    assert len(lib) >= 80
    for m in lib:
        assert m.sources and all(s.title for s in m.sources), m.id
        assert m.family, m.id
    table = lib.table()
    assert list(table.columns[:6]) == ["id", "family", "title", "imposer", "targets", "rate"]
    assert table["id"].is_unique


# ------------------------------------------------------------------ bad records
GOOD = """\
measures:
  - id: x-1
    title: test
    imposer: USA
    targets: [CAN]
    products: {hs: ["1514"]}
    rate: 0.25
    start: 2025-01-01
    end: 2025-06-01
    source: {title: t, url: u}
"""


def _write(tmp_path, text, name="fam.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_good_record_loads(tmp_path):
    lib = load_file(_write(tmp_path, GOOD))
    assert lib.get("x-1").products.hs == ["1514"]


@pytest.mark.parametrize("old, new, needles", [
    ("end: 2025-06-01", "end: 2024-06-01", ["x-1", "end", "not after start"]),
    ("targets: [CAN]", "targets: [CNA]", ["x-1", "targets[0]", "'CNA'", "CAN"]),
    ('hs: ["1514"]', 'hs: ["15A4"]', ["x-1", "products.hs", "bad HS code"]),
    ('hs: ["1514"]', 'hs: ["151"]', ["x-1", "products.hs", "2, 4, 6, 8 or 10 digits"]),
    ("rate: 0.25", "rate: -1.5", ["x-1", "rate", "-100%"]),
    ("rate: 0.25", "rate: lots", ["x-1", "rate", "must be a number"]),
    ('products: {hs: ["1514"]}', "products: {sectors: [farming]}", ["x-1", "sectors[0]", "farming"]),
    ('products: {hs: ["1514"]}', "products: {lists: [no-such-list]}", ["x-1", "lists[0]", "no-such-list"]),
    ("imposer: USA", "imposer: US", ["x-1", "imposer", "'US'", "USA"]),
    ("rate: 0.25", "rate: 0.25\n    colour: red", ["x-1", "unknown field 'colour'"]),
])
def test_bad_record_errors(tmp_path, old, new, needles):
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ScenarioError) as exc:
        load_file(path)
    msg = str(exc.value)
    assert str(path) in msg
    for n in needles:
        assert n in msg, msg


def test_error_names_the_line(tmp_path):
    path = _write(tmp_path, GOOD + GOOD.split("measures:\n")[1].replace("x-1", "x-2").replace("CAN", "CHI"))
    with pytest.raises(ScenarioError, match=r"fam.yaml:11: measure 'x-2'.*'CHI'.*CHN"):
        load_file(path)


def test_duplicate_ids(tmp_path):
    a = _write(tmp_path, GOOD, "a.yaml")
    b = _write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(ScenarioError, match="duplicate measure id 'x-1'"):
        load_library([a, b])


def test_yaml_syntax_error_has_line(tmp_path):
    path = _write(tmp_path, GOOD.replace("rate: 0.25", "rate: [0.25"))
    with pytest.raises(ScenarioError, match=r"fam.yaml:\d+: YAML syntax error"):
        load_file(path)


def test_unknown_supersedes(tmp_path):
    path = _write(tmp_path, GOOD.replace("rate: 0.25", "rate: 0.25\n    supersedes: [x-9]"))
    with pytest.raises(ScenarioError, match="supersedes"):
        load_library([path])


def test_ev_records_carry_the_cited_ev_imports(lib):
    # Canadian Press / The Hub: C$2.2 billion of EVs imported from China in 2023; EVD2 (Statistics
    # Canada 12-10-0178-01) dates the quota framework to March 2026 and counts ~44,400 vehicles in 2023
    for ident in ("ca-surtax-cn-ev-100", "ca-cn-ev-quota-2026"):
        m = lib.get(ident)
        (a,) = m.affected_trade
        assert (a.value, a.currency, a.unit, a.year, a.sector) == (2.2, "CAD", "billion", 2023,
                                                                  "transport_equipment")
        assert a.usd_million(1.369) == pytest.approx(2200 / 1.369)
        assert any("evd2.ca" in s.url for s in m.sources)
    q = lib.get("ca-cn-ev-quota-2026")
    assert (q.start.year, q.start.month) == (2026, 3) and q.uncertain
    assert max(41678, 44400) < q.quota.volume               # both 2023 counts are under the quota


# ------------------------------------------------------------------ late-2026 records and schema
def test_every_record_has_a_source_url(lib):
    """Every record names at least one source with a URL (the Reagan-ad threat had none)."""
    empty = [m.id for m in lib if not any(s.url for s in m.sources)]
    assert empty == []


def test_tier_iii_is_an_mfn_top_up(lib):
    m = lib.get("us-s232-metals-tier-iii")
    assert m.mode == "top_up" and m.rate == pytest.approx(0.15)


def test_softwood_232_scope_has_no_hardwood_lines(lib):
    """HS 4403/4406/4407 also hold hardwood; only coniferous subheadings stay in scope."""
    hs = lib.get("us-s232-softwood-lumber").products.hs
    assert all(len(c) == 6 for c in hs)
    assert "440791" not in hs and "4407" not in hs and "440712" in hs


def test_ev_quota_terms(lib):
    """GAC: 49,000 in year 1, +6.5% a year, March-February year, first window 24,500, 2,910 used."""
    q = lib.get("ca-cn-ev-quota-2026").quota
    assert q.volume_in_year(0) == pytest.approx(49_000)
    assert q.volume_in_year(4) == pytest.approx(49_000 * 1.065 ** 4)   # 63,040 in year 5
    assert q.year_start == "03-01" and q.windows == 2 and q.carry_over
    obs = q.observed[0]
    assert (obs.volume, obs.quota) == (2910, 24500)
    assert obs.volume / obs.quota == pytest.approx(0.1188, abs=1e-4)


def test_in_force_today_keeps_chinas_10_until_the_suspension_ends(lib):
    ids = {m.id for m in lib.in_force(D(2026, 11, 9)) if m.imposer == "CHN"}
    assert "cn-retaliation-us-10" in ids and "cn-retaliation-us-34-2026-11" not in ids
    ids = {m.id for m in lib.in_force(D(2026, 11, 10)) if m.imposer == "CHN"}
    assert "cn-retaliation-us-34-2026-11" in ids and "cn-retaliation-us-10" not in ids


def test_coverage_dates_per_imposer(lib):
    assert set(lib.coverage) >= {"USA", "CAN", "CHN", "MEX"}
    assert lib.covered_through("USA") == D(2026, 8, 19)
    note = lib.coverage_note(D(2026, 12, 2))
    assert "USA 2026-08-19" in note and "past the record" in note
    assert "past the record" not in lib.coverage_note(D(2026, 1, 1), imposers=["MEX"])


def test_bad_coverage_file(tmp_path):
    from tradeshock.measures.library import Library, load_coverage

    p = tmp_path / "_coverage.yaml"
    p.write_text("coverage:\n  - {imposer: CHI, through: 2026-01-01}\n")
    with pytest.raises(ScenarioError, match="unknown country 'CHI'"):
        load_coverage(p, Library())
    p.write_text("coverage:\n  - {imposer: CAN, through: soon}\n")
    with pytest.raises(ScenarioError, match="through"):
        load_coverage(p, Library())


def _one(tmp_path, body: str):
    p = tmp_path / "x.yaml"
    p.write_text(textwrap.dedent(body))
    return load_file(p)


def test_top_up_needs_a_numeric_rate(tmp_path):
    with pytest.raises(ScenarioError, match="top_up needs a non-negative numeric rate"):
        _one(tmp_path, """\
            - {id: a, title: t, imposer: USA, rate: -0.1, mode: top_up, start: 2026-01-01,
               source: {title: s, url: u}}
            """)


def test_unquantified_needs_a_reason(tmp_path):
    with pytest.raises(ScenarioError, match="unquantified: true needs a note"):
        _one(tmp_path, """\
            - {id: a, title: t, imposer: USA, rate: 0.1, unquantified: true, start: 2026-01-01,
               source: {title: s, url: u}}
            """)


def test_quota_growth_and_year_start_validated(tmp_path):
    with pytest.raises(ScenarioError, match="year_start"):
        _one(tmp_path, """\
            - {id: a, title: t, imposer: CAN, start: 2026-01-01, source: {title: s, url: u},
               quota: {in_rate: 0, over_rate: 1, volume_share: 0.5, year_start: March}}
            """)
    with pytest.raises(ScenarioError, match="growth"):
        _one(tmp_path, """\
            - {id: a, title: t, imposer: CAN, start: 2026-01-01, source: {title: s, url: u},
               quota: {in_rate: 0, over_rate: 1, volume_share: 0.5, growth: -1.5}}
            """)


def test_softwood_rates_add_up():
    """Each AD/CVD record is the rise of AD + CVD over the 2024 deposits (7.66% + 6.74%)."""
    lib = load_library()
    assert lib.get("us-adcvd-softwood-ar6-amended").rate == pytest.approx(0.2053 + 0.1463 - 0.1440)
    ar7 = lib.get("us-adcvd-softwood-ar7-prelim")
    assert ar7.rate == pytest.approx(0.1066 + 0.1417 - 0.1440) and ar7.threat
    assert not any(m.id == ar7.id for m in lib.in_force(D(2026, 12, 2)))
