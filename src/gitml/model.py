"""The model artifact: estimator factory, the full Pipeline, and safe save/load (skops)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.config import (
    DataParams,
    HistGradientBoostingParams,
    LinearParams,
    ModelParams,
    RandomForestParams,
)
from gitml.errors import DataError
from gitml.features import build_preprocessor, feature_kinds
from gitml.io import write_with

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# Types a gitml model file may contain beyond skops' defaults. Loading refuses anything else,
# so a tampered model file cannot smuggle in code to run.
TRUSTED_TYPES = frozenset(
    {
        "functools.partial",
        "gitml.encoding.CategoryCodes",
        "gitml.features.to_float",
        "gitml.features.to_object",
        "numpy.dtype",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.tree._tree.Tree",
        "sklearn.utils.validation.check_array",
    }
)


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
    """Save with skops, byte for byte the same for the same model (see `_reproducible`)."""
    import skops.io as sio

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
    import skops.io as sio

    source = Path(path)
    if not source.is_file():
        raise DataError(f"Model file not found: {source}. Run `dvc repro` to train it.")
    untrusted = set(sio.get_untrusted_types(file=source))
    refused = sorted(untrusted - TRUSTED_TYPES)
    if refused:
        raise DataError(
            f"Refusing to load {source}: it contains types gitml does not trust "
            f"({', '.join(refused)}). Retrain it with `dvc repro` from a trusted commit."
        )
    return sio.load(source, trusted=sorted(untrusted))
