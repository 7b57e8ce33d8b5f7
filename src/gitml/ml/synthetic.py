"""The embedded default dataset: synthetic customer churn, deterministic by seed.

The columns mix numeric, categorical and boolean types, carry missing values and a few
columns with no signal, and the target (`churned`, about 25% positives) depends on the
features through non-linear effects and interactions plus noise, so a good model can learn
it but not perfectly. `n_rows` doubles as the scale knob for benchmarks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

POSITIVE_RATE = 0.25

CONTRACTS = np.array(["month_to_month", "one_year", "two_year"])
PAYMENT_METHODS = np.array(["electronic_check", "mailed_check", "bank_transfer", "credit_card"])
INTERNET = np.array(["dsl", "fiber", "none"])
REGIONS = np.array(["north", "south", "east", "west", "central"])
# customer ids are drawn from this range, without replacement, by a stream of their own: two
# seeds share an id with odds of about n_rows**2 / 1e15, so another seed is other customers
ID_RANGE = 10**15  # below 2**53: exact as a JSON number in any language
ID_STREAM = 1


def generate_churn(n_rows: int, seed: int) -> pd.DataFrame:
    """Return `n_rows` synthetic customers; the same (n_rows, seed) gives the same frame."""
    rng = np.random.default_rng(seed)

    contract = _draw(rng, CONTRACTS, n_rows, p=[0.55, 0.25, 0.20])
    tenure = np.minimum(rng.geometric(1 / 24, n_rows) - 1, 72)
    tenure = np.where(
        contract == "two_year", np.maximum(tenure, rng.integers(0, 24, n_rows)), tenure
    )
    internet = _draw(rng, INTERNET, n_rows, p=[0.35, 0.45, 0.20])
    base_charge = np.select([internet == "fiber", internet == "dsl"], [75.0, 50.0], 22.0)
    monthly = np.round(base_charge + rng.gamma(2.0, 8.0, n_rows), 2)
    total = np.round(monthly * tenure * rng.normal(1.0, 0.05, n_rows), 2)
    payment = _draw(rng, PAYMENT_METHODS, n_rows, p=[0.35, 0.2, 0.22, 0.23])
    support_calls = rng.poisson(np.where(internet == "fiber", 1.6, 0.9))
    senior = rng.random(n_rows) < 0.16
    partner = rng.random(n_rows) < 0.48
    paperless = rng.random(n_rows) < (0.45 + 0.25 * (payment == "electronic_check"))
    satisfaction = np.clip(np.round(rng.normal(3.6 - 0.35 * support_calls, 0.9), 1), 1.0, 5.0)

    logit = (
        np.select([contract == "month_to_month", contract == "two_year"], [1.1, -1.4], 0.0)
        - 0.9 * np.log1p(tenure)
        + 0.55 * (internet == "fiber")
        - 0.35 * (internet == "none")
        + 0.5 * (payment == "electronic_check")
        + 0.018 * (monthly - 60.0)
        + 0.25 * np.minimum(support_calls, 6)
        - 0.55 * (satisfaction - 3.0)
        + 0.35 * senior
        - 0.3 * partner
        + 0.2 * paperless
        + 0.6 * ((internet == "fiber") & (contract == "month_to_month") & (tenure < 12))
        + rng.normal(0.0, 0.6, n_rows)
    )
    churned = rng.random(n_rows) < _sigmoid(logit + _intercept_for(logit, POSITIVE_RATE))

    frame = pd.DataFrame(
        {
            "customer_id": _customer_ids(n_rows, seed),
            "tenure_months": tenure.astype(np.int64),
            "contract": _text(contract),
            "internet_service": _text(internet),
            "payment_method": _text(payment),
            "monthly_charges": monthly,
            "total_charges": total,
            "support_calls": support_calls.astype(np.int64),
            "satisfaction_score": satisfaction,
            "senior_citizen": senior,
            "has_partner": pd.array(partner, dtype="boolean"),
            "paperless_billing": paperless,
            "region": _text(_draw(rng, REGIONS, n_rows)),
            "noise_uniform": np.round(rng.random(n_rows), 4),
            "noise_normal": np.round(rng.normal(0.0, 1.0, n_rows), 4),
            "churned": churned.astype(np.int64),
        }
    )
    # missing values as they occur in real exports: unknown partner status, unanswered surveys,
    # billing totals not yet computed for brand-new customers
    frame.loc[rng.random(n_rows) < 0.05, "has_partner"] = pd.NA
    frame.loc[rng.random(n_rows) < 0.12, "satisfaction_score"] = np.nan
    frame.loc[(tenure == 0) & (rng.random(n_rows) < 0.5), "total_charges"] = np.nan
    return frame


def _customer_ids(n_rows: int, seed: int) -> np.ndarray:
    """Unique ids that follow the data: the same seed gives the same customers, another seed
    other ones (a stream apart from the features', which stay as they were)."""
    rng = np.random.default_rng([ID_STREAM, seed])
    ids: np.ndarray = rng.choice(ID_RANGE - 1, n_rows, replace=False).astype(np.int64) + 1
    return ids


def _draw(
    rng: np.random.Generator, values: np.ndarray, n_rows: int, p: list[float] | None = None
) -> pd.Categorical:
    """Values drawn as `rng.choice(values, ...)` draws them, kept as integer codes: comparing
    codes and building the string column from them is many times faster than NumPy strings."""
    codes = rng.choice(len(values), n_rows, p=p)
    return pd.Categorical.from_codes(codes, categories=pd.Index(values))


def _text(values: pd.Categorical) -> pd.api.extensions.ExtensionArray:
    """The values as pandas' default string dtype."""
    text: pd.api.extensions.ExtensionArray = values.categories.array.take(values.codes)
    return text


def _sigmoid(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def _intercept_for(logit: np.ndarray, rate: float) -> float:
    """Shift that makes the mean churn probability equal `rate` (bisection; mean is monotone)."""
    low, high = -20.0, 20.0
    for _ in range(60):
        mid = (low + high) / 2
        if _sigmoid(logit + mid).mean() < rate:
            low = mid
        else:
            high = mid
    return (low + high) / 2
