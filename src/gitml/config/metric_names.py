"""The metrics each task reports and which way is better: the names config validates gate
rules against and `gitml.ml.metrics` computes."""

HEADLINE = {
    "binary": ("roc_auc", "average_precision", "accuracy", "f1", "log_loss", "brier"),
    "multiclass": ("f1_macro", "f1_weighted", "accuracy", "log_loss"),
    "regression": ("rmse", "mae", "r2"),
}
# metrics where a smaller value is better; every other headline metric is "higher is better"
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "rmse", "mae"})
SLICE_METRICS = {
    "binary": ("roc_auc", "accuracy"),
    "multiclass": ("accuracy", "f1_macro"),
    "regression": ("rmse", "mae"),
}
