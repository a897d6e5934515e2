"""Saving, loading and zero-copy interchange: ``np.save``/``np.load``/``np.savez``,
``npx.save``/``npx.load`` (MXNet's: an array, a list or a dict of arrays) and
``np.from_dlpack``.

Files are NumPy's own .npy and .npz formats, never pickle: object arrays are refused on save
and files holding them are refused on load. A file written to a path is written atomically: the
data goes to a temporary file in the same directory, is flushed to disk, and only then renamed
onto the name, so a crash or an error leaves either the old file or the whole new one, never a
half-written file under the real name.
"""

from __future__ import annotations

import os
import secrets
import zipfile
import zlib
from typing import Any, Callable

import numpy

from ._ndarray import _wrap, ndarray, to_numpy
from ._registry import public
from .errors import FileFormatError

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")     # a zip with members, an empty zip
_LAYOUT = "__ndgrad_layout__"                    # npx.save's marker: array, list or dict


# -- writing ---------------------------------------------------------------------------------
def _storable(value: Any, what: str) -> numpy.ndarray:
    data = to_numpy(value)
    if data.dtype.hasobject:
        raise ValueError(f"{what}: cannot save an array of Python objects (dtype object): "
                         "that needs pickle, which ndgrad never uses; save numeric arrays")
    return data


def _refuse_pickle(allow_pickle: bool, what: str) -> None:
    if allow_pickle:
        raise ValueError(f"{what}(allow_pickle=True) is not supported: ndgrad never reads or "
                         "writes pickled data")


def _with_suffix(file: Any, suffix: str) -> Any:
    """NumPy's rule: a path not ending in ``suffix`` gets it appended."""
    if hasattr(file, "write"):
        return file
    path = os.fspath(file)
    return path if path.endswith(suffix) else path + suffix


def _write(file: Any, write: Callable[[Any], None]) -> None:
    """``write(stream)`` into ``file``: an open binary file as it is, a path atomically."""
    if hasattr(file, "write"):
        write(file)
        return
    path = os.fspath(file)
    directory = os.path.dirname(os.path.abspath(path))
    temporary, descriptor = _create_beside(path, directory)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _sync_directory(directory)


def _create_beside(path: str, directory: str) -> tuple[str, int]:
    """A new, empty temporary file next to ``path`` (created with the permissions a new file
    gets, unlike tempfile's 0600), its name and descriptor."""
    base = os.path.basename(path)
    while True:
        temporary = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                      | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); where a directory cannot be opened, skip."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@public(numpy=numpy.save)
def save(file, arr, allow_pickle=False):
    """ndgrad's numpy.save: ``arr`` in .npy format (".npy" appended to a path without it),
    written atomically; never pickled (object arrays and allow_pickle=True are refused)."""
    _refuse_pickle(allow_pickle, "save")
    data = _storable(arr, "save")
    _write(_with_suffix(file, ".npy"),
           lambda stream: numpy.save(stream, data, allow_pickle=False))


def _savez(file, args, kwds, what, writer):
    arrays = {f"arr_{i}": _storable(a, what) for i, a in enumerate(args)}
    for name, value in kwds.items():
        if name in arrays:
            raise ValueError(f"{what}: cannot use un-named variables and keyword {name}")
        arrays[name] = _storable(value, what)
    _write(_with_suffix(file, ".npz"), lambda stream: writer(stream, **arrays))


@public(numpy=numpy.savez)
def savez(file, *args, **kwds):
    """ndgrad's numpy.savez: several arrays in one uncompressed .npz (".npz" appended to a
    path without it), positional ones named arr_0, arr_1, ...; written atomically."""
    _savez(file, args, kwds, "savez", numpy.savez)


@public(numpy=numpy.savez_compressed)
def savez_compressed(file, *args, **kwds):
    """ndgrad's numpy.savez_compressed: as savez, with the arrays compressed."""
    _savez(file, args, kwds, "savez_compressed", numpy.savez_compressed)


# -- reading ---------------------------------------------------------------------------------
class NpzArrays(dict):
    """The arrays of an .npz file, by name, read at once (NumPy's NpzFile is lazy and must be
    closed; this one holds no file open). ``files`` and ``with`` work as on NpzFile."""

    @property
    def files(self) -> list[str]:
        return list(self)

    def close(self) -> None:
        """Nothing to close: kept for code written for NumPy's NpzFile."""

    def __enter__(self) -> "NpzArrays":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _magic(file: Any) -> bytes:
    if hasattr(file, "read"):
        start = file.tell()
        magic = file.read(len(_NPY_MAGIC))
        file.seek(start)
        return magic
    with open(file, "rb") as stream:
        return stream.read(len(_NPY_MAGIC))


