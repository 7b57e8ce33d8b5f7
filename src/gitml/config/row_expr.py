"""The grammar of a row check's `expr` (docs/reference/row-checks.md).

A contract is configuration, so an expression may not reach Python: it is parsed with `ast`
and accepted only when every node is on an explicit allow-list (column names, literals,
comparisons, arithmetic, and/or/not, a few named functions). contract/row_checks.py evaluates
the accepted tree over a DataFrame's columns; nothing here or there calls eval().
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass

FUNCTIONS = ("isna", "notna", "abs")
NULL_TESTS = ("isna", "notna")
MAX_CHARS = 2000
# as in pandas' expressions, & | ~ are and/or/not, with their precedence: `a > 1 & b < 2`
LOGIC_SIGNS = {"&": "and", "|": "or", "~": "not"}
MAX_DEPTH = 100  # the evaluator recurses once per level: far below Python's recursion limit
INT64 = 2**63
GRAMMAR = (
    "A row check may use only column names (`in backticks` for names with spaces, dots or other "
    "signs), numbers, 'text', True/False, comparisons (== != < <= > >=, in [...]), "
    "arithmetic (+ - * / // % **), and/or/not (or & | ~), parentheses and the functions "
    f"{', '.join(FUNCTIONS)} (see docs/reference/row-checks.md)"
)

BOOL_OPS = (ast.And, ast.Or)
UNARY_OPS = (ast.Not, ast.USub, ast.UAdd)
BINARY_OPS = (
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
)
COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
# what a forbidden node is, in words a contract's author knows
FORBIDDEN = {
    ast.Attribute: "attribute access (a dot); a column name with a dot goes in backticks",
    ast.Subscript: "indexing ([...])",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.NamedExpr: "an assignment (:=)",
    ast.IfExp: "a conditional expression (x if c else y)",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Starred: "unpacking (*)",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}


class ForbiddenExprError(ValueError):
    """An expression outside the grammar: `part` is the text at fault, `why` what it is."""

    def __init__(self, part: str, why: str) -> None:
        super().__init__(f"{part}: {why}")
        self.part, self.why = part, why


@dataclass(frozen=True)
class RowExpr:
    """An accepted expression: its tree, and which column each name in the tree stands for."""

    tree: ast.expr
    source: str  # the text parsed: backticked names replaced by identifiers
    names: dict[str, str]  # identifier in the tree → column
    quoted: dict[str, str]  # identifier standing for a backticked name → its `...` text

    @property
    def null_guarded(self) -> list[str]:
        """Columns used other than inside isna/notna: a row missing one of them passes."""
        return _columns_in(self.tree, self.names, inside_null_tests=False)

    def text(self, node: ast.AST) -> str:
        """The expression's own text for `node`, backticks as written."""
        text = ast.get_source_segment(self.source, node) or ast.unparse(node)
        for identifier, written in self.quoted.items():
            text = text.replace(identifier, written)
        return text


def parse_row_expr(expr: str, columns: Collection[str]) -> RowExpr:
    """Parse `expr` over `columns`; raise ForbiddenExprError (a ValueError) naming what is outside
    the grammar, or SyntaxError."""
    if len(expr) > MAX_CHARS:
        raise ForbiddenExprError(f"{expr[:40]}...", f"longer than {MAX_CHARS} characters")
    source, quoted_names = _unquote(expr, columns)
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except (RecursionError, MemoryError):
        tree = None
    if tree is None or _depth(tree) > MAX_DEPTH:
        raise ForbiddenExprError(f"{expr[:40]}...", f"nested more than {MAX_DEPTH} levels deep")
    names = {identifier: column for identifier, (column, _) in quoted_names.items()}
    quoted = {identifier: written for identifier, (_, written) in quoted_names.items()}
    parsed = RowExpr(tree, source.strip(), names, quoted)
    _accept(tree, parsed, set(columns))
    if not _columns_in(tree, parsed.names, inside_null_tests=True):
        raise ForbiddenExprError(
            expr, "an expression that names no column, so it says nothing about a row"
        )
    return parsed


def row_check_problem(name: str, expr: str, columns: Collection[str], contract: str) -> str | None:
    """Why a row check is not in the grammar, as the message a user reads; None if it is."""
    try:
        parse_row_expr(expr, columns)
    except ForbiddenExprError as exc:
        return (
            f"Row check {name!r} in {contract} has a forbidden expression {expr!r}: "
            f"{exc.part!r} is {exc.why}. {GRAMMAR}."
        )
    except SyntaxError as exc:
        return (
            f"Row check {name!r} in {contract} has an invalid expression {expr!r}: "
            f"{exc.msg}. {GRAMMAR}."
        )
    return None


def _unquote(  # noqa: PLR0912 -- a scanner: one branch per kind of character
    expr: str, columns: Collection[str]
) -> tuple[str, dict[str, tuple[str, str]]]:
    """`expr` with each `backticked name` replaced by an identifier no one wrote, and & | ~
    by and/or/not.

    Quotes are tracked so that a backtick or an @ inside 'text' is left alone; pandas' `@name`
    (a reference to a Python variable) is refused here, as the parser would misread it.
    """
    stem = "_q"
    while stem in expr:
        stem += "_"
    out: list[str] = []
    quoted: dict[str, tuple[str, str]] = {}
    index, quote = 0, ""
    while index < len(expr):
        char = expr[index]
        if quote:
            out.append(char)
            if char == "\\" and index + 1 < len(expr):
                out.append(expr[index + 1])
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "@":
            end = index + 1
            while end < len(expr) and (expr[end].isalnum() or expr[end] in "_."):
                end += 1
            raise ForbiddenExprError(expr[index:end], "a reference to a Python variable (@)")
        elif char in LOGIC_SIGNS:
            out.append(f" {LOGIC_SIGNS[char]} ")
        elif char == "`":
            end = expr.find("`", index + 1)
            if end < 0:
                raise ForbiddenExprError(expr[index:], "an unclosed backtick")
            column = expr[index + 1 : end]
            if column not in columns:
                raise ForbiddenExprError(f"`{column}`", _not_a_column(column, columns))
            identifier = f"{stem}{len(quoted)}_"
            quoted[identifier] = (column, expr[index : end + 1])
            out.append(f" {identifier} ")
            index = end
        else:
            out.append(char)
        index += 1
    return "".join(out), quoted


