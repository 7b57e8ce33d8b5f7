"""The baseline's side of the comparison when the runs cannot be paired."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gitml.config.metric_names import SLICE_METRICS
from gitml.config.params import Params
from gitml.contract.schema import validate_frame
from gitml.io import read_json, write_json
from gitml.ml.meta import ModelMeta
from gitml.ml.model import save_model
from gitml.ml.scoring import predict_table
from gitml.ml.synthetic import generate_churn
from gitml.pipeline.evaluate import score_table
from gitml.pipeline.split import split_data
from gitml.pipeline.train import describe_model, fit_model
from gitml.report import sections
from gitml.report.baseline import Artifacts
from gitml.report.compare import ModelComparison, Scored, compare_models, moved_slices
from gitml.report.pairing import not_comparable
from gitml.report.rules import Rules

FRAUD = {
    "task": "binary",
    "target": "fraud",
    "id_column": None,
    "classes": ["no", "yes"],
    "positive_class": "yes",
    "features": [{"name": "f0", "dtype": "float", "kind": "numeric"}],
}
CHURN = FRAUD | {"target": "churned", "classes": [0, 1], "positive_class": 1}
RECORDED = {"roc_auc": 0.84, "average_precision": 0.67, "accuracy": 0.82, "log_loss": 0.41}


def side(
    root: Path, label: str, data: dict[str, Any], meta: dict[str, Any] | None, **json_files: Any
) -> Artifacts:
    """One side's artifacts: params.yaml's data section and the JSON files given."""
    root.mkdir()
    files = {}
    for key, payload in ({"model_meta": meta} | json_files).items():
        if payload is not None:
            write_json(root / f"{key}.json", payload)
            files[key] = root / f"{key}.json"
    return Artifacts(label, "0" * 40, {"data": data}, {}, files)


def branch(root: Path) -> Artifacts:
    rng = np.random.default_rng(0)
    truth = np.array(["no", "yes"] * 20)
    yes = np.clip((truth == "yes") * 0.6 + rng.random(40) * 0.4, 0, 1)
    predictions = pd.DataFrame(
        {
            "row_id": np.arange(40),
            "truth": truth,
            "prediction": np.where(yes >= 0.5, "yes", "no"),
            "proba_no": 1 - yes,
            "proba_yes": yes,
        }
    )
    mine = side(root / "branch", "branch", {"name": "fraud", **FRAUD}, FRAUD)
    predictions.to_parquet(root / "branch/predictions.parquet")
    mine.files["predictions"] = root / "branch/predictions.parquet"
    return mine


def compare(mine: Artifacts, theirs: Artifacts, params: Params) -> ModelComparison:
    return compare_models(mine, theirs, params.report, params.evaluate, params.seed)


def test_a_baseline_on_another_target_is_not_comparable(params: Params, tmp_path: Path) -> None:
    # given main trained on churn's `churned` and a branch on another file's `fraud`
    theirs = side(tmp_path / "main", "main", {"name": "churn", **CHURN}, CHURN, metrics=RECORDED)

    # when they are compared
    result = compare(branch(tmp_path), theirs, params)

    # then main's numbers, which measure another target, are not shown beside the branch's
    assert result.pairing == "not comparable"
    assert result.not_comparable == "the target changed from `churned` to `fraud`"
    assert all(math.isnan(m.baseline) and math.isnan(m.delta) for m in result.metrics)
    assert all(math.isfinite(m.branch) for m in result.metrics)
    text = sections.metrics(result, Rules(params.gate, 0.95), "main", {})
    assert "| **roc_auc** | — | " in text
    assert "| ≥ 0.75, tolerance 0.01 (skipped: not comparable) |" in text
    assert "Not comparable with the baseline: the target changed from `churned` to `fraud`" in text


@pytest.mark.parametrize(
    ("data", "meta", "why"),
    [
        # main's model is gone: its params.yaml still says what it predicted
        ({"name": "churn", **CHURN}, None, "the target changed from `churned` to `fraud`"),
        (
            {"name": "fraud", **FRAUD, "task": "multiclass"},
            FRAUD | {"task": "multiclass", "classes": ["no", "maybe", "yes"]},
            "the task changed from `multiclass` to `binary`",
        ),
        (
            {"name": "fraud", **FRAUD},
            FRAUD | {"classes": ["N", "Y"]},
            "the classes of `fraud` changed from `[N, Y]` to `[no, yes]`",
        ),
        # same target, but main's model cannot score the branch's rows: recorded numbers of
        # another dataset
        ({"name": "fraud_v1", **FRAUD}, None, "the dataset changed from `fraud_v1` to `fraud`"),
        # unpaired, main's f1 and precision are of another class
        (
            {"name": "fraud", **FRAUD, "positive_class": "no"},
            None,
            "the positive class changed from `no` to `yes`",
        ),
    ],
)
def test_what_makes_a_baseline_not_comparable_is_named(
    params: Params, tmp_path: Path, data: dict[str, Any], meta: dict[str, Any] | None, why: str
) -> None:
    theirs = side(tmp_path / "main", "main", data, meta, metrics=RECORDED)

    result = compare(branch(tmp_path), theirs, params)

    assert (result.pairing, result.not_comparable) == ("not comparable", why)


def test_an_unavailable_model_of_the_same_data_is_compared_unpaired(
    params: Params, tmp_path: Path
) -> None:
    theirs = side(tmp_path / "main", "main", {"name": "fraud", **FRAUD}, None, metrics=RECORDED)

    result = compare(branch(tmp_path), theirs, params)

    assert (result.pairing, result.not_comparable) == ("unpaired", "")
    auc = next(m for m in result.metrics if m.name == "roc_auc")
    assert auc.baseline == 0.84
    assert math.isnan(auc.low)


def test_classes_read_as_text_instead_of_numbers_are_the_same_classes(
    params: Params, tmp_path: Path
) -> None:
    theirs = side(tmp_path / "main", "main", {"name": "fraud", **FRAUD}, None, metrics=RECORDED)
    text_classes = FRAUD | {"classes": ["0", "1"]}
    assert not_comparable(text_classes, FRAUD | {"classes": [0, 1]}) == ""
    assert compare(branch(tmp_path), theirs, params).pairing == "unpaired"


# Re-scoring the baseline model on the branch's test rows: real models on synthetic churn.

FAST = ("data.source.n_rows=2000", "model.max_iter=20")


def pipeline_run(
    root: Path, label: str, params: Params, typed: pd.DataFrame, test_size: float
) -> Artifacts:
    """One side's split, model and predictions, as the pipeline writes them."""
    split = params.split.model_copy(update={"test_size": test_size})
    train, test = split_data(typed, params.data, split, params.seed)
    model = fit_model(train, params.data, params.model, params.seed)
    meta = describe_model(model, params, "0" * 64)
    table = predict_table(model, test, meta)
    root.mkdir()
    files = {key: root / f"{key}.parquet" for key in ("train", "test", "predictions")}
    for key, frame in zip(files, (train, test, table), strict=True):
        frame.to_parquet(files[key])
    files["model"] = root / "model.skops"
    save_model(model, files["model"])
    for key, payload in (("model_meta", meta.model_dump()), ("metrics", score_table(table, meta))):
        files[key] = root / f"{key}.json"
        write_json(files[key], payload)
    side_params = {"data": {"name": "churn"}, "paths": {"train": "data/processed/train.parquet"}}
    return Artifacts(label, "0" * 40, side_params, {}, files)


