"""Target expressions like ``"sin(3*x) + x^2"``, read safely into functions on arrays.

The text is parsed by Python's ``ast`` module (parsing runs nothing) and checked node by node against a
small language: numbers, the variables x and y, + - * / ^ **, parentheses, unary minus, the constants
pi and e, and calls to abs sqrt exp log sin cos tan tanh sigmoid relu step min max. Nothing else is
accepted; there is no ``eval``, no attribute access, no names beyond those. A product needs its ``*``:
``3x``, ``2sin(x)`` or ``x(1 + x)`` are refused with the text to write instead (``3*x``).

    >>> f = expr("sin(3*x) + x^2")
    >>> f(np.array([0.0, 1.0]))
    array([0.        , 1.14112001])
"""

from __future__ import annotations

import ast
import re

import numpy as np

from neuronlab.engine import activations

MAX_LENGTH = 500
MAX_DEPTH = 40


class ExpressionError(ValueError):
    """Text that is not a valid target expression; ``position`` is the 0-based column of the problem."""

    def __init__(self, message: str, text: str = "", position: int | None = None):
        self.reason, self.text, self.position = message, text, position
        if text and position is not None:
            message = f"{message} at column {position + 1}: {text[:position]}»{text[position:]}"
        super().__init__(message)


def _reduce(ufunc):
    def apply(*args):
        out = args[0]
        for a in args[1:]:
            out = ufunc(out, a)
        return out

    return apply


# name -> (function, smallest and largest argument count)
FUNCTIONS = {
    "abs": (np.abs, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "exp": (np.exp, 1, 1),
    "log": (np.log, 1, 1),
    "sin": (np.sin, 1, 1),
    "cos": (np.cos, 1, 1),
    "tan": (np.tan, 1, 1),
    "tanh": (np.tanh, 1, 1),
    "sigmoid": (activations.get("sigmoid").value, 1, 1),
    "relu": (activations.get("relu").value, 1, 1),
    "step": (activations.get("step").value, 1, 1),
    "min": (_reduce(np.minimum), 2, 16),
    "max": (_reduce(np.maximum), 2, 16),
}
CONSTANTS = {"pi": np.pi, "e": np.e}
VARIABLES = ("x", "y")
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}
_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive}
_WHAT = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.Lambda: "lambda",
    ast.IfExp: "if/else",
    ast.Tuple: "a tuple",
    ast.List: "a list",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "assignment",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}


class Expression:
    """A parsed expression: call it with arrays, ``f(x)`` or ``f(x, y)``.

    ``variables`` says which of x and y it uses; ``text`` is what it was made from. The result always has
    the broadcast shape of the inputs (a constant expression is repeated).
    """

    def __init__(self, text: str, tree: ast.AST, variables: tuple):
        self.text, self._tree, self.variables = text, tree, variables

    def __call__(self, x, y=None) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if "y" in self.variables and y is None:
            raise ExpressionError(f"{self.text!r} uses y: call it as f(x, y)")
        y = x if y is None else np.asarray(y, dtype=np.float64)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            out = self._evaluate(self._tree, {"x": x, "y": y})
        return np.broadcast_to(np.asarray(out, dtype=np.float64), shape).copy()

    def _evaluate(self, node, values):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id] if node.id in values else CONSTANTS[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._evaluate(node.left, values), self._evaluate(node.right, values))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._evaluate(node.operand, values))
        function = FUNCTIONS[node.func.id][0]
        return function(*(np.asarray(self._evaluate(a, values), dtype=np.float64) for a in node.args))

    def __repr__(self) -> str:
        return f"expr({self.text!r})"


def expr(text: str) -> Expression:
    """Parse ``text`` into an ``Expression`` (a function of x, or of x and y).

    ``^`` means power, as in ``x^2``. Raises ``ExpressionError`` (a ValueError) that says what is wrong and
    where.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    if "\n" in text or "\r" in text:
        raise ExpressionError("an expression must be a single line")
    if not text.strip():
        raise ExpressionError("the expression is empty; try something like sin(3*x)")
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"parentheses nest deeper than {MAX_DEPTH}", text, i)
        if depth < 0:
            raise ExpressionError("a ')' closes nothing", text, i)
    # '^' means power: parse a copy with '**', and map its columns back to the user's text.
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    source = body.replace("^", "**")

    def column(source_column):
        if source_column is None:
            return None
        width = 0
        for i, ch in enumerate(body):
            if width >= source_column:
                return lead + i
            width += 2 if ch == "^" else 1
        return lead + len(body)

    if body[-1] in "+-*/^(,":
        raise ExpressionError(
            f"the expression ends with {body[-1]!r}: something is missing after it", text, lead + len(body) - 1
        )
    _refuse_implicit_products(text, lead, body)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise ExpressionError(
            f"could not read the expression ({err.msg})", text, column(None if err.offset is None else err.offset - 1)
        ) from None
    used: set[str] = set()
    function_names: set[int] = set()  # id() of the Name nodes that are called
    for node in ast.walk(tree.body):  # breadth first: a call is checked before its function's name
        if id(node) in function_names:
            continue
        if isinstance(node, ast.Call):
            _refuse_bracket_product(node, text, column, lead, body)
        _check(node, text, column(getattr(node, "col_offset", None)), used)
        if isinstance(node, ast.Call):
            function_names.add(id(node.func))
    variables = tuple(v for v in VARIABLES if v in used)
    return Expression(text, tree.body, variables)


# a number (as Python writes one; hex, octal, binary and imaginary literals too, so they are not mistaken for a
# number and a name), or a name; anything else is one character
_TOKEN = re.compile(
    r"(?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|"
    r"(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)|(?P<name>[A-Za-z_]\w*)|.",
    re.DOTALL,
)
SHORT = 24  # characters of a bracket's contents quoted in a suggestion; longer ones are shortened to (…)


def _refuse_implicit_products(text: str, lead: int, body: str) -> None:
    """``3x``, ``2sin(x)``, ``3(x + 1)``: a number written right before a name or a bracket means a product in
    maths, but not here; say how to write it instead of Python's "invalid decimal literal"."""
    for match in _TOKEN.finditer(body):
        number, end = match.group("number"), match.end()
        if number is None or end >= len(body) or number[-1] in "jJ":
            continue
        after = _TOKEN.match(body, end)
        assert after is not None, "_TOKEN's last alternative matches any one character, and end < len(body)"
        if after.group("name") is not None:
            operand, close = after.group("name"), after.end()
            if close < len(body) and body[close] == "(" and operand in FUNCTIONS:
                operand += _bracket(body, close)
        elif body[end] == "(":
            operand = _bracket(body, end)
        else:
            continue
        raise ExpressionError(f"write {number}*{operand} for {number} times {operand}", text, lead + match.start())