def _accept(  # noqa: PLR0912 -- the allow-list: one case per kind of node
    node: ast.AST, parsed: RowExpr, columns: set[str]
) -> None:
    """Raise ForbiddenExprError at the first node outside the grammar (depth first)."""
    match node:
        case ast.Name(id=identifier):
            if identifier not in parsed.names:
                parsed.names[identifier] = _column(identifier, columns)
            return
        case ast.Constant(value=value):
            _literal(value, parsed.text(node))
            return
        case ast.BoolOp(op=op, values=values) if isinstance(op, BOOL_OPS):
            children: list[ast.AST] = list(values)
        case ast.UnaryOp(op=op, operand=operand) if isinstance(op, UNARY_OPS):
            children = [operand]
        case ast.BinOp(op=op, left=left, right=right) if isinstance(op, BINARY_OPS):
            children = [left, right]
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            for comparison, right in zip(ops, comparators, strict=True):
                if not isinstance(comparison, COMPARE_OPS):
                    raise ForbiddenExprError(
                        parsed.text(node),
                        f"{_op_name(comparison)}; compare with == or test isna(...)",
                    )
                if isinstance(comparison, ast.In | ast.NotIn):
                    _accept_list(right, parsed)
            listed = [isinstance(op, ast.In | ast.NotIn) for op in ops]
            children = [
                left,
                *(c for c, is_list in zip(comparators, listed, strict=True) if not is_list),
            ]
        case ast.Call(func=ast.Name(id=function), args=args, keywords=keywords):
            _accept_call(node, function, args, keywords, parsed)
            children = list(args)
        case ast.Call():
            raise ForbiddenExprError(
                parsed.text(node), f"a call; the functions are {', '.join(FUNCTIONS)}"
            )
        case ast.BoolOp(op=op) | ast.UnaryOp(op=op) | ast.BinOp(op=op):
            raise ForbiddenExprError(parsed.text(node), _op_name(op))
        case ast.List() | ast.Tuple():
            raise ForbiddenExprError(parsed.text(node), "a list, allowed only after `in`")
        case _:
            what = FORBIDDEN.get(type(node), f"not in the grammar ({type(node).__name__})")
            raise ForbiddenExprError(parsed.text(node), what)
    for child in children:
        _accept(child, parsed, columns)


def _accept_call(
    node: ast.AST, function: str, args: list[ast.expr], keywords: list[ast.keyword], parsed: RowExpr
) -> None:
    if function not in FUNCTIONS:
        raise ForbiddenExprError(
            parsed.text(node), f"a call to {function}; the functions are {', '.join(FUNCTIONS)}"
        )
    if keywords or len(args) != 1 or isinstance(args[0], ast.Starred):
        raise ForbiddenExprError(
            parsed.text(node), f"a call with other than one argument: {function} takes one"
        )
    if function in NULL_TESTS and not isinstance(args[0], ast.Name):
        raise ForbiddenExprError(
            parsed.text(node),
            f"a test of something other than a column: {function} takes a column name",
        )


def _accept_list(node: ast.AST, parsed: RowExpr) -> None:
    if not isinstance(node, ast.List | ast.Tuple) or not node.elts:
        raise ForbiddenExprError(parsed.text(node), "not a list of values; write `in [1, 2]`")
    for element in node.elts:
        if not isinstance(element, ast.Constant):
            raise ForbiddenExprError(
                parsed.text(element), "not a literal; a list after `in` holds values"
            )
        _literal(element.value, parsed.text(element))


def _literal(value: object, text: str) -> None:
    if isinstance(value, bool | str | float):
        return
    if isinstance(value, int):
        if not -INT64 <= value < INT64:
            raise ForbiddenExprError(text, "a whole number beyond 64 bits")
        return
    why = "None; test a missing value with isna(column)" if value is None else "not a literal"
    raise ForbiddenExprError(text, why)


def _column(identifier: str, columns: set[str]) -> str:
    if identifier.startswith("__") and identifier.endswith("__"):
        raise ForbiddenExprError(identifier, "a Python internal name")
    if identifier not in columns:
        raise ForbiddenExprError(identifier, _not_a_column(identifier, columns))
    return identifier


def _not_a_column(name: str, columns: Collection[str]) -> str:
    return f"not defined: no column of the contract is so named (columns: {', '.join(columns)})"


def _op_name(op: ast.AST) -> str:
    names = {
        ast.MatMult: "the operator @",
        ast.LShift: "the operator <<",
        ast.RShift: "the operator >>",
        ast.BitXor: "the operator ^",
        ast.Is: "the operator `is`",
        ast.IsNot: "the operator `is not`",
    }
    return names.get(type(op), f"the operator {type(op).__name__}")


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in ast.iter_child_nodes(node)]
    return deepest


def _columns_in(node: ast.AST, names: dict[str, str], *, inside_null_tests: bool) -> list[str]:
    """The columns `node` names, in order, once each (function names are not columns)."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if inside_null_tests or node.func.id not in NULL_TESTS:
                for arg in node.args:
                    visit(arg)
            return
        if isinstance(node, ast.Name):
            found.append(names[node.id])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(node)
    return list(dict.fromkeys(found))
