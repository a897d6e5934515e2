"""Saving, loading and zero-copy interchange: ``np.save``/``np.load``/``np.savez``,
``npx.save``/``npx.load`` (MXNet's: an array, a list or a dict of arrays) and
``np.from_dlpack``.

Files are NumPy's own .npy and .npz formats, never pickle: object arrays are refused on save
and files holding them are refused on load.

Saving to a path loses nothing. The data goes to a temporary file beside the target
(``.<name>.ndgrad-tmp-<random>``), is flushed to disk, and only then renamed onto the name, so a
crash or an error leaves either the old file or the whole new one, never a half-written file
under the real name. The new file keeps the old one's permission bits (and, where allowed, its
owner and group); a new file gets numpy.save's (0666 minus the umask). A symlink is written
through (the link stays, its target gets the data). What a rename would break is written in
place, as numpy.save does: a file with other hard links (its new contents are first written in
full to a temporary, then copied into the same inode: not atomic, but an error or interrupt
while serialising leaves the old contents), a device or FIFO, and a file whose directory we
may not create files in. While a save runs it holds a lock on its temporary; a save that was
killed leaves its temporary unlocked, and the next save of that path removes it (POSIX).

Loading lets nothing in. A .npy header is checked before anything is allocated: its length
against ``max_header_size`` and the bytes its shape needs against the bytes the file holds. An
.npz file is read lazily, member by member, and a member that would expand past 64 MiB to more
than ``max_expansion`` (1000) times its compressed size is refused as a zip bomb.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import math
import os
import secrets
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy

from ._ndarray import _wrap, ndarray, sharing_numpy_memory, to_numpy
from ._publish import public
from .errors import FileFormatError

if TYPE_CHECKING:                   # typing.Self is Python 3.11; annotations are not evaluated
    from typing_extensions import Self

fcntl: ModuleType | None          # the module, or None where there is none (not POSIX)
try:
    import fcntl
except ImportError:          # not POSIX: saves are still atomic, stale temporaries stay
    fcntl = None

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")     # a zip with members, an empty zip
_LAYOUT = "__ndgrad_layout__"                    # npx.save's marker: array, list or dict
_TEMPORARY = ".ndgrad-tmp-"                      # .<name>.ndgrad-tmp-<hex>, beside <name>
_STEM = 48                     # characters of <name> kept in it: stays under NAME_MAX (255)
_MAX_HEADER_SIZE = 10000       # numpy.load's default limit on a .npy header
_MAX_EXPANSION = 1000          # deflate itself tops out near 1032: only near-constant data
_EXPANSION_ALLOWANCE = 64 << 20  # a member may always expand to this many bytes


# -- writing ---------------------------------------------------------------------------------
def _storable(value: Any, what: str) -> numpy.ndarray:
    try:
        return to_numpy(value)
    except TypeError as error:        # not numbers: Python objects would need pickle
        raise ValueError(f"{what}: cannot save data that is not numbers (Python objects "
                         "need pickle, which ndgrad never uses); save numeric arrays") \
            from error


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
    """``write(stream)`` into ``file``: an open binary file as it is, a path as the module
    docstring says (atomically; keeping permissions, links and special files)."""
    if hasattr(file, "write"):
        write(file)
        return
    path = os.fspath(file)
    target = os.path.realpath(path)            # through symlinks: the link stays a link
    existing = _existing(target, path)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_in_place(path, target, write)   # a device or FIFO: never replace it
        return
    if existing is not None and not os.access(target, os.W_OK):
        # numpy.save cannot open it for writing: a read-only file is not replaced either
        raise PermissionError(errno.EACCES, f"{os.strerror(errno.EACCES)} (the file is "
                              "read-only: make it writable to save over it)", path)
    _remove_stale_temporaries(target)
    try:
        temporary, descriptor = _create_beside(target, existing)
    except PermissionError as error:
        if existing is None:
            raise _about(error, path, target) from None
        _write_in_place(path, target, write)   # may rewrite the file, not create one beside
        return
    except OSError as error:
        raise _about(error, path, target) from None
    try:
        with _errors_about(path, target), os.fdopen(descriptor, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
            if existing is not None and existing.st_nlink > 1:
                _copy_into(temporary, target, path)    # the same inode: every link sees it
                os.unlink(temporary)
            else:
                os.replace(temporary, target)
        # closing the stream, after the rename, releases the temporary's lock
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(os.path.dirname(target))


def _existing(target: str, path: str) -> os.stat_result | None:
    """The status of the file a save replaces, None where there is none yet."""
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _about(error, path, target) from None
    if stat.S_ISDIR(existing.st_mode):
        raise _about(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), path, target)
    return existing


def _create_beside(target: str, existing: os.stat_result | None) -> tuple[str, int]:
    """A new temporary file beside ``target``, locked while it lives: its name and descriptor.
    Replacing a file, it is created private (0600), then given that file's owner, group and
    mode before any data goes in; for a new file it is created 0666, so the umask gives it
    numpy.save's mode."""
    directory, name = os.path.split(target)
    while True:
        temporary = os.path.join(directory,
                                 f".{name[:_STEM]}{_TEMPORARY}{secrets.token_hex(6)}")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                 | getattr(os, "O_BINARY", 0),
                                 0o666 if existing is None else 0o600)
        except FileExistsError:
            continue
        if _lock(descriptor, temporary):
            break
        os.close(descriptor)       # a sweep of stale temporaries took it before we locked it
    try:
        if existing is not None:
            _take_over(descriptor, temporary, existing)
    except BaseException:
        os.close(descriptor)
        os.unlink(temporary)
        raise
    return temporary, descriptor


