"""Per-column drift between the baseline's data and the branch's.

Numeric columns: population stability index (PSI) over the baseline's deciles, the
Kolmogorov-Smirnov statistic and the Wasserstein distance divided by the baseline's standard
deviation. Categorical and boolean columns: PSI and the Jensen-Shannon distance (base 2, from
0 = same distribution to 1 = disjoint). Missing values count as a bin of their own, so a
change in the null rate is drift too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from gitml.config.params import ColumnSpec, DriftThresholds

_FLOOR = 1e-4  # share given to an empty bin, so PSI stays finite
_BINS = 10
_MAX_CATEGORIES = 50  # rarer values pool into one "(other)" bin


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: str  # "numeric" | "categorical"
    stats: dict[str, float]
    drifted: list[str]  # the statistics over their threshold

    @property
    def is_drifted(self) -> bool:
        return bool(self.drifted)


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two histograms (counts over the same bins)."""
    ref = np.maximum(reference / max(reference.sum(), 1), _FLOOR)
    cur = np.maximum(current / max(current.sum(), 1), _FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def jensen_shannon(reference: np.ndarray, current: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2) of two histograms over the same bins."""
    from scipy.spatial.distance import jensenshannon

    if reference.sum() == 0 or current.sum() == 0:
        return float("nan")
    return float(jensenshannon(reference, current, base=2))


def numeric_drift(reference: np.ndarray, current: np.ndarray) -> dict[str, float]:
    """PSI, KS statistic and normalised Wasserstein distance; NaN marks a missing value."""
    from scipy.stats import ks_2samp, wasserstein_distance

    ref_values, cur_values = reference[~np.isnan(reference)], current[~np.isnan(current)]
    if len(ref_values) == 0 or len(cur_values) == 0:
        return {"psi": float("nan"), "ks": float("nan"), "wasserstein": float("nan")}
    edges = np.unique(np.quantile(ref_values, np.linspace(0, 1, _BINS + 1)[1:-1]))
    ref_hist = np.r_[np.bincount(np.searchsorted(edges, ref_values), minlength=len(edges) + 1),
                     len(reference) - len(ref_values)]  # fmt: skip
    cur_hist = np.r_[np.bincount(np.searchsorted(edges, cur_values), minlength=len(edges) + 1),
                     len(current) - len(cur_values)]  # fmt: skip
    scale = float(np.std(ref_values)) or 1.0
    return {
        "psi": psi(ref_hist, cur_hist),
        "ks": float(ks_2samp(ref_values, cur_values, method="asymp").statistic),
        "wasserstein": float(wasserstein_distance(ref_values, cur_values)) / scale,
    }


def categorical_drift(reference: pd.Series, current: pd.Series) -> dict[str, float]:
    """PSI and Jensen-Shannon distance over the union of values (missing is a value)."""
    import pandas as pd

    ref = reference.astype(object).where(reference.notna(), "(missing)").astype(str)
    cur = current.astype(object).where(current.notna(), "(missing)").astype(str)
    frequent = ref.value_counts().index[:_MAX_CATEGORIES]
    ref = ref.where(ref.isin(frequent), "(other)")
    cur = cur.where(cur.isin(frequent), "(other)")
    counts = pd.DataFrame({"ref": ref.value_counts(), "cur": cur.value_counts()}).fillna(0)
    ref_hist, cur_hist = counts["ref"].to_numpy(float), counts["cur"].to_numpy(float)
    return {"psi": psi(ref_hist, cur_hist), "js": jensen_shannon(ref_hist, cur_hist)}


def column_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: dict[str, ColumnSpec],
    thresholds: DriftThresholds,
    seed: int = 0,
) -> list[ColumnDrift]:
    """Drift of every contract column present in both frames (unique columns are skipped:
    identifiers have no distribution), largest PSI first."""
    reference = _sample(reference, thresholds.max_rows, seed)
    current = _sample(current, thresholds.max_rows, seed)
    limits = thresholds.model_dump(exclude={"max_rows"})
    results = []
    for name, spec in columns.items():
        if spec.unique or name not in reference or name not in current:
            continue
        if spec.dtype in ("int", "float", "datetime"):
            kind = "numeric"
            stats = numeric_drift(_as_float(reference[name]), _as_float(current[name]))
        else:
            kind = "categorical"
            stats = categorical_drift(reference[name], current[name])
        drifted = [key for key, value in stats.items() if value > limits[key]]
        results.append(ColumnDrift(name, kind, stats, drifted))
    return sorted(results, key=lambda r: -np.nan_to_num(r.stats["psi"]))


def _as_float(series: pd.Series) -> np.ndarray:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.to_numpy("datetime64[ns]").astype("int64").astype(float)
        return np.where(series.isna().to_numpy(), np.nan, values)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _sample(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    return frame if len(frame) <= max_rows else frame.sample(max_rows, random_state=seed)
