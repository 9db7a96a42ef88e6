"""The 35 WIOD (2013 release) sectors and their ISIC Rev.3 (= NACE Rev.1) contents.

WIOD industries are groups of NACE Rev.1 divisions, which coincide with ISIC Rev.3 divisions at
the two-digit level (Timmer et al. 2012, WIOD Working Paper 10, Table 2). The map below is that
table written down: WIOD code, our snake_case code, label, ISIC Rev.3 divisions.
"""

from __future__ import annotations

#: (WIOD code, sector code, label, ISIC Rev.3 two-digit divisions), in WIOD order c1..c35.
WIOD_SECTORS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("c1", "agriculture", "Agriculture, hunting, forestry and fishing", ("01", "02", "05")),
    ("c2", "mining", "Mining and quarrying", ("10", "11", "12", "13", "14")),
    ("c3", "food", "Food, beverages and tobacco", ("15", "16")),
    ("c4", "textiles", "Textiles and textile products", ("17", "18")),
    ("c5", "leather", "Leather, leather products and footwear", ("19",)),
    ("c6", "wood", "Wood and products of wood and cork", ("20",)),
    ("c7", "paper", "Pulp, paper, printing and publishing", ("21", "22")),
    ("c8", "petroleum", "Coke, refined petroleum and nuclear fuel", ("23",)),
    ("c9", "chemicals", "Chemicals and chemical products", ("24",)),
    ("c10", "rubber_plastics", "Rubber and plastics", ("25",)),
    ("c11", "minerals", "Other non-metallic minerals", ("26",)),
    ("c12", "metals", "Basic metals and fabricated metal", ("27", "28")),
    ("c13", "machinery", "Machinery, n.e.c.", ("29",)),
    ("c14", "electrical", "Electrical and optical equipment", ("30", "31", "32", "33")),
    ("c15", "transport_equipment", "Transport equipment", ("34", "35")),
    ("c16", "manufacturing_nec", "Manufacturing, n.e.c.; recycling", ("36", "37")),
    ("c17", "utilities", "Electricity, gas and water supply", ("40", "41")),
    ("c18", "construction", "Construction", ("45",)),
    ("c19", "motor_trade", "Sale, maintenance and repair of motor vehicles; retail sale of fuel",
     ("50",)),
    ("c20", "wholesale", "Wholesale trade and commission trade, except motor vehicles", ("51",)),
    ("c21", "retail", "Retail trade, except motor vehicles; repair of household goods", ("52",)),
    ("c22", "hotels", "Hotels and restaurants", ("55",)),
    ("c23", "inland_transport", "Inland transport", ("60",)),
    ("c24", "water_transport", "Water transport", ("61",)),
    ("c25", "air_transport", "Air transport", ("62",)),
    ("c26", "transport_services", "Other supporting and auxiliary transport activities; travel "
     "agencies", ("63",)),
    ("c27", "telecom", "Post and telecommunications", ("64",)),
    ("c28", "finance", "Financial intermediation", ("65", "66", "67")),
    ("c29", "real_estate", "Real estate activities", ("70",)),
    ("c30", "business_services", "Renting of machinery and equipment and other business activities",
     ("71", "72", "73", "74")),
    ("c31", "public_admin", "Public administration and defence; compulsory social security", ("75",)),
    ("c32", "education", "Education", ("80",)),
    ("c33", "health", "Health and social work", ("85",)),
    ("c34", "other_services", "Other community, social and personal services",
     ("90", "91", "92", "93")),
    ("c35", "households", "Private households with employed persons", ("95",)),
)

WIOD_CODES = tuple(c for c, _, _, _ in WIOD_SECTORS)
SECTOR_CODES = tuple(s for _, s, _, _ in WIOD_SECTORS)
SECTOR_LABELS = {s: label for _, s, label, _ in WIOD_SECTORS}
#: ISIC Rev.3 division → sector code.
ISIC3_TO_SECTOR = {div: s for _, s, _, divs in WIOD_SECTORS for div in divs}