@pytest.fixture(scope="module", params=["customer_id", None], ids=["by id", "by content"])
def runs(
    request: pytest.FixtureRequest,
    compose_params: Callable[..., Params],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Params, pd.DataFrame, Artifacts]:
    """main's run (test_size 0.2) and the data both sides split, with or without an id."""
    id_column = request.param
    params = compose_params(*FAST, f"data.id_column={id_column or 'null'}")
    typed, _ = validate_frame(generate_churn(2000, 3), params.data)
    assert typed is not None
    root = tmp_path_factory.mktemp("runs")
    return params, typed, pipeline_run(root / "main", "main", params, typed, 0.2)


def test_the_baseline_is_rescored_only_on_rows_it_did_not_train_on(
    runs: tuple[Params, pd.DataFrame, Artifacts], tmp_path: Path
) -> None:
    # given a branch that only raises split.test_size: many of its test rows are main's
    # training rows
    params, typed, main = runs
    mine = pipeline_run(tmp_path / "branch", "branch", params, typed, 0.3)
    main_train = pd.read_parquet(main.files["train"])
    branch_test = pd.read_parquet(mine.files["test"])
    unseen = len(branch_test) - branch_test.index.isin(main_train.index).sum()
    assert 30 < unseen < len(branch_test)

    # when they are compared
    result = compare(mine, main, params)

    # then both models are scored on the branch's test rows main did not train on, and the
    # note says how many were left out
    assert result.pairing == "rescored"
    assert result.rows == unseen
    how = "by `customer_id`" if params.data.id_column else "by content"
    assert (
        f"{len(branch_test) - unseen:,} of the branch's {len(branch_test):,} test rows were left "
        f"out for being in the baseline's training data (matched {how})"
    ) in result.note
    assert result.branch is not None
    assert len(result.branch.truth) == unseen


