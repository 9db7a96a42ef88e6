"""The measure record: one real (or threatened) trade measure, validated with pydantic.

A record says who taxes whom (``imposer``, ``targets``, per-partner ``exempt`` and
``partner_rates``), on what (``products``: HS codes at any level, packaged HTS lists, or model
sectors), how much (``rate``, or a ``quota`` with in- and over-quota rates), how it combines with
other measures (``mode``, ``stacking``, ``cusma_exempt``, ``supersedes``), when (``start``
inclusive, ``end`` exclusive: the first day it is no longer in force) and on whose word
(``source``, ``legal``; ``uncertain``/``note`` where facts are shaky; ``threat`` for measures that
were only threatened and are never "in force"; ``unquantified`` for measures in force whose
coverage cannot be identified in trade data, listed but not compiled into rates).

``mode: top_up`` reads ``rate`` as a total of MFN plus the measure: the additional duty on a
product is ``max(0, rate - MFN)`` (e.g. the April 2026 Section 232 Annex III tier, "MFN + 232 =
15%"). :class:`Coverage` records, per imposer, the last day the library's sources reach.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Model sector codes (WIOD order) accepted in ``products.sectors``.
SECTORS = (
    "agriculture", "mining", "food", "textiles", "leather", "wood", "paper", "petroleum", "chemicals",
    "rubber_plastics", "minerals", "metals", "machinery", "electrical", "transport_equipment",
    "manufacturing_nec", "utilities", "construction", "motor_trade", "wholesale", "retail", "hotels",
    "inland_transport", "water_transport", "air_transport", "transport_services", "telecom", "finance",
    "real_estate", "business_services", "public_admin", "education", "health", "other_services",
    "households",
)

#: Country groups usable wherever a list of countries is expected.
GROUPS = {
    "EU27": ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
             "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
             "SWE"),
}


def normalize_hs(code: object) -> str:
    """HS code as a digit string (dots and spaces removed); raises ValueError if malformed."""
    s = str(code).replace(".", "").replace(" ", "")
    if not s.isdigit() or len(s) not in (2, 4, 6, 8, 10):
        raise ValueError(f"bad HS code {code!r}: use 2, 4, 6, 8 or 10 digits (e.g. '1514' or "
                         "'2306.49'), quoted in YAML so leading zeros survive")
    return s


class Source(BaseModel):
    """Where a fact comes from: title and URL (from FACTS.md's source list)."""

    model_config = ConfigDict(extra="forbid")
    title: str
    url: str = ""


class Products(BaseModel):
    """Product scope: HS codes, packaged HTS lists or model sectors; omitted = all goods.

    Coverage is the union of ``hs``, ``lists`` and ``sectors``, restricted to ``only_hs`` (if
    given), minus ``exclude_hs`` and ``exclude_lists``.
    """

    model_config = ConfigDict(extra="forbid")
    hs: list[str] = Field(default_factory=list)
    lists: list[str] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list)
    only_hs: list[str] = Field(default_factory=list)
    exclude_hs: list[str] = Field(default_factory=list)
    exclude_lists: list[str] = Field(default_factory=list)

    @field_validator("hs", "only_hs", "exclude_hs", mode="before")
    @classmethod
    def _hs(cls, v: Any) -> list[str]:
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            v = [v]
        if not isinstance(v, (list, tuple)):
            raise ValueError(f"HS codes must be a code or a list of codes, got {v!r}")
        for c in v:
            if isinstance(c, bool) or not isinstance(c, (str, int)):
                raise ValueError(f"bad HS code {c!r}: give digits as text, e.g. '1514'")
        return [normalize_hs(c) for c in v]

    @field_validator("sectors", mode="before")
    @classmethod
    def _sectors(cls, v: Any) -> list[str]:
        return [v] if isinstance(v, str) else v

    @property
    def everything(self) -> bool:
        """True when no scope is given (all goods)."""
        return not (self.hs or self.lists or self.sectors)


class Stacking(BaseModel):
    """How a measure combines with others on the same goods.

    ``group`` names the measure's layer (e.g. ``s232``, ``ieepa``, ``s122``); measures of one
    group on the same goods do not stack (the highest rate applies); ``excluded_by`` lists groups
    whose coverage takes precedence (this measure applies only to the rest of the goods).
    """

    model_config = ConfigDict(extra="forbid")
    group: str = "other"
    excluded_by: list[str] = Field(default_factory=list)


