"""Row-level rules of the data contract, evaluated over a DataFrame's columns.

An expression is first accepted by the grammar (config/row_expr.py), then evaluated here by
walking its tree with vectorised pandas/numpy operations: never with DataFrame.eval/query,
which reach Python objects (`@` names, attributes).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gitml.config.row_expr import GRAMMAR, RowExpr, parse_row_expr, row_check_problem
from gitml.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd
    import pandera.pandas as pa

    from gitml.config.params import RowCheck

ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class RowExprTypeError(TypeError):
    """An accepted expression applied to values of the wrong kind (text in arithmetic...)."""


def require_runnable(checks: Iterable[RowCheck], dtypes: dict[str, str], contract: str) -> None:
    """Check each expression's grammar, then run it on an empty frame of the contract's
    columns (name → pandas dtype), so that a wrong kind of value is a config error.

    Inside pandera, an unknown name or a syntax error would be reported as bad data.
    """
    import pandas as pd

    for check in checks:
        problem = row_check_problem(check.name, check.expr, dtypes, contract)
        if problem:
            raise ConfigError(problem)
        parsed = parse_row_expr(check.expr, dtypes)
        # the columns it names only: an empty column each of a wide contract costs seconds
        named = dict.fromkeys(parsed.names.values())
        empty = pd.DataFrame({name: pd.Series(dtype=dtypes[name]) for name in named})
        try:
            holds_on(parsed, empty)
        except Exception as exc:  # pandas raises many types for values of the wrong kind
            raise ConfigError(
                f"Row check {check.name!r} in {contract} cannot run on the contract's column "
                f"types: {check.expr!r}: {exc}. {GRAMMAR}."
            ) from exc


def row_check(check: RowCheck, columns: list[str]) -> pa.Check:
    """Rows where a column used outside isna/notna is null pass: nullability is the column
    rule's job."""
    import pandera.pandas as pa

    parsed = parse_row_expr(check.expr, columns)
    guarded = parsed.null_guarded

    def holds(frame: pd.DataFrame) -> pd.Series:
        present = frame[guarded].notna().all(axis=1) if guarded else True
        return holds_on(parsed, frame) | ~present

    return pa.Check(holds, name=check.name, error=f"{check.name}: {check.expr}")


def holds_on(parsed: RowExpr, frame: pd.DataFrame) -> pd.Series:
    """Whether each row of `frame` satisfies the expression (a missing result is False)."""
    import numpy as np
    import pandas as pd

    with np.errstate(all="ignore"):  # 1/0 is inf, as in pandas; the rule then fails or holds
        result = _value(parsed.tree, parsed, frame)
    if not _is_boolean(result):
        raise RowExprTypeError(
            f"it gives {_kind(result)}, not true/false: compare it, e.g. `{parsed.source} > 0`"
        )
    if not isinstance(result, pd.Series):
        result = pd.Series(bool(result), index=frame.index)
    return result.astype("boolean").fillna(False).astype(bool)


def _value(  # noqa: PLR0911, PLR0912 -- the evaluator: one case per kind of node
    node: ast.AST, parsed: RowExpr, frame: pd.DataFrame
) -> Any:
    import numpy as np

    match node:
        case ast.Name(id=identifier):
            return frame[parsed.names[identifier]]
        case ast.Constant(value=value):
            return value
        case ast.BoolOp(op=op, values=values):
            sides = [_logical(_value(v, parsed, frame), v, parsed) for v in values]
            combine = operator.and_ if isinstance(op, ast.And) else operator.or_
            result = sides[0]
            for side in sides[1:]:
                result = combine(result, side)
            return result
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            side = _logical(_value(operand, parsed, frame), operand, parsed)
            return not side if isinstance(side, bool) else ~side
        case ast.UnaryOp(op=op, operand=operand):
            side = _number(_value(operand, parsed, frame), operand, parsed)
            return -side if isinstance(op, ast.USub) else side
        case ast.BinOp(op=op, left=left, right=right):
            a = _number(_value(left, parsed, frame), left, parsed)
            b = _number(_value(right, parsed, frame), right, parsed)
            if isinstance(op, ast.Pow):  # in floats: no huge Python ints, no int overflow
                a = a.astype("float64") if hasattr(a, "astype") else np.float64(a)
            elif not hasattr(a, "astype") and not hasattr(b, "astype"):
                a = np.float64(a) if isinstance(a, float) else np.int64(a)
            return ARITHMETIC[type(op)](a, b)
        case ast.Compare():
            return _compare(node, parsed, frame)
        case ast.Call(func=ast.Name(id=function), args=[arg]):
            value = _value(arg, parsed, frame)
            if function == "isna":
                return value.isna()
            if function == "notna":
                return value.notna()
            return abs(_number(value, arg, parsed))
    raise AssertionError(f"the grammar accepted {ast.dump(node)}")  # row_expr's allow-list


def _compare(node: ast.Compare, parsed: RowExpr, frame: pd.DataFrame) -> Any:
    import pandas as pd

    result: Any = True
    a = _value(node.left, parsed, frame)
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.In | ast.NotIn):
            assert isinstance(right, ast.List | ast.Tuple)  # row_expr's allow-list
            values = [element.value for element in right.elts if isinstance(element, ast.Constant)]
            found = a.isin(values) if isinstance(a, pd.Series) else a in values
            step = ~found if isinstance(op, ast.NotIn) else found
            b = a
        else:
            b = _value(right, parsed, frame)
            try:
                step = COMPARISONS[type(op)](a, b)
            except TypeError as exc:
                raise RowExprTypeError(
                    f"{parsed.text(node)!r} compares {_kind(a)} with {_kind(b)}"
                ) from exc
        result = step if result is True else result & step
        a = b
    return result


def _number(value: Any, node: ast.AST, parsed: RowExpr) -> Any:
    import pandas as pd

    numeric = (
        pd.api.types.is_numeric_dtype(value) and not pd.api.types.is_bool_dtype(value)
        if isinstance(value, pd.Series)
        else isinstance(value, int | float) and not isinstance(value, bool)
    )
    if not numeric:
        raise RowExprTypeError(
            f"{parsed.text(node)!r} is {_kind(value)}, and arithmetic needs numbers"
        )
    return value


def _logical(value: Any, node: ast.AST, parsed: RowExpr) -> Any:
    if not _is_boolean(value):
        raise RowExprTypeError(
            f"{parsed.text(node)!r} is {_kind(value)}, and and/or/not need true/false values "
            "(a comparison or a bool column)"
        )
    return value


def _is_boolean(value: Any) -> bool:
    import pandas as pd

    if isinstance(value, pd.Series):
        return bool(pd.api.types.is_bool_dtype(value))
    return isinstance(value, bool)


def _kind(value: Any) -> str:
    import pandas as pd

    if isinstance(value, pd.Series):
        return f"a column of {value.dtype}"
    return f"the value {value!r}"
