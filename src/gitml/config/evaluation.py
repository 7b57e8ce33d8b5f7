"""Params of how a model is judged: the split, evaluate's outputs, the PR report and gate."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from gitml.config.base import Strict, Task

# how to make a split the project's default: a command-line override lasts for one compose
DEFAULT_SPLIT = (
    "set `{1}: <column>` in conf/split/{0}.yaml and `- split: {0}` in the defaults list of "
    "conf/config.yaml, then run `gitml compose` (what `make run`, `dvc exp run` and CI use)"
)


class SplitParams(Strict):
    strategy: Literal["auto", "stratified", "random", "group", "time"] = "auto"
    test_size: float = Field(gt=0, lt=1)
    group_column: str | None = None
    time_column: str | None = None

    @model_validator(mode="after")
    def _strategy_has_column(self) -> SplitParams:
        for strategy, key in (("group", "group_column"), ("time", "time_column")):
            if self.strategy == strategy and not getattr(self, key):
                how = DEFAULT_SPLIT.format(strategy, key)
                raise ValueError(f"strategy {strategy!r} needs split.{key}: {how}")
        return self


class EvaluateParams(Strict):
    importance_max_rows: int = Field(default=5000, ge=10)
    importance_repeats: int = Field(default=5, ge=1)
    slice_max_categories: int = Field(default=20, ge=1)
    slice_min_rows: int = Field(default=30, ge=1)
    plot_max_points: int = Field(default=200, ge=10)
    calibration_bins: int = Field(default=10, ge=2)
    confusion_max_rows: int = Field(default=20000, ge=10)


# --- report and gate ---------------------------------------------------------------------


class DriftThresholds(Strict):
    """A column has drifted when any statistic exceeds its threshold (see report/drift.py)."""

    psi: float = Field(default=0.2, gt=0)
    js: float = Field(default=0.1, gt=0, le=1)
    ks: float = Field(default=0.1, gt=0, le=1)
    wasserstein: float = Field(default=0.1, gt=0)
    max_rows: int = Field(default=200_000, ge=100)  # rows sampled per side


class ReportParams(Strict):
    resamples: int = Field(default=1000, ge=100, le=100_000)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    drift: DriftThresholds = DriftThresholds()
    max_table_rows: int = Field(default=20, ge=3)
    top_features: int = Field(default=10, ge=1)
    top_slices: int = Field(default=8, ge=1)
    max_chars: int = Field(default=60_000, ge=5_000, le=65_536)  # GitHub's comment limit
    # each metric's spread (standard deviation) across training seeds: a note says a metric
    # moved only beyond it and test-row noise (bench/verdict.py measures it)
    seed_sd: dict[str, Annotated[float, Field(ge=0)]] = {}


class GateRule(Strict):
    """`min` (higher-is-better metrics) or `max` (lower-is-better) is an absolute bound;
    `tolerance` is how much worse than the baseline the branch may be (95% confidence)."""

    min: float | None = None
    max: float | None = None
    tolerance: float | None = Field(default=None, ge=0)


class GateParams(Strict):
    contract: bool = True  # fail when the data breaks its contract
    stale_lock: Literal["fail", "warn"] = "fail"  # a committed dvc.lock CI's run changed
    rules: dict[Task, dict[str, GateRule]] = {}

    @model_validator(mode="after")
    def _rules_name_metrics_of_their_task(self) -> GateParams:
        from gitml.config.metric_names import HEADLINE, LOWER_IS_BETTER

        for task, rules in self.rules.items():
            for metric, rule in rules.items():
                where = f"rules.{task}.{metric}"
                if metric not in HEADLINE[task]:
                    raise ValueError(
                        f"{where}: {metric!r} is not a {task} metric "
                        f"(choose from {', '.join(HEADLINE[task])})"
                    )
                lower = metric in LOWER_IS_BETTER
                if (rule.min is not None and lower) or (rule.max is not None and not lower):
                    bound, other = ("min", "max") if lower else ("max", "min")
                    raise ValueError(
                        f"{where}: {metric} is {'lower' if lower else 'higher'}-is-better, "
                        f"so its bound is `{other}`, not `{bound}`"
                    )
        return self
