"""Every catalog key the code can look up, found in the syntax trees of the product packages.

The scan reads the product packages' syntax trees (no regex, no import of the scanned
modules) and recognises these call shapes:

- `t(language, KEY, ...)`, the catalog lookup of handlers/i18n.py;
- any function or method one of whose parameters reaches such a call as the key, found by
  following the code to a fixed point: `visit.text(KEY)`, `desk.say(KEY)`,
  `render.acknowledge(visit, KEY)`, `hint(visit, KEY)`, `moved_on(visit, result, KEY, KEY)` ...
  (a parameter iterated as `for _, key in keys.items()` takes a collection of keys, e.g.
  `prompted(desk, {action: KEY ...})`). A new helper is recognised without touching this file.
  A call is matched to the definitions of its name whose signature it fits (a method only
  when called as `x.name(...)`), so the poster's `page.text(x, y, text, size)` is not
  `visit.text(KEY)`.

A KEY is resolved to every value it can take: a literal, either side of `a if c else b` and of
`a or b`, a local or module-level name (its assignments, loop and unpacking included), a value
of a module-level dict (`MOVES[act]`, `PROBLEMS.get(outcome)`), or an f-string listed in
`filled` (tests/handlers/test_catalogs.py's FILLED) with every value its placeholder takes. A
lookup guarded by `key in catalog(language)` falls back on purpose and is not required.
Anything else is reported as unresolved: make the key a literal or a constant, or add the
f-string to FILLED.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class KeyParam:
    """A parameter that takes a catalog key (or, with many=True, a collection of keys)."""

    position: int | None  # in a call's positional arguments (self not counted); None: keyword-only
    name: str
    many: bool = False


@dataclass
class Module:
    path: Path
    root: Path
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(self.root)}:{getattr(node, 'lineno', '?')}"

    def scopes(self, node: ast.AST) -> Iterator[ast.AST]:
        """The functions around `node`, innermost first, then the module."""
        at: ast.AST | None = node
        while at is not None:
            at = self.parents.get(at)
            if isinstance(at, FUNCTIONS):
                yield at
        yield self.tree


def modules(root: Path, packages: Iterable[str]) -> list[Module]:
    """Every module of the packages under `root`, parsed."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found.append(Module(path, root, ast.parse(path.read_text(), str(path))))
    return found


def callee(call: ast.Call) -> tuple[str | None, bool]:
    """The called name, and whether it is called as an attribute (x.name(...))."""
    if isinstance(call.func, ast.Name):
        return call.func.id, False
    if isinstance(call.func, ast.Attribute):
        return call.func.attr, True
    return None, False


Function = ast.FunctionDef | ast.AsyncFunctionDef


def fits(call: ast.Call, function: Function) -> bool:
    """Whether `call` could be a call of `function` (its arguments fit the signature)."""
    args = function.args
    positional = args.posonlyargs + args.args
    if _is_method(function):
        positional = positional[1:]
    if not any(isinstance(a, ast.Starred) for a in call.args):
        required = len(positional) - len(args.defaults)
        if len(call.args) > len(positional) and args.vararg is None:
            return False
        given = {k.arg for k in call.keywords}
        missing = [a.arg for a in positional[len(call.args) : required] if a.arg not in given]
        if missing and not any(k.arg is None for k in call.keywords):
            return False
    names = {a.arg for a in positional + args.kwonlyargs}
    return args.kwarg is not None or all(k.arg is None or k.arg in names for k in call.keywords)


