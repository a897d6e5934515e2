"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves and back.

Every leaf that is not a tuple, list or dict (an array, a number, None) is one leaf. Dicts
are walked in sorted key order, as JAX does, so two dicts with the same keys line up.
"""

from __future__ import annotations

from typing import Any, Callable


class TreeDef:
    """The shape of a pytree without its leaves: rebuilds one from a list of leaves."""

    __slots__ = ("kind", "keys", "children")

    def __init__(self, kind: type | None, keys: tuple = (), children: tuple = ()) -> None:
        self.kind = kind          # tuple, list, dict, or None for a leaf
        self.keys = keys
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
        if self.kind is dict:
            return dict(zip(self.keys, values))
        return self.kind(values)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeDef) and self.kind == other.kind
                and self.keys == other.keys and self.children == other.children)

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children)) + "}"
        inner = ", ".join(repr(c) for c in self.children)
        return f"({inner},)" if self.kind is tuple else f"[{inner}]"


_END = object()


def flatten(tree: Any) -> tuple[list, TreeDef]:
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> TreeDef:
    if isinstance(tree, dict):
        keys = tuple(sorted(tree))
        return TreeDef(dict, keys, tuple(_flatten(tree[k], leaves) for k in keys))
    if isinstance(tree, (tuple, list)) and type(tree) in (tuple, list):
        return TreeDef(type(tree), (), tuple(_flatten(item, leaves) for item in tree))
    leaves.append(tree)
    return TreeDef(None)


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
