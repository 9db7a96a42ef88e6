"""The measures library: real trade measures of 2024–26 as YAML records, loaded and validated.

One YAML file per measure family (``us_ieepa.yaml``, ``us_s232.yaml``, ...); see
``docs/measures.md`` for the fields, the stacking rules and the sources.

>>> from tradeshock.measures import load_library          # doctest: +SKIP
>>> lib = load_library(); lib.in_force("2026-03-01")        # doctest: +SKIP
"""

from tradeshock.measures.library import Library, as_date, load_library, measures_table, validate_measure
from tradeshock.measures.schema import Measure

__all__ = ["Library", "Measure", "as_date", "load_library", "measures_table", "validate_measure"]
