from __future__ import annotations

import pandas as pd

from gitml.ml.synthetic import generate_churn


def test_same_seed_same_data_other_seed_other_data() -> None:
    pd.testing.assert_frame_equal(generate_churn(500, 1), generate_churn(500, 1))
    assert not generate_churn(500, 1).equals(generate_churn(500, 2))


def test_ids_follow_the_data_and_the_features_do_not_depend_on_them() -> None:
    one, same, other = generate_churn(500, 1), generate_churn(500, 1), generate_churn(500, 2)
    assert one["customer_id"].equals(same["customer_id"])
    assert not set(one["customer_id"]) & set(other["customer_id"])  # other seed, other customers
    assert one["customer_id"].min() >= 1


def test_shape_types_and_realism() -> None:
    frame = generate_churn(20_000, 42)
    assert len(frame) == 20_000
    assert frame["customer_id"].is_unique
    assert 0.22 < frame["churned"].mean() < 0.28
    assert frame["has_partner"].isna().any()
    assert frame["satisfaction_score"].isna().any()
    assert frame["contract"].nunique() == 3
    assert frame["senior_citizen"].dtype == bool


def test_signal_is_learnable_but_not_perfect() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    frame = generate_churn(10_000, 0)
    features = frame.drop(columns=["churned", "customer_id"]).astype(
        {c: "category" for c in ("contract", "internet_service", "payment_method", "region")}
        | {"has_partner": "float64"}
    )
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    model.fit(features[:8000], frame["churned"][:8000])
    auc = roc_auc_score(frame["churned"][8000:], model.predict_proba(features[8000:])[:, 1])
    assert 0.75 < auc < 0.95
