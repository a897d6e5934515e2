"""Pytrees: nested tuples, lists, dicts and namedtuples of arrays, flattened to a list of leaves
and back.

As in JAX, ``None`` is an empty container: it has no leaves and stays in the structure, so a
gradient or a mapped result keeps a ``None`` where the argument had one. Everything else that
is not a container (an array, a number, a string) is one leaf. Dicts are walked in sorted key
order, as JAX does, so two dicts with the same keys line up; namedtuples are rebuilt as their
own class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NONE = type(None)


class TreeDef:
    """The shape of a pytree without its leaves: rebuilds one from a list of leaves."""

    __slots__ = ("children", "keys", "kind")

    def __init__(self, kind: type | None, keys: tuple = (), children: tuple = ()) -> None:
        self.kind = kind          # the container's type (NoneType for None), or None for a leaf
        self.keys = keys          # a dict's sorted keys
        self.children = children

    @property
    def num_leaves(self) -> int:
        if self.kind is None:
            return 1
        return sum(child.num_leaves for child in self.children)

    def unflatten(self, leaves: list) -> Any:
        iterator = iter(leaves)
        tree = self._build(iterator)
        if next(iterator, _END) is not _END:
            raise ValueError(f"too many leaves for a tree of {self.num_leaves}")
        return tree

    def _build(self, leaves: Any) -> Any:
        if self.kind is None:
            return next(leaves)
        values = [child._build(leaves) for child in self.children]
        if self.kind is _NONE:
            return None
        if self.kind is dict:
            return dict(zip(self.keys, values))
        if self.kind in (tuple, list):
            return self.kind(values)
        return self.kind(*values)          # a namedtuple takes its fields as arguments

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeDef) and self.kind == other.kind
                and self.keys == other.keys and self.children == other.children)

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind is _NONE:
            return "None"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children)) + "}"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind is tuple:
            return f"({inner},)"
        if self.kind is list:
            return f"[{inner}]"
        return f"{self.kind.__name__}({inner})"


_END = object()


def _container(tree: Any) -> tuple[type, tuple, tuple] | None:
    """A container's (type, dict keys, children), or None when ``tree`` is a leaf. Subclasses
    of tuple and list other than namedtuples are leaves, as in JAX."""
    if tree is None:
        return _NONE, (), ()
    if isinstance(tree, dict):
        keys = tuple(sorted(tree))
        return dict, keys, tuple(tree[k] for k in keys)
    if type(tree) in (tuple, list) or (isinstance(tree, tuple) and hasattr(tree, "_fields")):
        return type(tree), (), tuple(tree)
    return None


def flatten(tree: Any) -> tuple[list, TreeDef]:
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list, enclosing: set[int] | None = None) -> TreeDef:
    """``enclosing``: the ids of the containers on the way down, to refuse a tree that
    contains itself (walking it would never end) with an error that says so."""
    container = _container(tree)
    if container is None:
        leaves.append(tree)
        return TreeDef(None)
    kind, keys, children = container
    enclosing = set() if enclosing is None else enclosing
    if id(tree) in enclosing:
        raise ValueError(f"this pytree contains itself (a {type(tree).__name__} holding "
                         "itself, directly or deeper): a pytree must be finite")
    enclosing.add(id(tree))
    try:
        return TreeDef(kind, keys, tuple(_flatten(child, leaves, enclosing)
                                         for child in children))
    finally:
        enclosing.discard(id(tree))


def tree_map(function: Callable[..., Any], tree: Any, *others: Any) -> Any:
    """``function`` applied leaf by leaf to ``tree`` and trees of the same structure."""
    leaves, treedef = flatten(tree)
    other_leaves = []
    for other in others:
        leaves_of_other, other_def = flatten(other)
        if other_def != treedef:
            raise ValueError(f"tree structures differ: {treedef!r} and {other_def!r}")
        other_leaves.append(leaves_of_other)
    return treedef.unflatten([function(*parts) for parts in zip(leaves, *other_leaves)])


def broadcast_prefix(prefix: Any, tree: Any, name: str) -> list:
    """Per leaf of ``tree``, the leaf of ``prefix`` at or above its place: ``prefix`` is a
    pytree prefix of ``tree``, JAX's rule for vmap's ``in_axes`` and ``out_axes``. In the
    prefix ``None`` is a leaf (it means "not mapped"), not an empty container. ``name`` is
    how the error calls the prefix when it is not one."""
    values: list = []
    _broadcast(prefix, flatten(tree)[1], name, values)
    return values


def _broadcast(prefix: Any, treedef: TreeDef, path: str, values: list) -> None:
    container = None if prefix is None else _container(prefix)
    if container is None:
        values.extend([prefix] * treedef.num_leaves)
        return
    kind, keys, children = container
    if kind is not treedef.kind or keys != treedef.keys or len(children) != len(treedef.children):
        raise ValueError(f"{path} is {prefix!r} where the value has the structure {treedef!r}; "
                         "it must be a pytree prefix of the value: one entry there, or the same "
                         "container with the same keys or length")
    steps = ([f"[{key!r}]" for key in keys] if kind is dict
             else [f"[{index}]" for index in range(len(children))])
    for child, subtree, step in zip(children, treedef.children, steps):
        _broadcast(child, subtree, path + step, values)