def _lock(descriptor: int, temporary: str) -> bool:
    """Lock a new temporary so no other save removes it as stale; False if one already did."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError:
        return True                # no locks here: sweeps cannot lock it either, so keep it
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(temporary))
    except FileNotFoundError:
        return False


def _take_over(descriptor: int, temporary: str, existing: os.stat_result) -> None:
    """Give the temporary the replaced file's owner and group (where we may) and mode."""
    if hasattr(os, "fchown"):
        current = os.fstat(descriptor)
        if (current.st_uid, current.st_gid) != (existing.st_uid, existing.st_gid):
            for uid in (existing.st_uid, -1):  # the owner needs privilege, the group membership
                try:
                    os.fchown(descriptor, uid, existing.st_gid)
                    break
                except OSError:
                    continue
    mode = stat.S_IMODE(existing.st_mode) & 0o777     # after chown, which clears set-id bits
    if hasattr(os, "fchmod"):
        os.fchmod(descriptor, mode)
    else:
        os.chmod(temporary, mode)


def _remove_stale_temporaries(target: str) -> None:
    """Remove the temporaries of ``target`` that killed saves left: those no running save
    holds locked (the kernel drops a dead process's locks)."""
    if fcntl is None:
        return
    directory, name = os.path.split(target)
    prefix = f".{name[:_STEM]}{_TEMPORARY}"
    try:
        with os.scandir(directory) as entries:
            candidates = [entry.path for entry in entries if entry.name.startswith(prefix)
                          and entry.is_file(follow_symlinks=False)]
    except OSError:
        return
    for candidate in candidates:
        try:
            descriptor = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                                 | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.samestat(os.fstat(descriptor), os.lstat(candidate)):
                os.unlink(candidate)
        except OSError:
            pass                   # a running save holds it, or it is gone already
        finally:
            os.close(descriptor)


def _write_in_place(path: str, target: str, write: Callable[[Any], None]) -> None:
    """numpy.save's way: truncate and rewrite the same file; not atomic."""
    with _errors_about(path, target), open(target, "wb") as stream:
        write(stream)
        stream.flush()
        with contextlib.suppress(OSError):     # devices and FIFOs cannot be synced
            os.fsync(stream.fileno())


