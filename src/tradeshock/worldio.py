"""Read and write a :class:`~tradeshock.world.World` as a folder of Parquet tables.

Layout of a world folder (all values US$ million at producer prices unless said):

- ``countries.parquet``: ``country, name`` in array order.
- ``sectors.parquet``: ``sector, label, tradable, theta`` plus one ``theta_<set>`` column per
  alternative elasticity set, in array order.
- ``flows.parquet``: ``importer, exporter, sector, value, tariff`` (every pair, domestic included).
- ``country_sector.parquet``: ``country, sector, va_share, final_share``.
- ``io.parquet``: ``country, input_sector, sector, share`` (γ_n^{k,j}; zero rows omitted).
- ``provenance.json``: name, year, sources, build date, method notes, build report.

Writes are atomic (temporary folder, then rename) and byte-for-byte deterministic.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradeshock.errors import DataError
from tradeshock.world import World, provenance_json

_REQUIRED = {
    "countries.parquet": ["country"],
    "sectors.parquet": ["sector", "label", "tradable", "theta"],
    "flows.parquet": ["importer", "exporter", "sector", "value", "tariff"],
    "country_sector.parquet": ["country", "sector", "va_share", "final_share"],
    "io.parquet": ["country", "input_sector", "sector", "share"],
}


def _write_table(df: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)  # pandas metadata carries versions: keep bytes stable
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=False)


def write_world(world: World, folder: Path) -> Path:
    """Write ``world`` to ``folder`` atomically; returns the folder."""
    c, s = np.asarray(world.countries), np.asarray(world.sectors)
    n, j = len(c), len(s)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes 0700; packaged data must be readable by all users
    try:
        _write_table(pd.DataFrame({"country": c, "name": [world.country_names.get(x, x) for x in c]}),
                     tmp / "countries.parquet")
        sec = pd.DataFrame({"sector": s, "label": [world.sector_labels.get(x, x) for x in s],
                            "tradable": np.asarray(world.tradable, dtype=bool),
                            "theta": np.asarray(world.theta, dtype=float)})
        for key in sorted(world.elasticities):
            sec[f"theta_{key}"] = np.asarray(world.elasticities[key], dtype=float)
        _write_table(sec, tmp / "sectors.parquet")
        imp, exp, sj = np.meshgrid(np.arange(n), np.arange(n), np.arange(j), indexing="ij")
        _write_table(pd.DataFrame({"importer": c[imp.ravel()], "exporter": c[exp.ravel()],
                                   "sector": s[sj.ravel()], "value": world.flows.ravel(),
                                   "tariff": world.tariffs.ravel()}), tmp / "flows.parquet")
        cc, ss = np.meshgrid(np.arange(n), np.arange(j), indexing="ij")
        _write_table(pd.DataFrame({"country": c[cc.ravel()], "sector": s[ss.ravel()],
                                   "va_share": world.va_share.ravel(),
                                   "final_share": world.final_share.ravel()}),
                     tmp / "country_sector.parquet")
        cn, kk, jj = np.meshgrid(np.arange(n), np.arange(j), np.arange(j), indexing="ij")
        io = pd.DataFrame({"country": c[cn.ravel()], "input_sector": s[kk.ravel()],
                           "sector": s[jj.ravel()], "share": world.io_share.ravel()})
        _write_table(io[io["share"] != 0], tmp / "io.parquet")
        prov = dict(world.provenance, name=world.name, year=int(world.year))
        (tmp / "provenance.json").write_text(provenance_json(prov), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _read(folder: Path, fname: str) -> pd.DataFrame:
    path = folder / fname
    if not path.exists():
        raise DataError(f"world file missing: {path}; rebuild with 'tradeshock data build' "
                        "or reinstall the package")
    try:
        df = pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataError(f"world file {path} is corrupt or not Parquet ({exc.__class__.__name__}: "
                        f"{exc}); rebuild with 'tradeshock data build'") from None
    missing = [col for col in _REQUIRED[fname] if col not in df.columns]
    if missing:
        raise DataError(f"world file {path} lacks column(s) {', '.join(missing)}")
    return df


def read_world(folder: Path, name: str | None = None) -> World:
    """Read a world folder written by :func:`write_world`."""
    folder = Path(folder)
    prov_path = folder / "provenance.json"
    if not prov_path.exists():
        raise DataError(f"world folder {folder} has no provenance.json; it is not a tradeshock world")
    try:
        prov = json.loads(prov_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{prov_path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    countries = _read(folder, "countries.parquet")
    sectors = _read(folder, "sectors.parquet")
    c = list(countries["country"])
    s = list(sectors["sector"])
    n, j = len(c), len(s)
    ci = {x: k for k, x in enumerate(c)}
    si = {x: k for k, x in enumerate(s)}

    def idx(series: pd.Series, lookup: dict[str, int], fname: str, field: str) -> np.ndarray:
        codes = series.map(lookup)
        if codes.isna().any():
            bad = series[codes.isna()].iloc[0]
            raise DataError(f"{folder / fname}: {field} {bad!r} is not listed in "
                            f"{'countries' if lookup is ci else 'sectors'}.parquet")
        return codes.to_numpy(dtype=np.int64)

    flows_df = _read(folder, "flows.parquet")
    flows = np.zeros((n, n, j))
    tariffs = np.zeros((n, n, j))
    ii = idx(flows_df["importer"], ci, "flows.parquet", "importer")
    ee = idx(flows_df["exporter"], ci, "flows.parquet", "exporter")
    ss = idx(flows_df["sector"], si, "flows.parquet", "sector")
    flows[ii, ee, ss] = flows_df["value"].to_numpy(dtype=float)
    tariffs[ii, ee, ss] = flows_df["tariff"].to_numpy(dtype=float)

    cs = _read(folder, "country_sector.parquet")
    va = np.zeros((n, j))
    alpha = np.zeros((n, j))
    a = idx(cs["country"], ci, "country_sector.parquet", "country")
    b = idx(cs["sector"], si, "country_sector.parquet", "sector")
    va[a, b] = cs["va_share"].to_numpy(dtype=float)
    alpha[a, b] = cs["final_share"].to_numpy(dtype=float)

    io_df = _read(folder, "io.parquet")
    io = np.zeros((n, j, j))
    io[idx(io_df["country"], ci, "io.parquet", "country"),
       idx(io_df["input_sector"], si, "io.parquet", "input_sector"),
       idx(io_df["sector"], si, "io.parquet", "sector")] = io_df["share"].to_numpy(dtype=float)

    alt = {col[len("theta_"):]: sectors[col].to_numpy(dtype=float)
           for col in sectors.columns if col.startswith("theta_")}
    return World(
        name=name or prov.get("name", folder.name), year=int(prov.get("year", 0)),
        countries=tuple(c), sectors=tuple(s), flows=flows, tariffs=tariffs, va_share=va,
        io_share=io, final_share=alpha, theta=sectors["theta"].to_numpy(dtype=float),
        tradable=sectors["tradable"].to_numpy(dtype=bool),
        country_names=dict(zip(c, countries.get("name", countries["country"]), strict=True)),
        sector_labels=dict(zip(s, sectors["label"], strict=True)), provenance=prov,
        elasticities=alt,
    )