def test_too_few_unseen_rows_fall_back_to_recorded_metrics(
    runs: tuple[Params, pd.DataFrame, Artifacts], tmp_path: Path
) -> None:
    # given main trained on nearly every row (2% test) and a branch testing on 30%
    params, typed, _ = runs
    main = pipeline_run(tmp_path / "main", "main", params, typed, 0.02)
    mine = pipeline_run(tmp_path / "branch", "branch", params, typed, 0.3)

    result = compare(mine, main, params)

    assert result.pairing == "unpaired"
    assert "test rows were not in the baseline's training data" in result.note
    assert "fewer than the 60 a paired comparison needs" in result.note
    assert result.rows == 600  # the branch's own metrics, on all its test rows
    auc = next(m for m in result.metrics if m.name == "roc_auc")
    assert auc.baseline == read_json(main.files["metrics"])["roc_auc"]


def test_without_the_baseline_train_set_no_row_it_may_have_seen_is_rescored(
    runs: tuple[Params, pd.DataFrame, Artifacts], tmp_path: Path
) -> None:
    params, typed, main = runs
    mine = pipeline_run(tmp_path / "branch", "branch", params, typed, 0.3)
    without_train = dataclasses.replace(
        main, files={k: v for k, v in main.files.items() if k != "train"}
    )

    result = compare(mine, without_train, params)

    assert result.pairing == "unpaired"
    assert result.note.startswith(
        "The baseline's training rows (data/processed/train.parquet) are unavailable"
    )


def test_a_column_the_baseline_model_needs_is_named_when_the_branch_dropped_it(
    runs: tuple[Params, pd.DataFrame, Artifacts],
    compose_params: Callable[..., Params],
    tmp_path: Path,
) -> None:
    # given a branch whose contract and data no longer have support_calls
    params, typed, main = runs
    id_column = params.data.id_column or "null"
    dropped = compose_params(*FAST, f"data.id_column={id_column}", "~data.columns.support_calls")
    mine = pipeline_run(
        tmp_path / "branch", "branch", dropped, typed.drop(columns="support_calls"), 0.3
    )

    result = compare(mine, main, params)

    # then the note says which column, in words, not pandas' "['support_calls'] not in index"
    assert result.pairing == "unpaired"
    assert result.note.startswith(
        "The baseline model could not score the branch's rows: it needs the column(s) "
        "`support_calls`, which the branch's test rows do not have; metrics are not paired"
    )