class AffectedTrade(BaseModel):
    """A cited value of the trade a measure covers (for importers without product-level data)."""

    model_config = ConfigDict(extra="forbid")
    value: float
    currency: Literal["USD", "CAD"] = "USD"
    unit: Literal["million", "billion"] = "million"
    year: int = 2024
    sector: str
    source: str = ""

    def usd_million(self, cad_per_usd: float) -> float:
        """The value in US$ million."""
        v = self.value * (1000.0 if self.unit == "billion" else 1.0)
        return v / cad_per_usd if self.currency == "CAD" else v


class CitedTotal(BaseModel):
    """A cited total value of the trade a measure covers (all sectors), to calibrate its coverage.

    The product list and mix give the distribution over sectors; the level is scaled so the covered
    baseline trade equals this value (coverage capped at 100% of any product).
    """

    model_config = ConfigDict(extra="forbid")
    value: float
    currency: Literal["USD", "CAD"] = "USD"
    unit: Literal["million", "billion"] = "billion"
    year: int = 2024
    source: str = ""

    def usd_million(self, cad_per_usd: float) -> float:
        """The value in US$ million."""
        v = self.value * (1000.0 if self.unit == "billion" else 1.0)
        return v / cad_per_usd if self.currency == "CAD" else v


class Observation(BaseModel):
    """An observed quota fill: volume imported under the quota in one window, with its source."""

    model_config = ConfigDict(extra="forbid")
    start: dt.date
    end: dt.date
    volume: float
    quota: float | None = None
    source: str

    @model_validator(mode="after")
    def _order(self) -> Observation:
        if self.end <= self.start:
            raise ValueError(f"observation end {self.end} is not after start {self.start}")
        if self.volume < 0:
            raise ValueError(f"observed volume {self.volume} is negative")
        return self


class Quota(BaseModel):
    """A tariff-rate quota: ``in_rate`` up to the quota, ``over_rate`` beyond it.

    Give the quota as ``volume`` (with ``baseline_volume`` for the same unit, cited) or as
    ``volume_share`` of baseline imports. In a static model, if baseline-implied imports exceed the
    quota the marginal (applied) rate is ``over_rate`` and the rent (over − in) × quota value is a
    transfer to the importer; otherwise the in-quota rate applies and there is no rent.
    """

    model_config = ConfigDict(extra="forbid")
    in_rate: float
    over_rate: float
    volume: float | None = None
    unit: str = ""
    baseline_volume: float | None = None
    volume_share: float | None = None
    growth: float | None = None
    year_start: str | None = None
    windows: int = 1
    carry_over: bool = False
    observed: list[Observation] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _given(self) -> Quota:
        if self.volume_share is None and (self.volume is None or self.baseline_volume is None):
            raise ValueError("quota needs volume_share, or volume with baseline_volume")
        if self.growth is not None and (not math.isfinite(self.growth) or self.growth <= -1):
            raise ValueError(f"quota.growth {self.growth} must be a finite yearly fraction above -1")
        if self.year_start is not None:
            try:
                dt.date.fromisoformat(f"2001-{self.year_start}")
            except ValueError:
                raise ValueError(f"quota.year_start {self.year_start!r} is not a month-day like "
                                 "'03-01'") from None
        if self.windows < 1:
            raise ValueError(f"quota.windows {self.windows} must be at least 1")
        for name in ("in_rate", "over_rate"):
            r = getattr(self, name)
            if not math.isfinite(r) or r <= -1:
                raise ValueError(f"quota.{name} {r} must be a finite fraction above -1 (-100%)")
        return self

    def volume_in_year(self, k: int) -> float | None:
        """The quota volume in quota year ``k`` (0 = the first year), with ``growth`` compounded."""
        if self.volume is None:
            return None
        return float(self.volume) * (1.0 + (self.growth or 0.0)) ** k

    @property
    def binding(self) -> bool:
        """True when baseline imports exceed the quota (the over-quota rate is marginal)."""
        if self.volume_share is not None:
            return self.volume_share < 1.0
        volume, baseline = self._volumes()
        return baseline > volume

    @property
    def marginal_rate(self) -> float:
        """The applied (marginal) rate in the static model."""
        return self.over_rate if self.binding else self.in_rate

    @property
    def fill(self) -> float:
        """Quota volume as a share of baseline imports (capped at 1)."""
        if self.volume_share is not None:
            return min(1.0, self.volume_share)
        volume, baseline = self._volumes()
        return min(1.0, volume / baseline)

    def _volumes(self) -> tuple[float, float]:
        """``(volume, baseline_volume)``, which a quota without ``volume_share`` must give."""
        if self.volume is None or self.baseline_volume is None:
            raise ValueError("quota needs volume_share, or volume with baseline_volume")
        return float(self.volume), float(self.baseline_volume)


