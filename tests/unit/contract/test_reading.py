from __future__ import annotations

from gitml.config.params import DataParams, Params
from gitml.contract.reading import csv_reading


def _file_data(params: Params, **source: object) -> DataParams:
    raw = params.data.model_dump()
    raw["source"] = {"kind": "file", "path": "data/customers.csv", **source}
    return DataParams.model_validate(raw)


def test_a_csv_source_is_read_with_its_own_options(params: Params) -> None:
    data = _file_data(params, na_values={"satisfaction_score": ["?"]}, thousands=",")
    reading = csv_reading(data)
    assert reading.na_values == {"satisfaction_score": ["?"]}
    assert reading.thousands == ","
    assert reading.text_columns == tuple(data.text_columns)
    numbers = {n for n, c in data.columns.items() if c.dtype in ("int", "float")}
    assert set(reading.number_columns) == numbers
    assert "total_charges" in numbers


def test_missing_markers_for_every_column_become_a_tuple(params: Params) -> None:
    assert csv_reading(_file_data(params, na_values=["?", "n/a"])).na_values == ("?", "n/a")


def test_a_synthetic_source_has_no_read_options(params: Params) -> None:
    assert params.data.source.kind == "synthetic"
    reading = csv_reading(params.data)
    assert reading.na_values == ()
    assert reading.thousands is None
    assert reading.text_columns == tuple(params.data.text_columns)
