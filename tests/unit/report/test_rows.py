import pandas as pd

from gitml.report.rows import row_changes


def test_rows_are_counted_by_content_as_a_multiset() -> None:
    # a validated categorical and a raw string with the same text are the same row
    before = pd.DataFrame({"x": [1, 2, 2, 3], "c": pd.Categorical(list("abba"))})
    after = pd.DataFrame({"x": [2, 3, 4], "c": ["b", "a", "z"]})

    assert row_changes(before, after, None) == (1, 2)  # (4, z) added; (1, a), one (2, b) gone


def test_rows_are_counted_by_id_when_the_contract_names_one() -> None:
    before = pd.DataFrame({"id": [1, 2, 3], "x": [0, 0, 0]})
    after = pd.DataFrame({"id": [2, 3, 4, 5], "x": [9, 9, 9, 9]})

    assert row_changes(before, after, "id") == (2, 1)


def test_no_row_is_shared_when_no_column_is() -> None:
    # another dataset: the baseline has an id column the branch's contract does not name
    before = pd.DataFrame({"customer_id": [1, 2, 3, 4], "churned": [0, 1, 0, 1]})
    after = pd.DataFrame({"f0": [0.1, 0.2, 0.3], "fraud": ["no", "yes", "no"]})

    assert row_changes(before, after, None) == (3, 4)
    assert row_changes(before, after, "customer_id") == (3, 4)