class Scan:
    """The key-taking functions of the scanned packages and the keys their callers pass."""

    def __init__(
        self, root: Path, packages: Iterable[str], filled: Mapping[str, Iterable[object]]
    ) -> None:
        self.modules = modules(root, packages)
        self.filled = filled
        # Every function and method by name; the key parameters of those that take keys.
        self.defined: dict[str, list[Function]] = {}
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.defined.setdefault(node.name, []).append(node)
        self.keys_of: dict[int, set[KeyParam]] = {}  # by id(definition)
        for function in self.defined.get("t", []):
            self.keys_of[id(function)] = {KeyParam(1, "key")}
        self._find_takers()

    @property
    def takers(self) -> set[str]:
        """The names of the functions and methods that take a key."""
        return {
            name
            for name, functions in self.defined.items()
            if any(id(f) in self.keys_of for f in functions)
        }

    def key_args(self, call: ast.Call) -> Iterator[tuple[ast.expr, bool]]:
        """The arguments of `call` that are keys (and whether each is a collection of them).

        A call is matched to the definitions of its name that it fits: a method only when
        called as x.name(...), and only if its arguments fit the signature (the poster's
        `page.text(x, y, text, size)` is not `visit.text(key)`).
        """
        name, attribute = callee(call)
        if name is None:
            return
        params: set[KeyParam] = set()
        for function in self.defined.get(name, []):
            if id(function) not in self.keys_of or (_is_method(function) and not attribute):
                continue
            if fits(call, function):
                params |= self.keys_of[id(function)]
        for param in params:
            if param.position is not None and len(call.args) > param.position:
                before = call.args[: param.position + 1]
                if not any(isinstance(a, ast.Starred) for a in before):
                    yield call.args[param.position], param.many
            for keyword in call.keywords:
                if keyword.arg == param.name:
                    yield keyword.value, param.many

    def _find_takers(self) -> None:
        """Follow keys from t(...) back through the parameters that carry them."""
        changed = True
        while changed:
            changed = False
            for functions in self.defined.values():
                for function in functions:
                    for param in self._carried(function):
                        known = self.keys_of.setdefault(id(function), set())
                        if param not in known:
                            known.add(param)
                            changed = True

    def _carried(self, function: Function) -> Iterator[KeyParam]:
        """The parameters of `function` that end up as a key of a call inside it."""
        params = _params(function)
        for call in ast.walk(function):
            if not isinstance(call, ast.Call):
                continue
            for arg, many in self.key_args(call):
                for leaf in _leaves(arg):
                    if not isinstance(leaf, ast.Name):
                        continue
                    if leaf.id in params and not many:
                        yield params[leaf.id]
                        continue
                    # for _, key in keys.items(): `keys` is a collection of keys.
                    source = _iterated_param(function, leaf.id)
                    if source is not None and source in params:
                        param = params[source]
                        yield KeyParam(param.position, param.name, many=True)

    def uses(self) -> tuple[dict[str, str], list[str]]:
        """Every key the code can pass (key → where), and the key expressions not resolved."""
        used: dict[str, str] = {}
        unresolved: list[str] = []
        for module in self.modules:
            for call in ast.walk(module.tree):
                if not isinstance(call, ast.Call):
                    continue
                for arg, many in self.key_args(call):
                    exprs = list(_members(module, arg)) if many else [arg]
                    for expr in exprs:
                        resolver = Resolver(module, call, unresolved, self.filled)
                        for key in resolver.values(expr):
                            used.setdefault(key, module.where(call))
        return used, unresolved


def _is_method(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = function.args.posonlyargs + function.args.args
    return bool(args) and args[0].arg in ("self", "cls")


def _params(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, KeyParam]:
    args = function.args.posonlyargs + function.args.args
    shift = 1 if _is_method(function) else 0
    params = {a.arg: KeyParam(i - shift, a.arg) for i, a in enumerate(args) if i >= shift}
    params |= {a.arg: KeyParam(None, a.arg) for a in function.args.kwonlyargs}
    return params


def _leaves(expr: ast.expr) -> Iterator[ast.expr]:
    """The expressions a value can come from: both sides of `if`/`else` and of `or`."""
    if isinstance(expr, ast.IfExp):
        yield from _leaves(expr.body)
        yield from _leaves(expr.orelse)
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            yield from _leaves(value)
    else:
        yield expr


def _iterated_param(function: ast.AST, name: str) -> str | None:
    """`p` when `name` is a loop target over p, p.items() or p.values()."""
    for node in ast.walk(function):
        if isinstance(node, ast.For | ast.comprehension) and _binds(node.target, name):
            source = node.iter
            if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute):
                source = source.func.value
            if isinstance(source, ast.Name):
                return source.id
    return None


