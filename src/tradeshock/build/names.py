"""Country names (ISO3 → English short name) used as labels in the packaged worlds."""

from __future__ import annotations

COUNTRY_NAMES: dict[str, str] = {
    "ARG": "Argentina", "AUS": "Australia", "AUT": "Austria", "BEL": "Belgium", "BGR": "Bulgaria",
    "BRA": "Brazil", "CAN": "Canada", "CHE": "Switzerland", "CHL": "Chile", "CHN": "China",
    "CYP": "Cyprus", "CZE": "Czechia", "DEU": "Germany", "DNK": "Denmark", "ESP": "Spain",
    "EST": "Estonia", "FIN": "Finland", "FRA": "France", "GBR": "United Kingdom", "GRC": "Greece",
    "HKG": "Hong Kong SAR, China", "HUN": "Hungary", "IDN": "Indonesia", "IND": "India",
    "IRL": "Ireland", "ITA": "Italy", "JPN": "Japan", "KOR": "Korea, Rep.", "LTU": "Lithuania",
    "LUX": "Luxembourg", "LVA": "Latvia", "MEX": "Mexico", "MLT": "Malta", "MYS": "Malaysia",
    "NLD": "Netherlands", "NOR": "Norway", "NZL": "New Zealand", "POL": "Poland", "PRT": "Portugal",
    "ROU": "Romania", "RUS": "Russian Federation", "SGP": "Singapore", "SVK": "Slovakia",
    "SVN": "Slovenia", "SWE": "Sweden", "THA": "Thailand", "TUR": "Turkey", "TWN": "Taiwan, China",
    "USA": "United States", "ZAF": "South Africa", "ROW": "Rest of the world",
}


def country_names(codes: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Names for ``codes`` (the code itself where no name is listed)."""
    return {c: COUNTRY_NAMES.get(c, c) for c in codes}
