"""Model files: what loads, what is refused, and files saved before the package moved."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gitml.config.params import Params
from gitml.contract.schema import validate_frame
from gitml.errors import DataError
from gitml.ml.model import load_model
from gitml.ml.synthetic import generate_churn

LEGACY = Path(__file__).parents[2] / "support" / "legacy_model"


def test_a_model_saved_before_the_layout_by_loop_still_loads_and_predicts_the_same(
    params: Params,
) -> None:
    # given a file saved by gitml 0.1 (types named gitml.encoding.*, gitml.features.*)
    path = LEGACY / "hist_gradient_boosting.skops"
    schema = zipfile.ZipFile(path).read("schema.json").decode()
    assert '"gitml.encoding"' in schema
    assert '"gitml.features"' in schema
    # when it is loaded by today's code
    model = load_model(path)
    # then it predicts what it predicted when it was saved (same generator rows)
    frame, _ = validate_frame(generate_churn(300, 3), params.data)
    assert frame is not None
    features = frame[list(params.data.feature_columns)].head(10)
    expected = json.loads((LEGACY / "expected.json").read_text())["hist_gradient_boosting"]
    np.testing.assert_allclose(model.predict_proba(features)[:, 1], expected, atol=1e-12)


def test_a_model_naming_an_untrusted_type_is_refused(tmp_path: Path) -> None:
    # given the legacy file with one of its types renamed to something gitml does not trust
    source = zipfile.ZipFile(LEGACY / "hist_gradient_boosting.skops")
    tampered = tmp_path / "tampered.skops"
    with zipfile.ZipFile(tampered, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "schema.json":
                data = data.replace(b'"gitml.features"', b'"os"')
            out.writestr(item, data)
    # then it is refused, naming the type
    with pytest.raises(
        DataError, match=r"Refusing to load .*types gitml does not trust \(.*os\.to_float"
    ):
        load_model(tampered)


def test_the_saved_model_does_not_depend_on_the_fitting_machines_core_count(
    tmp_path: Path,
) -> None:
    # given the legacy model as fitted on a 2-core and on a 4-core machine (the binner's count)
    from gitml.ml.model import save_model

    model = load_model(LEGACY / "hist_gradient_boosting.skops")
    paths = []
    for cores in (2, 4):
        model.steps[-1][1]._bin_mapper.n_threads = cores
        # when each is saved
        save_model(model, path := tmp_path / f"{cores}.skops")
        paths.append(path)
    # then the files are the same bytes, so DVC's hash does not change with the runner
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert load_model(paths[0]).steps[-1][1]._bin_mapper.n_threads is None
