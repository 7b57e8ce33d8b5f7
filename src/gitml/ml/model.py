"""The model artifact: estimator factory, the full Pipeline, and safe save/load (skops)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from gitml.config.params import (
    DataParams,
    HistGradientBoostingParams,
    LinearParams,
    ModelParams,
    RandomForestParams,
)
from gitml.errors import DataError
from gitml.io import write_with
from gitml.ml.features import build_preprocessor, feature_kinds

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# Every type a gitml model file may contain beyond numbers, containers and the loss and
# binning internals skops trusts itself. Loading refuses anything else, so a tampered model
# file cannot smuggle in code to run. A new estimator in build_estimator belongs here too
# (tests/unit/pipeline/test_train.py loads every model of every task in a fresh interpreter).
TRUSTED_TYPES = frozenset(
    {
        "functools.partial",
        "gitml.ml.encoding.CategoryCodes",
        "gitml.ml.features.to_float",
        "gitml.ml.features.to_object",
        "numpy.dtype",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.ensemble._forest.RandomForestClassifier",
        "sklearn.ensemble._forest.RandomForestRegressor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.impute._base.SimpleImputer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.linear_model._ridge.Ridge",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.preprocessing._encoders.OneHotEncoder",
        "sklearn.preprocessing._encoders.OrdinalEncoder",
        "sklearn.preprocessing._function_transformer.FunctionTransformer",
        "sklearn.preprocessing._label.LabelEncoder",
        "sklearn.tree._classes.DecisionTreeClassifier",
        "sklearn.tree._classes.DecisionTreeRegressor",
        "sklearn.tree._tree.Tree",
        "sklearn.utils.validation.check_array",
    }
)
# Where gitml's own types lived before the package was laid out by loop and layer: a model
# file saved then names them so, and still loads (the same code under its new name).
LEGACY_MODULES = {"gitml.encoding": "gitml.ml.encoding", "gitml.features": "gitml.ml.features"}
LEGACY_TYPES = frozenset(
    f"{old}.{name.rsplit('.', 1)[1]}"
    for old, new in LEGACY_MODULES.items()
    for name in TRUSTED_TYPES
    if name.rsplit(".", 1)[0] == new
)


def skops_io() -> ModuleType:
    """skops.io, imported without its scan of every scikit-learn module.

    At import, skops lists scikit-learn's estimators to trust them by default, and
    `all_estimators()` imports every scikit-learn module to find them: 0.18 s of the start of
    each process that saves or loads a model (train, evaluate, predict, the service), half of
    what importing skops costs. gitml needs no such list, since TRUSTED_TYPES names each
    estimator its models hold, so the scan finds nothing; skops' other defaults stand.
    """
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    import sklearn.utils

    scan = sklearn.utils.all_estimators
    sklearn.utils.all_estimators = lambda *args, **kwargs: []
    try:
        return importlib.import_module("skops.io")
    finally:
        sklearn.utils.all_estimators = scan


def build_estimator(params: ModelParams, task: str, seed: int) -> Any:
    """The estimator named by `params.name`, for a classification or regression task."""
    from sklearn import ensemble, linear_model

    classify = task != "regression"
    match params:
        case LinearParams():
            if classify:
                return linear_model.LogisticRegression(
                    C=1.0 / params.l2, max_iter=params.max_iter, class_weight=params.class_weight
                )
            return linear_model.Ridge(alpha=params.l2)
        case RandomForestParams():
            forest = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
            options = params.model_dump(exclude={"name", "class_weight"})
            if classify:
                options["class_weight"] = params.class_weight
            return forest(random_state=seed, **options)
        case HistGradientBoostingParams():
            boosting = (
                ensemble.HistGradientBoostingClassifier
                if classify
                else ensemble.HistGradientBoostingRegressor
            )
            options = params.model_dump(exclude={"name", "class_weight"})
            if classify:
                options["class_weight"] = params.class_weight
            return boosting(random_state=seed, **options)
    raise AssertionError(f"unhandled model params {params!r}")  # pydantic restricts the names


def build_pipeline(
    data: DataParams, params: ModelParams, seed: int, most_categories: int | None = None
) -> Pipeline:
    """Preprocessing + estimator as one Pipeline over the raw feature columns.

    `most_categories`: see `build_preprocessor` (None when the training data is not known).
    """
    from sklearn.pipeline import Pipeline

    native = isinstance(params, HistGradientBoostingParams)
    preprocessor, categorical_indices = build_preprocessor(
        feature_kinds(data), native, most_categories
    )
    estimator = build_estimator(params, data.task, seed)
    if native:
        estimator.set_params(categorical_features=categorical_indices or None)
    return Pipeline([("features", preprocessor), ("estimator", estimator)])


def save_model(pipeline: Pipeline, path: str | Path) -> None:
    """Save with skops, byte for byte the same for the same model (see `_reproducible`).

    HistGradientBoosting keeps the OpenMP thread count of the fitting machine in its binner,
    so the same model saved on 2 and 4 cores differed; None (all cores, as when unset) is
    what the binner reads at predict time either way.
    """
    sio = skops_io()
    for _, step in pipeline.steps:
        if (binner := getattr(step, "_bin_mapper", None)) is not None:
            binner.n_threads = None

    write_with(path, lambda tmp: tmp.write_bytes(_reproducible(sio.dumps(pipeline))))


def _reproducible(archive: bytes) -> bytes:
    """skops' zip with its object ids and timestamps made stable.

    skops names each array file and each shared object by its memory address (`id()`), and
    zip entries carry the time of writing, so the same model saved twice differed: DVC saw a
    new model on every retrain, and the report could not find the baseline's in the cache.
    Ids become their order of first appearance in schema.json (the references stay
    consistent), entries get a fixed time and order.
    """
    import io
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(archive))
    schema = source.read("schema.json").decode("utf-8")
    ids: dict[str, str] = {}
    for found in re.finditer(r'"__id__": (\d+)|"file": "(\d+)\.', schema):
        ids.setdefault(found[1] or found[2], str(len(ids) + 1))
    renumber = re.compile(r'("__id__": |"file": ")(\d+)')
    schema = renumber.sub(lambda m: m[1] + ids.get(m[2], m[2]), schema)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        entries = {"schema.json": schema.encode("utf-8")}
        for name in source.namelist():
            if name != "schema.json":
                stem, dot, suffix = name.partition(".")
                entries[ids.get(stem, stem) + dot + suffix] = source.read(name)
        for name in sorted(entries):
            target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), entries[name])
    return output.getvalue()


def load_model(path: str | Path) -> Pipeline:
    """Load a skops model file, trusting only the types in TRUSTED_TYPES."""
    sio = skops_io()

    source = Path(path)
    if not source.is_file():
        raise DataError(f"Model file not found: {source}. Run `dvc repro` to train it.")
    untrusted = set(sio.get_untrusted_types(file=source))
    refused = sorted(untrusted - TRUSTED_TYPES - LEGACY_TYPES)
    if refused:
        raise DataError(
            f"Refusing to load {source}: it contains types gitml does not trust "
            f"({', '.join(refused)}). Retrain it with `dvc repro` from a trusted commit."
        )
    for old in {name.rsplit(".", 1)[0] for name in untrusted & LEGACY_TYPES}:
        sys.modules.setdefault(old, importlib.import_module(LEGACY_MODULES[old]))
    return sio.load(source, trusted=sorted(untrusted))
