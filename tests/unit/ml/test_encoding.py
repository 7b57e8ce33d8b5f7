from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import OrdinalEncoder

from gitml.ml.encoding import CategoryCodes


def _frames(as_category: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = pd.DataFrame(
        {
            "plan": ["basic", "pro", None, "basic", "team"],
            "region": ["north", "south", "south", None, "east"],
        }
    ).astype("str")
    # unseen values, missing values and every known value
    new = pd.DataFrame(
        {
            "plan": ["team", "enterprise", None, "basic", "pro"],
            "region": [None, "east", "west", "north", "south"],
        }
    ).astype("str")
    if as_category:
        train, new = train.astype("category"), new.astype("category")
    return train, new


@pytest.mark.parametrize("as_category", [False, True])
def test_codes_are_ordinal_encoders_numbers(as_category: bool) -> None:
    # given
    train, new = _frames(as_category)
    reference = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    ).fit(train)
    # when
    codes = CategoryCodes().fit(train)
    # then
    for frame in (train, new):
        np.testing.assert_array_equal(codes.transform(frame), reference.transform(frame))
    assert [list(c) for c in codes.categories_] == [
        ["basic", "pro", "team"],
        ["east", "north", "south"],
    ]
    assert list(codes.get_feature_names_out()) == ["plan", "region"]


def test_columns_are_matched_by_name_and_input_is_untouched() -> None:
    train, new = _frames(as_category=False)
    before = new.copy()
    codes = CategoryCodes().fit(train)
    with pytest.raises(ValueError, match="feature names"):
        codes.transform(new[["region", "plan"]])
    codes.transform(new)
    pd.testing.assert_frame_equal(new, before)