def _refuse_bracket_product(node: ast.Call, text: str, column, lead: int, body: str) -> None:
    """``x(1 + x)``, ``(x + 1)(x - 1)``, ``2 (x)``: a bracket after a variable, a constant, a number or a
    bracket is a product in maths; Python reads a call. Say where the * goes."""
    func = node.func
    value = (
        isinstance(func, ast.Name)
        and func.id in VARIABLES + tuple(CONSTANTS)
        or isinstance(func, ast.Constant)
        and isinstance(func.value, (int, float))
        or isinstance(func, (ast.BinOp, ast.UnaryOp, ast.Call))
    )
    if not value:
        return  # a function's name, or something _check refuses with its own message
    opening = body.index("(", column(node.func.end_col_offset) - lead)
    end = len(body[:opening].rstrip())
    start = column(node.func.col_offset) - lead
    if body[end - 1] == ")":  # a bracket called: from its own '(' (the node's columns leave it out)
        depth, start = 0, end - 1
        while True:
            depth += (body[start] == ")") - (body[start] == "(")
            if depth == 0:
                break
            start -= 1
        while start > 0 and (body[start - 1].isalnum() or body[start - 1] == "_"):  # a function's name
            start -= 1
    before = body[start:end]
    if len(before) > SHORT:
        before = "(…)"
    after = _bracket(body, opening)
    raise ExpressionError(f"write {before}*{after} for {before} times {after}", text, lead + opening)


def _bracket(body: str, start: int) -> str:
    """The bracket opened at ``body[start]`` as written, up to its closing ')'; (…) when long or unclosed."""
    depth = 0
    for i in range(start, len(body)):
        depth += (body[i] == "(") - (body[i] == ")")
        if depth == 0:
            inside = body[start : i + 1]
            return inside if len(inside) <= SHORT else "(…)"
    return "(…)"


def _check(node, text: str, where, used: set[str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"only numbers are allowed as constants, not {node.value!r}", text, where)
        try:
            node.value = float(node.value)  # numbers are floats: 9**9**9 overflows to inf instead of hanging
        except OverflowError:
            raise ExpressionError("a number is too large", text, where) from None
    elif isinstance(node, ast.Name):
        if node.id not in VARIABLES and node.id not in CONSTANTS:
            known = ", ".join(VARIABLES + tuple(CONSTANTS))
            hint = f"; {node.id} is a function, call it like {node.id}(x)" if node.id in FUNCTIONS else ""
            raise ExpressionError(f"unknown name {node.id!r} (known: {known}){hint}", text, where)
        if node.id in VARIABLES:
            used.add(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(
                f"the operator {_WHAT.get(type(node.op), type(node.op).__name__)} is not allowed (use + - * / ^)",
                text,
                where,
            )
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"{_WHAT.get(type(node.op), 'this operator')} is not allowed", text, where)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else "this"
            raise ExpressionError(f"{name!r} is not a known function (known: {', '.join(FUNCTIONS)})", text, where)
        if node.keywords:
            raise ExpressionError(f"{node.func.id}() takes no named arguments", text, where)
        _, low, high = FUNCTIONS[node.func.id]
        if not low <= len(node.args) <= high or any(isinstance(a, ast.Starred) for a in node.args):
            count = str(low) if low == high else f"{low} to {high}"
            raise ExpressionError(
                f"{node.func.id}() takes {count} argument{'s' if high > 1 else ''}, got {len(node.args)}", text, where
            )
    elif isinstance(node, (ast.operator, ast.unaryop, ast.expr_context)):
        pass  # checked with their BinOp / UnaryOp
    else:
        what = _WHAT.get(type(node), type(node).__name__)
        raise ExpressionError(f"{what} is not allowed in an expression", text, where)