def _binds(target: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def _index_in(target: ast.expr, name: str) -> int | None:
    """Where `name` sits in an unpacking target (None: the whole value)."""
    if isinstance(target, ast.Tuple | ast.List):
        for i, element in enumerate(target.elts):
            if isinstance(element, ast.Name) and element.id == name:
                return i
    return None


def _members(module: Module, expr: ast.expr) -> Iterator[ast.expr]:
    """The values of a collection literal (a dict's values, a comprehension's element)."""
    if isinstance(expr, ast.Dict):
        yield from (v for v in expr.values if v is not None)
    elif isinstance(expr, ast.DictComp):
        yield expr.value
    elif isinstance(expr, ast.List | ast.Tuple | ast.Set):
        yield from expr.elts
    elif isinstance(expr, ast.ListComp | ast.SetComp | ast.GeneratorExp):
        yield expr.elt
    else:
        yield expr  # resolved (or reported) as a single key expression


class Resolver:
    """Every string one key expression can be, seen from the call that passes it."""

    def __init__(
        self,
        module: Module,
        call: ast.Call,
        unresolved: list[str],
        filled: Mapping[str, Iterable[object]],
    ) -> None:
        self.module, self.call, self.unresolved, self.filled = module, call, unresolved, filled
        self.scopes = list(module.scopes(call))

    def fail(self, expr: ast.AST) -> set[str]:
        self.unresolved.append(f"{self.module.where(self.call)}: {ast.unparse(expr)}")
        return set()

    def values(self, expr: ast.expr) -> set[str]:
        found: set[str] = set()
        for leaf in _leaves(expr):
            found |= self._leaf(leaf)
        return found

    def _leaf(self, expr: ast.expr) -> set[str]:
        if isinstance(expr, ast.Constant):
            if expr.value is None:
                return set()
            return {expr.value} if isinstance(expr.value, str) else self.fail(expr)
        if isinstance(expr, ast.JoinedStr):
            return self._filled(expr)
        if isinstance(expr, ast.Name):
            return self._name(expr.id)
        mapping = _mapping_of(expr)
        if mapping is not None:
            found: set[str] = set()
            for value in self._dict_values(mapping, expr):
                found |= self.values(value)
            return found
        return self.fail(expr)

    def _filled(self, expr: ast.JoinedStr) -> set[str]:
        template = "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{}" for part in expr.values
        )
        if template not in self.filled:
            return self.fail(expr)
        return {template.format(value) for value in self.filled[template]}

    def _name(self, name: str) -> set[str]:
        for scope in self.scopes:
            if isinstance(scope, FUNCTIONS) and name in _all_params(scope):
                if isinstance(scope, ast.Lambda):
                    return self.fail(ast.Name(name))
                return set()  # the function takes the key: its callers are checked
            source = _iterated_param(scope, name) if isinstance(scope, FUNCTIONS) else None
            if source is not None and source in _all_params(scope):
                return set()  # one of a collection of keys the function takes
            if _guarded(scope, name):
                return set()  # looked up only if the catalog has it (a fallback otherwise)
            bound = list(self._bindings(scope, name))
            if bound:
                found: set[str] = set()
                for value in bound:
                    found |= self.values(value)
                return found
        return self.fail(ast.Name(name))

    def _bindings(self, scope: ast.AST, name: str) -> Iterator[ast.expr]:
        """The values `name` is given in `scope` (not in the functions nested in it)."""
        for node in _walk_scope(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    yield from self._unpacked(target, node.value, name)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                yield from self._unpacked(node.target, node.value, name)
            elif isinstance(node, ast.For | ast.comprehension) and _binds(node.target, name):
                for element in self._elements(node.iter):
                    yield from self._unpacked(node.target, element, name)

    def _unpacked(self, target: ast.expr, value: ast.expr, name: str) -> Iterator[ast.expr]:
        if isinstance(target, ast.Name):
            if target.id == name:
                yield value
            return
        index = _index_in(target, name)
        if index is None:
            return
        for whole in self._wholes(value):
            if isinstance(whole, ast.Tuple | ast.List) and len(whole.elts) > index:
                yield whole.elts[index]
            else:
                self.fail(whole)

    def _wholes(self, value: ast.expr) -> Iterator[ast.expr]:
        """The literal tuples a value can be (a module dict's values for MAPPING[x])."""
        mapping = _mapping_of(value)
        if mapping is not None:
            yield from self._dict_values(mapping, value)
        else:
            yield value

    def _elements(self, iterable: ast.expr) -> Iterator[ast.expr]:
        """What a loop over `iterable` yields, when it is a literal (or a module constant)."""
        if isinstance(iterable, ast.Tuple | ast.List | ast.Set):
            yield from iterable.elts
            return
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
            literal = self._module_literal(iterable.func.value)
            if isinstance(literal, ast.Dict) and iterable.func.attr == "items":
                for key, value in zip(literal.keys, literal.values, strict=True):
                    if key is not None:
                        yield ast.Tuple([key, value])
                return
            if isinstance(literal, ast.Dict) and iterable.func.attr == "values":
                yield from literal.values
                return
        literal = self._module_literal(iterable)
        if isinstance(literal, ast.Tuple | ast.List | ast.Set):
            yield from literal.elts
            return
        self.fail(iterable)

    def _module_literal(self, expr: ast.expr) -> ast.expr | None:
        if not isinstance(expr, ast.Name):
            return None
        for scope in self.scopes:
            for value in self._bindings(scope, expr.id):
                return value
        return None

    def _dict_values(self, name: str, expr: ast.expr) -> list[ast.expr]:
        literal = self._module_literal(ast.Name(name))
        if isinstance(literal, ast.Dict):
            return [v for v in literal.values if v is not None]
        self.fail(expr)
        return []


def _mapping_of(expr: ast.expr) -> str | None:
    """`D` for D[x] and D.get(x)."""
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        return expr.value.id
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "get"
        and isinstance(expr.func.value, ast.Name)
    ):
        return expr.func.value.id
    return None


def _all_params(function: ast.AST) -> set[str]:
    assert isinstance(function, FUNCTIONS)
    args = function.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}


def _walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function or module body, not those of functions defined inside it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, FUNCTIONS):
            todo.extend(ast.iter_child_nodes(node))


def _guarded(scope: ast.AST, name: str) -> bool:
    """Whether `scope` asks `name in catalog(...)` before looking it up."""
    for node in _walk_scope(scope):
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Name)
            and node.left.id == name
            and isinstance(node.ops[0], ast.In)
            and isinstance(node.comparators[0], ast.Call)
            and isinstance(node.comparators[0].func, ast.Name)
            and node.comparators[0].func.id == "catalog"
        ):
            return True
    return False
