"""The row-check grammar: what it accepts, and every shape of injection it refuses by name."""

from __future__ import annotations

import pytest

from gitml.config.row_expr import ForbiddenExprError, parse_row_expr, row_check_problem

COLUMNS = ["a", "b", "monthly charges", "x.y", "plan", "flag", "os"]


@pytest.mark.parametrize(
    ("expr", "guarded"),
    [
        ("a > 1", ["a"]),
        ("`monthly charges` <= a * (b + 1) * 1.5", ["monthly charges", "a", "b"]),
        ("`x.y` >= 0 and not flag", ["x.y", "flag"]),
        ("isna(b) | (b >= 0)", ["b"]),
        ("notna(a) or isna(b)", []),
        ("abs(a - b) < 3", ["a", "b"]),
        ("(plan in ['basic', 'pro']) & (a // 2 % 3 != 1)", ["plan", "a"]),
        ("plan not in ('basic',) | b != 2.5 & ~flag", ["plan", "b", "flag"]),  # pandas' precedence
        ("0 <= a <= 72", ["a"]),
        ("plan == 'os.system(`ls`) @x'", ["plan"]),  # signs inside text are text
        ("-a ** 2 < 1e9 and ~flag", ["a", "flag"]),
    ],
)
def test_the_grammar_accepts_columns_literals_logic_and_its_functions(
    expr: str, guarded: list[str]
) -> None:
    assert parse_row_expr(expr, COLUMNS).null_guarded == guarded


@pytest.mark.parametrize(
    ("expr", "part", "why"),
    [
        ("@os.system('touch pwned') == 0", "@os.system", "a reference to a Python variable (@)"),
        ("a > @threshold", "@threshold", "a reference to a Python variable"),
        ("__import__('os').system('ls') == 0", "__import__('os').system('ls')", "a call"),
        ("__import__('os') == 0", "__import__('os')", "a call to __import__"),
        ("eval('1') == 1", "eval('1')", "a call to eval; the functions are isna, notna, abs"),
        ("open('/etc/passwd') == 1", "open('/etc/passwd')", "a call to open"),
        ("a.__class__ == 1", "a.__class__", "attribute access (a dot)"),
        ("a.__class__.__mro__ == 1", "a.__class__.__mro__", "attribute access"),
        ("plan.str.len() > 2", "plan.str.len()", "a call; the functions are"),
        ("os.system == 1", "os.system", "attribute access"),
        ("a[0] > 1", "a[0]", "indexing ([...])"),
        ("a[::-1] > 1", "a[::-1]", "indexing"),
        ("f'{a}' == '1'", "f'{a}'", "an f-string"),
        ("(lambda: 1)() == 1", "(lambda: 1)()", "a call"),
        ("(lambda x: x)(a) > 1", "(lambda x: x)(a)", "a call"),
        ("(z := a) > 1", "z := a", "an assignment (:=)"),
        ("[c for c in a] == 1", "[c for c in a]", "a comprehension"),
        ("sum(c for c in a) > 1", "sum(c for c in a)", "a call to sum"),
        ("(a if flag else b) > 1", "a if flag else b", "a conditional expression"),
        ("{'k': a} == 1", "{'k': a}", "a dict"),
        ("a == [1, 2]", "[1, 2]", "a list, allowed only after `in`"),
        ("a in [b]", "b", "not a literal"),
        ("a in b", "b", "not a list of values"),
        ("a @ b > 1", "@", "a reference to a Python variable"),
        ("a << 2 > 1", "a << 2", "the operator <<"),
        ("a ^ 2 > 1", "a ^ 2", "the operator ^"),
        ("a is None", "a is None", "the operator `is`"),
        ("a == None", "None", "None; test a missing value with isna(column)"),
        ("a == b'x'", "b'x'", "not a literal"),
        ("a > 2 ** 64 * 2**64 and a > 99999999999999999999", "99999999999999999999", "64 bits"),
        ("isna(a + 1)", "isna(a + 1)", "isna takes a column name"),
        ("abs(a, 2) > 1", "abs(a, 2)", "abs takes one"),
        ("abs(x=a) > 1", "abs(x=a)", "abs takes one"),
        ("__builtins__ > 1", "__builtins__", "a Python internal name"),
        ("amount > 1", "amount", "not defined: no column of the contract is so named"),
        ("`amount due` > 1", "`amount due`", "not defined"),
        ("`a > 1", "`a > 1", "an unclosed backtick"),
        ("1 < 2", "1 < 2", "names no column"),
        ("a" + " + a" * 1000 + " > 0", "a + a + a", "longer than 2000 characters"),
    ],
)
def test_anything_else_is_refused_naming_the_forbidden_part(expr: str, part: str, why: str) -> None:
    with pytest.raises(ForbiddenExprError) as caught:
        parse_row_expr(expr, COLUMNS)
    assert caught.value.part.startswith(part), caught.value.part
    assert why in caught.value.why


def test_the_message_names_the_check_the_contract_the_part_and_the_grammar() -> None:
    message = row_check_problem("cheap", "a.__class__ == 1", COLUMNS, "conf/data/d.yaml")
    assert message == (
        "Row check 'cheap' in conf/data/d.yaml has a forbidden expression 'a.__class__ == 1': "
        "'a.__class__' is attribute access (a dot); a column name with a dot goes in backticks. "
        "A row check may use only column names (`in backticks` for names with spaces, dots or "
        "other signs), numbers, 'text', True/False, comparisons (== != < <= > >=, in [...]), "
        "arithmetic (+ - * / // % **), and/or/not (or & | ~), parentheses and the functions "
        "isna, notna, abs (see docs/reference/row-checks.md)."
    )
    syntax = row_check_problem("cheap", "a >", COLUMNS, "conf/data/d.yaml")
    assert syntax is not None
    assert syntax.startswith("Row check 'cheap' in conf/data/d.yaml has an invalid expression")
    assert "invalid syntax" in syntax
    assert row_check_problem("cheap", "a > 1", COLUMNS, "conf/data/d.yaml") is None


@pytest.mark.parametrize("expr", ["not " * 400 + "flag", "-" * 1990 + "a > 1", "a" + " + a" * 300])
def test_deep_nesting_is_refused_not_a_crash(expr: str) -> None:
    with pytest.raises(ForbiddenExprError, match="nested more than 100 levels deep"):
        parse_row_expr(expr, COLUMNS)
