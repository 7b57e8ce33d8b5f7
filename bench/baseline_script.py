"""The baseline: what a data scientist would write without gitml, on the same raw data.

Loads data/raw/dataset.parquet, holds out 20% (stratified), fits a histogram gradient
boosting model with native categorical support (the same estimator and settings as gitml's
default), and prints the same headline metrics. No validation, no artifacts, no extras.
"""

import json
import sys

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split

frame = pd.read_parquet(sys.argv[1])
target = frame.pop("churned")
frame = frame.drop(columns=["customer_id"])
for column in frame.select_dtypes(["object", "string", "str"]).columns:
    frame[column] = frame[column].astype("category")
frame = frame.astype({"has_partner": "float64"})
x_train, x_test, y_train, y_test = train_test_split(
    frame, target, test_size=0.2, stratify=target, random_state=42
)
model = HistGradientBoostingClassifier(
    categorical_features="from_dtype", max_iter=200, early_stopping=True, random_state=42
).fit(x_train, y_train)
proba = model.predict_proba(x_test)[:, 1]
predicted = proba >= 0.5
print(
    json.dumps(
        {
            "roc_auc": roc_auc_score(y_test, proba),
            "average_precision": average_precision_score(y_test, proba),
            "accuracy": accuracy_score(y_test, predicted),
            "f1": f1_score(y_test, predicted),
            "log_loss": log_loss(y_test, proba),
            "brier": brier_score_loss(y_test, proba),
        }
    )
)