def _copy_into(temporary: str, target: str, path: str) -> None:
    """Copy the finished temporary into the hard-linked file ``target``, in place."""
    try:
        with open(temporary, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        raise _about(error, path, target, "copying into the file, which has other hard links, "
                     "failed, and it may now be incomplete: fix the cause and save again"
                     ) from None


_HINTS: dict[int | None, str] = {         # by errno (an OSError's may be None)
    errno.ENOENT: "the directory {directory!r} does not exist: create it first",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EACCES: "the directory {directory!r} is not writable: a save writes a temporary "
                  "file beside the name, then renames it; get write permission or save "
                  "elsewhere",
    errno.EROFS: "the file system is read-only: save elsewhere",
    errno.EISDIR: "give the name of a file, not of a directory",
    errno.ENOSPC: "the disk is full: free some space and save again",
}
_HINTS[errno.EPERM] = _HINTS[errno.EACCES]


def _about(error: OSError, path: str, target: str, hint: str | None = None) -> OSError:
    """``error`` about the user's path instead of our temporary, saying what to do; its errno
    is kept, so it is the same OSError subclass NumPy would raise (FileNotFoundError, ...)."""
    hint = hint or _HINTS.get(error.errno, "").format(directory=os.path.dirname(target))
    message = error.strerror or str(error)
    return OSError(error.errno, f"{message} ({hint})" if hint else message, path)


@contextlib.contextmanager
def _errors_about(path: str, target: str) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        if error.errno is None or error.filename == path:
            raise                  # not the system's (a writer's own), or named already
        raise _about(error, path, target) from None


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
    written atomically over a file, keeping its permissions and links (see the module
    docstring); never pickled (object arrays and allow_pickle=True are refused)."""
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
    path without it), positional ones named arr_0, arr_1, ...; written as np.save writes."""
    _savez(file, args, kwds, "savez", numpy.savez)


@public(numpy=numpy.savez_compressed)
def savez_compressed(file, *args, **kwds):
    """ndgrad's numpy.savez_compressed: as savez, with the arrays compressed."""
    _savez(file, args, kwds, "savez_compressed", numpy.savez_compressed)


# -- text files ------------------------------------------------------------------------------
def _leaving(value: Any, what: str, depth: int = 0) -> None:
    """Refuse to write out an array being differentiated, as ``asnumpy()`` does: the file
    would hold its value without its history (GradientLostError)."""
    if isinstance(value, ndarray):
        value._check_leaving(what)
    elif isinstance(value, (list, tuple)) and depth < 64:
        for item in value:
            _leaving(item, what, depth + 1)


@public(numpy=numpy.savetxt)
def savetxt(fname, X, fmt="%.18e", delimiter=" ", newline="\n", header="", footer="",
            comments="# ", encoding=None):
    """ndgrad's numpy.savetxt: a 1-D or 2-D array as text, with NumPy's formatting options;
    a path is written atomically, as np.save writes (gzip-compressed if it ends in ".gz").
    Inside ``record()`` an array being differentiated is refused (GradientLostError), as
    ``asnumpy()``: write ``X.detach()``."""
    _leaving(X, "savetxt")
    data = _storable(X, "savetxt")

    def write(stream: Any) -> None:
        numpy.savetxt(stream, data, fmt=fmt, delimiter=delimiter, newline=newline,
                      header=header, footer=footer, comments=comments, encoding=encoding)

    if not hasattr(fname, "write") and os.fspath(fname).endswith(".gz"):
        _write(fname, lambda stream: _gzipped(stream, write))
    else:
        _write(fname, write)


def _gzipped(stream: Any, write: Callable[[Any], None]) -> None:
    with gzip.GzipFile(fileobj=stream, mode="wb") as compressed:
        write(compressed)


def _text_arrays(found: Any, what: str) -> Any:
    """What loadtxt/genfromtxt read, as ndgrad arrays (a tuple of them when unpacked);
    structured and masked results are refused: ndgrad arrays hold plain numbers."""
    if isinstance(found, (tuple, list)):
        return type(found)(_text_arrays(part, what) for part in found)
    if isinstance(found, numpy.ma.MaskedArray):
        raise TypeError(f"{what}(usemask=True) makes a masked array, which ndgrad does not "
                         "have; fill the missing values (filling_values=) instead")
    if found.dtype.names is not None:
        raise ValueError(f"{what} read a structured array (fields {found.dtype.names}), "
                         "which ndgrad does not have: pass a numeric dtype=, and usecols= "
                         "naming the numeric columns")
    return _wrap(to_numpy(found), ndarray)


@public(numpy=numpy.loadtxt)
def loadtxt(fname, dtype=float, comments="#", delimiter=None, converters=None, skiprows=0,
            usecols=None, unpack=False, ndmin=0, encoding=None, max_rows=None, *,
            quotechar=None):
    """ndgrad's numpy.loadtxt: the numbers of a text file as an ndarray (float64 by
    default, NumPy's dtype rule; a tuple of columns if ``unpack``), a constant."""
    found = numpy.loadtxt(fname, dtype=dtype, comments=comments, delimiter=delimiter,
                          converters=converters, skiprows=skiprows, usecols=usecols,
                          unpack=unpack, ndmin=ndmin, encoding=encoding, max_rows=max_rows,
                          quotechar=quotechar)
    return _text_arrays(found, "loadtxt")


@public(numpy=numpy.genfromtxt)
def genfromtxt(fname, dtype=float, *args, **kwargs):
    """ndgrad's numpy.genfromtxt (NumPy's arguments): the numbers of a text file, missing
    values filled, as an ndarray; structured (``dtype=None`` on mixed columns, ``names=``)
    and masked (``usemask=True``) results are refused, as ndgrad holds plain numbers."""
    return _text_arrays(numpy.genfromtxt(fname, dtype, *args, **kwargs), "genfromtxt")


# -- reading ---------------------------------------------------------------------------------
class NpzArrays(Mapping):
    """The arrays of an .npz file by name, each read when first accessed and then kept, as
    NumPy's NpzFile (``files``, ``with`` and ``close()`` work as there; ``dict(contents)``
    reads them all). It holds the file open until ``close()``, the end of the ``with`` block
    or garbage collection; after that the arrays already read stay, others raise ValueError.
    Each member is checked before it is read (see ``load``)."""

    def __init__(self, stream: Any, name: Any, what: str, owned: bool,
                 max_header_size: int, max_expansion: float) -> None:
        self._zip = self._stream = None            # so close() works if ZipFile fails
        self._name, self._what = name, what
        self._limits = (max_header_size, max_expansion)
        self._zip = zipfile.ZipFile(stream)
        self._stream = stream if owned else None
        self._members = {(info.filename.removesuffix(".npy")): info for info in self._zip.infolist()}
        self._arrays: dict[str, ndarray] = {}

    @property
    def files(self) -> list[str]:
        return list(self._members)

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, key: object) -> bool:
        return key in self._members                # without reading the member

    def __getitem__(self, key: str) -> ndarray:
        if key in self._arrays:
            return self._arrays[key]
        if key not in self._members:
            raise KeyError(f"{key!r} is not an array in {self._name!r}; it holds {self.files}")
        if self._zip is None:
            raise ValueError(f"{self._what}: {self._name!r} is closed and {key!r} was not read "
                             "before: read the arrays you need inside the with block (or "
                             "before close()), or load the file again")
        self._arrays[key] = self._read(self._members[key])
        return self._arrays[key]

    def _read(self, info: zipfile.ZipInfo) -> ndarray:
        label = f"{self._what}: member {info.filename!r} of {self._name!r}"
        max_header_size, max_expansion = self._limits
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # deflate expands at most ~1032 times; bzip2 and lzma, millions of times
            raise FileFormatError(f"{label} is compressed with zip method "
                                  f"{info.compress_type}, but NumPy's savez and "
                                  "savez_compressed write only stored or deflated members: "
                                  "save the arrays again with np.savez_compressed")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise FileFormatError(f"{label} is stored uncompressed, yet declares "
                                  f"{info.file_size} bytes in {info.compress_size}: the file "
                                  "is corrupt")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _EXPANSION_ALLOWANCE and ratio > max_expansion:
            raise FileFormatError(
                f"{label} would expand from {info.compress_size} to {info.file_size} bytes, "
                f"{ratio:.0f} times, over the limit of {max_expansion} times for a member "
                f"past {_EXPANSION_ALLOWANCE >> 20} MiB: refused as a possible zip bomb. If "
                "you trust the file, pass max_expansion=math.inf (or a larger ratio) to load")
        assert self._zip is not None        # __getitem__ refused a closed file
        try:
            with self._zip.open(info) as stream:
                return _wrap(_read_npy(stream, info.file_size, label, max_header_size),
                             ndarray)
        except FileFormatError:
            raise
        except (ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            raise _unreadable(label, error) from error

    def close(self) -> None:
        """Close the file; the arrays already read stay readable."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        return f"NpzArrays({self._name!r}, files={self.files})"


def _read_exactly(stream: Any, size: int, label: str, part: str) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise FileFormatError(f"{label} ends inside {part}: it is truncated; save it again "
                              "or copy it whole")
    return data


def _npy_header(stream: Any, label: str, max_header_size: int) -> tuple[tuple, numpy.dtype]:
    """The shape and dtype in the .npy header at the stream's position, parsed and checked by
    NumPy's own header reader. Its length is checked before the header is read (NumPy reads
    it first), so a hostile length allocates nothing."""
    start = _read_exactly(stream, 8, label, "the .npy signature")
    if start[:6] != _NPY_MAGIC:
        raise FileFormatError(f"{label} is not .npy data: it starts with {start!r}, not "
                              f"NumPy's signature {_NPY_MAGIC!r}")
    version = (start[6], start[7])
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise FileFormatError(f"{label} is .npy format version {version[0]}.{version[1]}, "
                              "which NumPy does not write (it writes 1.0, 2.0 and 3.0)")
    def too_long(size: int) -> FileFormatError:
        return FileFormatError(f"{label} has a .npy header of {size} characters, over "
                               f"max_header_size={max_header_size}: a header that long may "
                               "not be safe to read; if you trust the file, pass a larger "
                               "max_header_size to load")

    width = 2 if version == (1, 0) else 4
    length = int.from_bytes(_read_exactly(stream, width, label, "the .npy header length"),
                            "little")
    # NumPy's limit counts characters, and a UTF-8 (version 3) one may take 4 bytes
    if length > max_header_size * (4 if version == (3, 0) else 1):
        raise too_long(length)
    header = _read_exactly(stream, length, label, "the .npy header")
    if version == (3, 0):
        text = header.decode("utf8")
        if len(text) > max_header_size:
            raise too_long(len(text))
        # NumPy reads UTF-8 headers only privately; escaped to ASCII they read as version 2
        header = text.encode("ascii", "backslashreplace")
    reader = (numpy.lib.format.read_array_header_1_0 if version == (1, 0)
              else numpy.lib.format.read_array_header_2_0)
    try:
        shape, _, dtype = reader(io.BytesIO(len(header).to_bytes(width, "little") + header),
                                 max_header_size=max(max_header_size, len(header)))
    except Exception as error:     # on arbitrary bytes NumPy's parser fails in many ways
        raise _unreadable(label, error) from error
    return shape, dtype


def _read_npy(stream: Any, size: int | None, label: str,
              max_header_size: int) -> numpy.ndarray:
    """The array in the ``size`` bytes of .npy data at the stream's position (None: unknown),
    checked before anything is allocated for it."""
    start = stream.tell()
    shape, dtype = _npy_header(stream, label, max_header_size)
    if dtype.hasobject:
        raise _pickled(label)
    if any(n < 0 for n in shape):
        raise FileFormatError(f"{label} declares the negative shape {shape}: it is corrupt")
    needed = math.prod(shape) * dtype.itemsize
    held = None if size is None else size - (stream.tell() - start)
    if held is not None and needed > held:
        raise FileFormatError(f"{label} declares an array of shape {shape} and dtype {dtype}, "
                              f"which needs {needed} bytes, but only {held} bytes follow its "
                              "header: it is truncated or corrupt; save it again or copy it "
                              "whole")
    stream.seek(start)
    return numpy.lib.format.read_array(stream, allow_pickle=False,
                                       max_header_size=max_header_size)


def _remaining(stream: Any) -> int | None:
    """Bytes from the stream's position to its end; None where it cannot seek to its end."""
    try:
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError, AttributeError):
        return None
    return end - here