def _read(file: Any, what: str) -> ndarray | NpzArrays:
    name = getattr(file, "name", None) if hasattr(file, "read") else os.fspath(file)
    magic = _magic(file)
    is_npz = magic.startswith(_ZIP_MAGICS)
    if not (magic == _NPY_MAGIC or is_npz):
        raise FileFormatError(f"{what}: {name!r} is not a valid .npy or .npz file (it starts "
                              f"with {magic!r}, not NumPy's or zip's signature)")
    try:
        if is_npz:
            with numpy.load(file, allow_pickle=False) as contents:
                return NpzArrays((key, _wrap(contents[key], ndarray)) for key in contents.files)
        return _wrap(numpy.load(file, allow_pickle=False), ndarray)
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise _unreadable(name, what, error) from error


def _unreadable(name: Any, what: str, error: Exception) -> FileFormatError:
    if "pickle" in str(error) or "allow_pickle" in str(error):
        return FileFormatError(f"{what}: {name!r} holds Python objects (pickled data), which "
                               "ndgrad never loads")
    return FileFormatError(f"{what}: {name!r} is not a valid .npy/.npz file or is truncated "
                           f"({error})")


@public()
def load(file, mmap_mode=None, allow_pickle=False):
    """ndgrad's numpy.load: an ndarray from a .npy file, or an ``NpzArrays`` dict of them from
    an .npz file (read at once). Never unpickles; a file that is not .npy/.npz, is truncated
    or holds pickled objects raises FileFormatError (a ValueError). ``mmap_mode`` is refused:
    ndgrad arrays own their memory."""
    _refuse_pickle(allow_pickle, "load")
    if mmap_mode is not None:
        raise ValueError("load(mmap_mode=...) is not supported: ndgrad arrays own their data")
    return _read(file, "load")


# -- MXNet's npx.save / npx.load -------------------------------------------------------------
@public("save", namespaces=("npx",))
def npx_save(file, data):
    """MXNet's npx.save: ``data`` (an ndarray, a list of them, or a dict str -> ndarray) in one
    .npz file at exactly ``file`` (no suffix added), written atomically; npx.load gives the
    same structure back."""
    if isinstance(data, dict):
        arrays, layout = {}, "dict"
        for key, value in data.items():
            if not isinstance(key, str):
                raise TypeError(f"npx.save: dict keys must be str, not {type(key).__name__}")
            if key == _LAYOUT:
                raise ValueError(f"npx.save: the key {_LAYOUT!r} is reserved")
            arrays[key] = _storable(value, "npx.save")
    elif isinstance(data, (list, tuple)):
        arrays, layout = {str(i): _storable(a, "npx.save") for i, a in enumerate(data)}, "list"
    else:
        arrays, layout = {"0": _storable(data, "npx.save")}, "array"
    arrays[_LAYOUT] = numpy.array(layout)
    _write(file, lambda stream: numpy.savez(stream, **arrays))


@public("load", namespaces=("npx",))
def npx_load(file):
    """MXNet's npx.load: what npx.save wrote (an ndarray, a list or a dict of them); a .npy
    file gives its array and another .npz file a dict. Errors as np.load."""
    contents = _read(file, "npx.load")
    if not isinstance(contents, NpzArrays) or _LAYOUT not in contents:
        return contents
    layout = str(contents.pop(_LAYOUT).asnumpy())
    if layout == "array":
        return contents["0"]
    if layout == "list":
        return [contents[str(i)] for i in range(len(contents))]
    return dict(contents)


# -- DLPack ----------------------------------------------------------------------------------
@public()
def from_dlpack(x, *, device=None, copy=None):
    """ndgrad's numpy.from_dlpack: an ndarray sharing memory with ``x`` (a NumPy array, a
    PyTorch CPU tensor, an ndgrad array: anything with ``__dlpack__``), zero-copy. The result
    is a constant (no history), and keeps ``x``'s dtype."""
    return _wrap(numpy.from_dlpack(x, device=device, copy=copy), ndarray)