class Measure(BaseModel):
    """One trade measure (see the module docstring for the fields)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    imposer: str
    targets: list[str] | Literal["all"] = "all"
    exempt: list[str] = Field(default_factory=list)
    partner_rates: dict[str, float] = Field(default_factory=dict)
    products: Products = Field(default_factory=Products)
    rate: float | Literal["mfn"] | None = None
    quota: Quota | None = None
    mode: Literal["additional", "replaces", "top_up"] = "additional"
    stacking: Stacking = Field(default_factory=Stacking)
    cusma_exempt: bool = False
    supersedes: list[str] = Field(default_factory=list)
    affected_trade: list[AffectedTrade] = Field(default_factory=list)
    scale_to: CitedTotal | None = None
    start: dt.date
    end: dt.date | None = None
    legal: str = ""
    source: Source | list[Source]
    uncertain: bool = False
    threat: bool = False
    unquantified: bool = False
    note: str = ""
    family: str = ""

    @field_validator("targets", "exempt", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) and v != "all" else v

    @field_validator("rate", mode="before")
    @classmethod
    def _rate(cls, v: Any) -> Any:
        if v is None or v == "mfn":
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"rate must be a number (a fraction, 0.25 = 25%) or 'mfn', got {v!r}")
        x = float(v)
        if not math.isfinite(x) or x <= -1:
            raise ValueError(f"rate {v!r} is not a finite fraction above -1 (-100%); rates are "
                             "fractions, 0.25 = 25%")
        return x

    @field_validator("partner_rates")
    @classmethod
    def _prates(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if not math.isfinite(x) or x <= -1:
                raise ValueError(f"partner_rates[{k}] {x} is not a finite fraction above -1")
        return v

    @model_validator(mode="after")
    def _check(self) -> Measure:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start} (end is the first day "
                             "the measure is no longer in force)")
        if (self.rate is None) == (self.quota is None):
            raise ValueError("give exactly one of rate or quota")
        if self.rate == "mfn" and self.mode != "replaces":
            raise ValueError("rate 'mfn' needs mode: replaces")
        if self.mode == "top_up" and (self.rate is None or self.rate == "mfn" or self.rate < 0):
            raise ValueError("mode: top_up needs a non-negative numeric rate (the total of MFN plus "
                             "the measure, e.g. 0.15)")
        if self.unquantified and not self.note:
            raise ValueError("unquantified: true needs a note saying why the coverage cannot be "
                             "identified")
        return self

    # ------------------------------------------------------------------ queries
    @property
    def sources(self) -> list[Source]:
        """The sources as a list."""
        return self.source if isinstance(self.source, list) else [self.source]

    def in_force(self, day: dt.date) -> bool:
        """True when the measure applies on ``day`` (threats never do)."""
        return (not self.threat and self.start <= day
                and (self.end is None or day < self.end))

    def applied_rate(self, partner: str | None = None) -> float | str:
        """The rate charged (partner-specific if set; the marginal rate for a quota)."""
        if partner is not None and partner in self.partner_rates:
            return self.partner_rates[partner]
        if self.quota is not None:
            return self.quota.marginal_rate
        return self.rate  # type: ignore[return-value]

    def hits(self, exporter: str) -> bool:
        """True when the measure targets ``exporter`` (after exemptions and group expansion)."""
        ex = set(expand(self.exempt))
        if exporter in ex or exporter == self.imposer:
            return False
        return self.targets == "all" or exporter in set(expand(self.targets))


class Coverage(BaseModel):
    """How far the library's sources reach for one imposer: ``through`` is the last day checked."""

    model_config = ConfigDict(extra="forbid")
    imposer: str
    through: dt.date
    note: str = ""
    source: str = ""


def expand(codes: list[str] | str) -> list[str]:
    """Expand country groups (e.g. ``EU27``) in a list of codes."""
    if isinstance(codes, str):
        codes = [codes]
    out: list[str] = []
    for c in codes:
        out.extend(GROUPS.get(c, (c,)))
    return out