def _peek(stream: Any, size: int) -> bytes:
    start = stream.tell()
    data = stream.read(size)
    stream.seek(start)
    return data


def _read(file: Any, what: str, max_header_size: int,
          max_expansion: float) -> ndarray | NpzArrays:
    if not (isinstance(max_header_size, int) and max_header_size > 0):
        raise ValueError(f"{what}: max_header_size must be a positive int, not "
                         f"{max_header_size!r}")
    if not (isinstance(max_expansion, (int, float)) and max_expansion > 0):
        raise ValueError(f"{what}: max_expansion must be a positive number (math.inf for no "
                         f"limit), not {max_expansion!r}")
    with contextlib.ExitStack() as opened_here:
        if hasattr(file, "read"):
            stream, owned, name = file, False, getattr(file, "name", None)
        else:
            name = os.fspath(file)
            stream, owned = opened_here.enter_context(open(name, "rb")), True
        label = f"{what}: {name!r}"
        try:
            magic = _peek(stream, len(_NPY_MAGIC))
            is_npz = magic.startswith(_ZIP_MAGICS)
            if not (magic == _NPY_MAGIC or is_npz):
                raise FileFormatError(f"{label} is not a valid .npy or .npz file (it starts "
                                      f"with {magic!r}, not NumPy's or zip's signature)")
            if is_npz:
                contents = NpzArrays(stream, name, what, owned, max_header_size, max_expansion)
                opened_here.pop_all()              # the mapping closes it
                return contents
            return _wrap(_read_npy(stream, _remaining(stream), label, max_header_size), ndarray)
        except FileFormatError:
            raise
        except (ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            raise _unreadable(label, error) from error


def _pickled(label: str) -> FileFormatError:
    return FileFormatError(f"{label} holds Python objects (pickled data), which ndgrad never "
                           "loads; save numeric arrays instead")


def _unreadable(label: str, error: Exception) -> FileFormatError:
    if "pickle" in str(error):
        return _pickled(label)
    return FileFormatError(f"{label} is not a valid .npy/.npz file or is truncated ({error})")


@public()
def load(file, mmap_mode=None, allow_pickle=False, *, max_header_size=_MAX_HEADER_SIZE,
         max_expansion=_MAX_EXPANSION):
    """ndgrad's numpy.load: an ndarray from a .npy file, or from an .npz file an
    ``NpzArrays`` mapping of them that reads each when accessed, as NumPy's NpzFile (close it,
    or use ``with``). Never unpickles, and checks before it allocates: a file that is not
    .npy/.npz, is truncated, holds pickled objects, declares more data than it holds, or has a
    header longer than ``max_header_size`` (NumPy's limit) raises FileFormatError (a
    ValueError); so does reading an .npz member that would expand past 64 MiB to more than
    ``max_expansion`` times its compressed size (a zip bomb; pass ``math.inf`` for a file you
    trust). ``mmap_mode`` is refused: ndgrad arrays own their memory."""
    _refuse_pickle(allow_pickle, "load")
    if mmap_mode is not None:
        raise ValueError("load(mmap_mode=...) is not supported: ndgrad arrays own their data")
    return _read(file, "load", max_header_size, max_expansion)


# -- MXNet's npx.save / npx.load -------------------------------------------------------------
@public("save", namespaces=("npx",))
def npx_save(file, data):
    """MXNet's npx.save: ``data`` (an ndarray, a list of them, or a dict str -> ndarray) in one
    .npz file at exactly ``file`` (no suffix added), written as np.save writes; npx.load gives
    the same structure back."""
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
def npx_load(file, *, max_header_size=_MAX_HEADER_SIZE, max_expansion=_MAX_EXPANSION):
    """MXNet's npx.load: what npx.save wrote (an ndarray, a list or a dict of them), read at
    once; a .npy file gives its array and another .npz file a dict. Checks and errors as
    np.load."""
    contents = _read(file, "npx.load", max_header_size, max_expansion)
    if not isinstance(contents, NpzArrays):
        return contents
    with contents:
        names = [key for key in contents if key != _LAYOUT]
        layout = str(contents[_LAYOUT].asnumpy()) if _LAYOUT in contents else "dict"
        if layout == "array":
            return contents["0"]
        if layout == "list":
            return [contents[str(i)] for i in range(len(names))]
        return {key: contents[key] for key in names}


# -- DLPack ----------------------------------------------------------------------------------
@public()
def from_dlpack(x, *, device=None, copy=None):
    """ndgrad's numpy.from_dlpack: an ndarray sharing memory with ``x`` (a NumPy array, a
    PyTorch CPU tensor, an ndgrad array: anything with ``__dlpack__``), zero-copy. The result
    is a constant (no history), and keeps ``x``'s dtype. Recording saves a copy of it where a
    rule needs its value, so a change to ``x`` before backward cannot corrupt a gradient.
    Inside ``record()`` an ndgrad array being differentiated is refused (GradientLostError),
    as ``asnumpy()``."""
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack needs an object with __dlpack__ (a NumPy array, a "
                        f"PyTorch CPU tensor, an ndgrad array), not {type(x).__name__}; use "
                        "np.asarray for other data")
    return sharing_numpy_memory(_wrap(numpy.from_dlpack(x, device=device, copy=copy), ndarray))