def _two_models(
    task: str, weighted: bool
) -> tuple[pd.DataFrame, ModelMeta, pd.DataFrame, pd.DataFrame]:
    """A test set with two categorical features and two models' prediction tables on it."""
    rng = np.random.default_rng(11)
    n = 3_000
    test = pd.DataFrame(
        {
            "plan": rng.choice(["basic", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
            "region": pd.Series(rng.choice(["eu", "us", "-"], n)).replace("-", None),
            "age": rng.normal(40, 10, n),
        },
        index=rng.permutation(n) + 100,  # row ids, not positions
    )
    classes: list[Any] = []
    if task != "regression":
        classes = [0, 1] if task == "binary" else ["a", "b", "c"]
    features = [
        {"name": "plan", "dtype": "str", "kind": "categorical"},
        {"name": "region", "dtype": "str", "kind": "categorical"},
        {"name": "age", "dtype": "float", "kind": "numeric"},
    ]
    meta = ModelMeta.model_validate(
        {"task": task, "target": "y", "features": features, "classes": classes}
        | ({"positive_class": 1} if task == "binary" else {})
    )
    tables = []
    truth = rng.choice(classes, n) if classes else rng.normal(size=n)
    for noise in (1.0, 2.0):
        table = pd.DataFrame({"row_id": rng.permutation(test.index), "truth": truth})
        if classes:
            logits = rng.normal(size=(n, len(classes))) * noise
            logits[np.arange(n), [classes.index(t) for t in truth]] += 1.0
            proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            for i, label in enumerate(classes):
                table[f"proba_{label}"] = proba[:, i]
            table["prediction"] = np.array(classes)[proba.argmax(axis=1)]
        else:
            table["prediction"] = truth + rng.normal(size=n) * noise
        if weighted:
            table["weight"] = rng.uniform(0.5, 2.0, n)
        tables.append(table)
    return test, meta, tables[0], tables[1]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_each_moved_slice_is_both_models_metric_on_its_rows(
    task: str, weighted: bool, params: Params
) -> None:
    # given two models scored on the same test rows (the baseline's table in the branch's
    # row order, as pairing leaves it), optionally with row weights
    test, meta, theirs_table, mine_table = _two_models(task, weighted)
    theirs_table = theirs_table.set_index("row_id").loc[mine_table["row_id"]].reset_index()
    mine, theirs = _side(mine_table, meta, mine_table), _side(theirs_table, meta, mine_table)

    # when the slices are compared
    slices = moved_slices(test, mine_table, mine, theirs, meta=meta, settings=params.evaluate)

    # then every frequent value of each categorical feature is one slice, largest move first
    metric = SLICE_METRICS[task][0]
    assert {(s["feature"], s["value"]) for s in slices} == {
        ("plan", "basic"), ("plan", "pro"), ("plan", "team"),
        ("region", "eu"), ("region", "us"), ("region", "(missing)"),
    }  # fmt: skip
    moves = [abs(s["delta"]) for s in slices]
    assert moves == sorted(moves, reverse=True)
    # and each value is compute_metrics on that slice's rows, for both models
    features = test.loc[mine_table["row_id"]]
    for s in slices:
        rows = (features[s["feature"]].fillna("(missing)") == s["value"]).to_numpy()
        assert s["rows"] == rows.sum()
        assert s["metric"] == metric
        for key, table in (("baseline", theirs_table), ("branch", mine_table)):
            expected = score_table(table[rows].assign(**_weight_column(mine_table, rows)), meta)
            assert s[key] == pytest.approx(expected[metric], rel=1e-12)
        assert s["delta"] == pytest.approx(s["branch"] - s["baseline"], abs=1e-15)


def _side(table: pd.DataFrame, meta: ModelMeta, weighting: pd.DataFrame) -> Scored:
    """A model's outputs, weighted by the branch's row weights (`weighting`) as compared."""
    proba = table[meta.proba_columns].to_numpy() if meta.proba_columns else None
    weights = weighting["weight"].to_numpy() if "weight" in weighting else None
    return Scored(table["truth"].to_numpy(), table["prediction"].to_numpy(), proba, weights)


def _weight_column(table: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {"weight": table["weight"].to_numpy()[rows]} if "weight" in table else {}
