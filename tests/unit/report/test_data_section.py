from gitml.report import data_section
from gitml.report.data_diff import DataDiff
from gitml.report.rows import Changed

PASSED = {"passed": True, "rows": 1200, "columns": {"a": {"nulls": 3}, "b": {"nulls": 2}}}


def test_the_data_section_survives_a_branch_without_its_row_count() -> None:
    diff = DataDiff(None, None, branch_rows=None, baseline_rows=1000, added=0, removed=0)
    assert "Rows: 1,000 on main → ? on the branch" in data_section.data(diff, "main", None)


def test_a_passed_contract_counts_rows_and_missing_values() -> None:
    text = data_section.data(DataDiff(PASSED, None), "main", None)
    assert text == "✅ Contract passed: 1,200 rows, 5 missing values in all.\n"


def test_a_broken_contract_lists_each_failure_with_five_samples_at_most() -> None:
    failure = {"column": "age", "check": "in_range", "count": 1234, "samples": list(range(8))}
    report = {"passed": False, "rows": 5000, "failures": [failure]}
    text = data_section.data(DataDiff(report, None), "main", None)
    assert text.startswith("❌ **Contract broken** (5,000 rows):\n")
    assert "| age | in_range | 1,234 | 0, 1, 2, 3, 4 |   |" in text  # no rows: an older report
    failure["rows"] = [7, 9]
    text = data_section.data(DataDiff(report, None), "main", None)
    assert "| 0, 1, 2, 3, 4 | 7, 9 |" in text
    assert data_section.data(DataDiff(None, None), "main", None) == (
        "No validation report (reports/validation.json) on the branch.\n"
    )


def test_the_same_data_is_said_in_one_line() -> None:
    diff = DataDiff(PASSED, PASSED, branch_rows=1200, baseline_rows=1200, same_data=True)
    assert "Same validated data as main (1,200 rows).\n" in data_section.data(diff, "main", None)


def test_rows_and_columns_changed_are_counted_and_cut_to_the_limit() -> None:
    changed = Changed(rows=7, matched=900, columns={"plan": 5, "age": 3, "region": 1})
    diff = DataDiff(
        PASSED,
        PASSED,
        branch_rows=1000,
        baseline_rows=950,
        added=100,
        removed=50,
        changed=changed,
        id_column="customer_id",
        target="churned",
        columns_added=["score"],
    )
    text = data_section.data(diff, "main", 2)
    assert "Rows: 950 on main → 1,000 on the branch (**+100** added, **-50** removed).\n" in text
    assert "Columns added: **`score`**.\n" in text
    assert "Columns removed" not in text
    assert (
        "Changed: **7 rows** of the 900 kept under the same `customer_id` have other values "
        "(plan: 5, age: 3, and 1 more columns).\n"
    ) in text
    assert data_section.target_changed(diff, "main") == ""  # the target is not among them


def test_a_target_changed_in_place_is_a_warning() -> None:
    changed = Changed(rows=4, matched=900, columns={"churned": 4})
    diff = DataDiff(
        PASSED, PASSED, baseline_rows=900, branch_rows=900, added=0, removed=0,
        changed=changed, id_column="customer_id", target="churned",
    )  # fmt: skip
    warning = data_section.target_changed(diff, "main")
    assert warning == (
        "The target `churned` changed for 4 of the 900 rows both main and the branch have "
        "(matched by `customer_id`): the metrics are measured against other answers than "
        "main's for these rows. Review the data change."
    )
    assert f"⚠️ **{warning}**\n" in data_section.data(diff, "main", None)
