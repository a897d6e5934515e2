"""Writes the API reference pages (docs/_generated/, git-ignored) from the public namespaces at
build time: one entry per public name. ``np``/``npx``/``scipy`` functions are ``Primitive``
instances built from a registry, which autodoc's ``automodule`` skips, so each entry is written
here with its signature and docstring (shown preformatted: not all docstrings are NumPy-style
reST, and a reference must never fail to build on one)."""

from __future__ import annotations

import importlib
import inspect
import pathlib
import textwrap
from typing import Any

NAMESPACES = ["ndgrad", "ndgrad.np", "ndgrad.np.linalg", "ndgrad.np.fft", "ndgrad.np.random",
              "ndgrad.npx", "ndgrad.nd", "ndgrad.autograd", "ndgrad.func", "ndgrad.testing",
              "ndgrad.plot", "ndgrad.viz", "ndgrad.io", "ndgrad.scipy.special",
              "ndgrad.scipy.stats", "ndgrad.scipy.signal", "ndgrad.scipy.linalg",
              "ndgrad.scipy.integrate", "ndgrad.errors"]


def _public(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return sorted(names)
    # no __all__ (nd, io, errors): what the module defines or publishes, not its imports
    return sorted(name for name in dir(module) if not name.startswith("_")
                  and _own(getattr(module, name)))


def _own(obj: Any) -> bool:
    if inspect.ismodule(obj):
        return False
    module = getattr(type(obj), "__module__", "") if not callable(obj) else \
        getattr(obj, "__module__", None) or getattr(type(obj), "__module__", "")
    return str(module).startswith("ndgrad")


def _signature(obj: Any) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(*args, **kwargs)"


def _body(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    if not doc.strip():
        return ""
    return "::\n\n" + textwrap.indent(doc, "    ") + "\n"


def _entry(directive: str, name: str, signature: str, obj: Any, indent: str = "") -> str:
    text = f"{indent}.. py:{directive}:: {name}{signature}\n\n"
    body = _body(obj)
    if body:
        text += textwrap.indent(body, indent + "   ") + "\n"
    return text


def _page(modname: str) -> str:
    module = importlib.import_module(modname)
    title = f"``{modname}``"
    out = [title, "=" * len(title), "", f".. py:module:: {modname}", ""]
    doc = inspect.getdoc(module)
    if doc:
        out += ["::", "", textwrap.indent(doc, "    "), ""]
    for name in _public(module):
        obj = getattr(module, name)
        full = f"{modname}.{name}"
        if inspect.ismodule(obj):
            if obj.__name__ in NAMESPACES:
                out.append(f"* :py:mod:`{full} <{obj.__name__}>`\n")
            else:
                sub = f"``{full}``"
                out += [sub, "-" * len(sub), ""]
                for inner in _public(obj):
                    value = getattr(obj, inner)
                    if callable(value):
                        out.append(_entry("function", f"{full}.{inner}", _signature(value),
                                          value))
        elif inspect.isclass(obj):
            out.append(_entry("class", full, "", obj))
            if getattr(obj, "__module__", "").startswith("ndgrad"):
                for attr, value in sorted(vars(obj).items()):
                    if attr.startswith("_") or not (callable(value) or isinstance(value, property)):
                        continue
                    if isinstance(value, property):
                        out.append(_entry("property", attr, "", value, "   "))
                    else:
                        real = getattr(obj, attr)
                        out.append(_entry("method", attr, _signature(real), real, "   "))
        elif callable(obj):
            out.append(_entry("function", full, _signature(obj), obj))
        else:
            out.append(f".. py:data:: {full}\n   :value: {_short(obj)}\n\n")
    return "\n".join(out) + "\n"


def _short(obj: Any) -> str:
    text = repr(obj).replace("\n", " ")
    return text if len(text) < 60 else type(obj).__name__


def generate(app: Any) -> None:
    folder = pathlib.Path(app.srcdir) / "_generated"
    folder.mkdir(exist_ok=True)
    for modname in NAMESPACES:
        path = folder / f"{modname}.rst"
        text = _page(modname)
        if not path.exists() or path.read_text() != text:   # unchanged pages stay cached
            path.write_text(text)


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True}
