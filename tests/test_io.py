"""Saving and loading (np.save/np.load/np.savez, npx.save/npx.load) and DLPack interchange:
round trips, atomic writes that keep permissions and links and clean up after killed saves,
refused pickles, clear errors for foreign or truncated files, and zero-copy exchange. Hostile
files: test_io_hostile.py."""

import errno
import io
import os
import pathlib
import signal
import stat
import subprocess
import sys
import textwrap
import threading

import numpy
import pytest

from ndgrad import io as ndio
from ndgrad import np
from ndgrad._registry import REGISTRY
from ndgrad.errors import FileFormatError, GradientLostError


def assert_same(array, expected):
    assert isinstance(array, np.ndarray)
    assert array.dtype == numpy.asarray(expected).dtype
    numpy.testing.assert_array_equal(array.asnumpy(), expected)


def test_the_functions_are_published_in_np_and_npx():
    names = REGISTRY.namespace("np")
    for name in ("save", "load", "savez", "savez_compressed", "from_dlpack"):
        assert names[name] is getattr(ndio, name)
    assert REGISTRY.namespace("npx")["save"] is ndio.npx_save
    assert REGISTRY.namespace("npx")["load"] is ndio.npx_load


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "bool"])
def test_save_and_load_round_trip_keeps_values_dtype_and_shape(tmp_path, dtype):
    data = (numpy.arange(6).reshape(2, 3) % 2).astype(dtype)
    ndio.save(tmp_path / "x.npy", np.array(data))
    assert_same(ndio.load(tmp_path / "x.npy"), data)


def test_save_appends_npy_and_savez_npz_as_numpy(tmp_path):
    ndio.save(str(tmp_path / "weights"), np.ones(2))
    ndio.savez(tmp_path / "bundle", np.ones(2))
    ndio.savez_compressed(tmp_path / "packed.npz", np.ones(2))
    assert sorted(os.listdir(tmp_path)) == ["bundle.npz", "packed.npz", "weights.npy"]


def test_files_are_numpys_own_formats(tmp_path):
    ndio.save(tmp_path / "a.npy", np.arange(3.0))
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "a.npy"), [0, 1, 2])
    numpy.save(tmp_path / "b.npy", numpy.eye(2))
    assert_same(ndio.load(tmp_path / "b.npy"), numpy.eye(2))


def test_savez_names_positional_arrays_and_loads_them_as_a_dict(tmp_path):
    ndio.savez(tmp_path / "s.npz", np.arange(2.0), numpy.zeros(3), bias=np.ones(1))
    with ndio.load(tmp_path / "s.npz") as contents:
        assert contents.files == ["arr_0", "arr_1", "bias"]
        assert_same(contents["arr_1"], numpy.zeros(3))
        assert_same(contents["bias"], numpy.ones(1, dtype=numpy.float32))
    with pytest.raises(ValueError, match="arr_0"):
        ndio.savez(tmp_path / "t.npz", np.ones(1), arr_0=np.ones(1))


def test_savez_compressed_round_trip(tmp_path):
    data = numpy.zeros((100, 100))
    ndio.savez_compressed(tmp_path / "c.npz", data=data)
    assert os.path.getsize(tmp_path / "c.npz") < data.nbytes / 10
    assert_same(ndio.load(tmp_path / "c.npz")["data"], data)


def test_numpy_save_on_an_ndgrad_array_dispatches_here(tmp_path):
    numpy.save(tmp_path / "d", np.arange(3.0))
    assert_same(ndio.load(tmp_path / "d.npy"), numpy.arange(3.0, dtype=numpy.float32))


def test_open_files_are_read_and_written_too():
    buffer = io.BytesIO()
    ndio.save(buffer, np.arange(4.0))
    buffer.seek(0)
    assert_same(ndio.load(buffer), numpy.arange(4.0, dtype=numpy.float32))


@pytest.mark.parametrize("data, expected_type", [
    ({"weight": numpy.eye(2), "bias": numpy.zeros(2)}, dict),
    ([numpy.eye(2), numpy.arange(3)], list),
    ((numpy.eye(2),), list),
    (numpy.arange(3.0), np.ndarray),
    ({}, dict), ([], list)])
def test_npx_save_and_load_keep_the_structure(tmp_path, data, expected_type):
    path = tmp_path / "model.params"
    ndio.npx_save(path, data)
    assert os.listdir(tmp_path) == ["model.params"]          # no suffix added, as MXNet
    loaded = ndio.npx_load(path)
    assert type(loaded) is expected_type
    if isinstance(data, dict):
        assert list(loaded) == list(data)
        for key in data:
            assert_same(loaded[key], data[key])
    elif isinstance(data, (list, tuple)):
        assert len(loaded) == len(data)
        for part, expected in zip(loaded, data):
            assert_same(part, expected)
    else:
        assert_same(loaded, data)


def test_npx_load_reads_plain_numpy_files(tmp_path):
    numpy.savez(tmp_path / "plain.npz", a=numpy.ones(2))
    loaded = ndio.npx_load(tmp_path / "plain.npz")
    assert type(loaded) is dict and list(loaded) == ["a"]      # read at once, as MXNet
    numpy.save(tmp_path / "plain.npy", numpy.ones(2))
    assert_same(ndio.npx_load(tmp_path / "plain.npy"), numpy.ones(2))


def test_npx_save_checks_its_keys(tmp_path):
    with pytest.raises(TypeError, match="str"):
        ndio.npx_save(tmp_path / "k", {1: np.ones(1)})
    with pytest.raises(ValueError, match="reserved"):
        ndio.npx_save(tmp_path / "k", {"__ndgrad_layout__": np.ones(1)})


# -- atomic writes ---------------------------------------------------------------------------
def failing_writer(*args, **kwargs):
    """A stand-in for NumPy's array writer that writes part of a file, then fails."""
    stream = args[0]
    stream.write(b"\x93NUMPY partial")
    raise OSError("disk full (simulated)")


@pytest.mark.parametrize("save", [
    lambda path: ndio.save(path, np.arange(5.0)),
    lambda path: ndio.savez(path, np.arange(5.0)),
    lambda path: ndio.npx_save(path, {"w": np.arange(5.0)})])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, save):
    path = tmp_path / "state.npz"
    ndio.savez(path, old=numpy.full(2, 7.0))
    before = path.read_bytes()
    monkeypatch.setattr(numpy.lib.format, "write_array", failing_writer)
    with pytest.raises(OSError, match="simulated"):
        save(path)
    assert os.listdir(tmp_path) == ["state.npz"]
    assert path.read_bytes() == before


def test_a_failed_first_write_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(numpy.lib.format, "write_array", failing_writer)
    with pytest.raises(OSError):
        ndio.save(tmp_path / "new.npy", np.arange(3.0))
    assert os.listdir(tmp_path) == []


def test_an_interrupted_write_is_cleaned_up_too(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(numpy.lib.format, "write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ndio.save(tmp_path / "x.npy", np.arange(3.0))
    assert os.listdir(tmp_path) == []


def test_the_file_is_synced_before_it_is_renamed(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"),
                                                     real_replace(a, b)))
    ndio.save(tmp_path / "x.npy", np.arange(3.0))
    assert events[:2] == ["fsync", "replace"]


def test_overwriting_replaces_the_file_and_keeps_its_permissions_default(tmp_path):
    path = tmp_path / "x.npy"
    ndio.save(path, np.arange(3.0))
    ndio.save(path, np.arange(5.0))
    assert ndio.load(path).shape == (5,)
    assert os.listdir(tmp_path) == ["x.npy"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask   # not tempfile's 0600


# -- saving over an existing file loses nothing (issue 12, item 14) --------------------------
SAVES = {                 # each writes the name it is given (x.npy for save, x.npz for others)
    "save": lambda path, value: ndio.save(path, np.full(3, value)),
    "savez": lambda path, value: ndio.savez(path, w=np.full(3, value)),
    "npx.save": lambda path, value: ndio.npx_save(path, {"w": np.full(3, value)}),
}


def saved_value(path):
    """The value SAVES wrote at ``path`` (read with NumPy, not with what is under test)."""
    contents = numpy.load(path)
    return float((contents if isinstance(contents, numpy.ndarray) else contents["w"])[0])


def named(directory, how, stem="x"):
    return directory / (stem + (".npy" if how == "save" else ".npz"))


def temporaries(directory):
    return [name for name in os.listdir(directory) if ".ndgrad-tmp-" in name]


@pytest.mark.parametrize("how", SAVES)
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_overwriting_keeps_the_files_permission_bits(tmp_path, how, mode):
    path = named(tmp_path, how)
    SAVES[how](path, 1.0)
    path.chmod(mode)                    # a private checkpoint must not become world-readable
    SAVES[how](path, 2.0)
    assert saved_value(path) == 2.0
    assert stat.S_IMODE(os.stat(path).st_mode) == mode


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a file to another owner needs root")
def test_overwriting_keeps_the_files_owner_and_group(tmp_path):
    path = tmp_path / "x.npy"
    ndio.save(path, np.ones(2))
    os.chown(path, 12345, 23456)
    ndio.save(path, np.zeros(2))
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (12345, 23456)


@pytest.mark.parametrize("how", SAVES)
def test_saving_through_a_symlink_writes_its_target(tmp_path, how):
    (tmp_path / "real").mkdir()
    target = named(tmp_path / "real", how)
    SAVES[how](target, 1.0)
    link = named(tmp_path, how, "link")
    relative = os.path.join("real", target.name)            # into another directory
    link.symlink_to(relative)
    SAVES[how](link, 2.0)
    assert link.is_symlink() and os.readlink(link) == relative
    assert saved_value(target) == 2.0
    assert temporaries(tmp_path) == temporaries(target.parent) == []


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.npy"
    link.symlink_to(tmp_path / "new.npy")
    ndio.save(link, np.arange(2.0))                       # as numpy.save's open() does
    assert link.is_symlink()
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "new.npy"), [0.0, 1.0])


@pytest.mark.parametrize("how", SAVES)
def test_saving_over_a_hard_linked_file_keeps_the_link(tmp_path, how):
    path, other = named(tmp_path, how), tmp_path / "other-name"
    SAVES[how](path, 1.0)
    os.link(path, other)
    SAVES[how](path, 2.0)                                 # numpy.save rewrites the same inode
    assert os.path.samefile(path, other) and os.stat(path).st_nlink == 2
    assert saved_value(other) == 2.0
    assert temporaries(tmp_path) == []


def test_a_failed_write_over_a_hard_linked_file_leaves_both_names_intact(tmp_path,
                                                                          monkeypatch):
    path, other = tmp_path / "x.npy", tmp_path / "y.npy"
    ndio.save(path, np.ones(2))
    os.link(path, other)
    before = path.read_bytes()
    monkeypatch.setattr(numpy.lib.format, "write_array", failing_writer)
    with pytest.raises(OSError, match="simulated"):
        ndio.save(path, np.zeros(2))          # it fails while serialising, before the copy
    assert path.read_bytes() == other.read_bytes() == before
    assert os.path.samefile(path, other) and temporaries(tmp_path) == []


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    ndio.npx_save(fifo, [np.arange(3.0)])           # a rename would put a file in its place
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert_same(ndio.npx_load(io.BytesIO(received[0]))[0], numpy.arange(3.0, dtype="float32"))


@pytest.fixture
def make_unwritable(monkeypatch):
    """Make a directory one cannot create files in: mode 0555, or, for root (whom modes do
    not stop), creating a file there refused with EACCES as the kernel refuses others."""
    locked = []

    def make(directory):
        if os.geteuid() != 0:
            directory.chmod(0o555)
            locked.append(directory)
            return
        real_open = os.open

        def refusing(name, flags, *args, **kwargs):
            if (flags & os.O_CREAT and os.path.dirname(os.fspath(name)) == str(directory)
                    and not os.path.exists(name)):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
            return real_open(name, flags, *args, **kwargs)
        monkeypatch.setattr(os, "open", refusing)
    yield make
    for directory in locked:
        directory.chmod(0o755)


def refusal(save, path):
    """The OSError ``save(path)`` raises; it must name ``path``, never the temporary."""
    with pytest.raises(OSError) as caught:
        save(path)
    assert caught.value.filename == str(path) and str(path) in str(caught.value)
    assert ".ndgrad-tmp-" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize("how", SAVES)
def test_errors_name_the_users_path_and_say_what_to_do(tmp_path, how, make_unwritable):
    save = lambda path: SAVES[how](path, 1.0)
    missing = refusal(save, named(tmp_path / "absent", how))
    assert isinstance(missing, FileNotFoundError) and "create it first" in str(missing)
    named(tmp_path, how, "dir").mkdir()
    directory = refusal(save, named(tmp_path, how, "dir"))
    assert isinstance(directory, IsADirectoryError) and "give the name of a file" in str(directory)
    locked = tmp_path / "locked"
    locked.mkdir()
    make_unwritable(locked)
    denied = refusal(save, named(locked, how))
    assert isinstance(denied, PermissionError) and "is not writable" in str(denied)
    assert os.listdir(locked) == []


def test_a_file_whose_directory_is_unwritable_is_rewritten_in_place(tmp_path, make_unwritable):
    locked = tmp_path / "locked"
    locked.mkdir()
    numpy.save(locked / "x.npy", numpy.ones(2))       # numpy.save can rewrite it: so can we
    make_unwritable(locked)
    ndio.save(locked / "x.npy", np.zeros(3))
    numpy.testing.assert_array_equal(numpy.load(locked / "x.npy"), numpy.zeros(3))
    assert os.listdir(locked) == ["x.npy"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write a read-only file")
def test_a_read_only_file_is_not_replaced(tmp_path):
    path = tmp_path / "x.npy"
    ndio.save(path, np.ones(2))
    path.chmod(0o444)
    before = path.read_bytes()
    error = refusal(lambda p: ndio.save(p, np.zeros(2)), path)    # as numpy.save refuses
    assert isinstance(error, PermissionError) and "read-only" in str(error)
    assert path.read_bytes() == before


def test_a_save_killed_midway_leaves_a_temporary_the_next_save_removes(tmp_path):
    path = tmp_path / "x.npy"
    ndio.save(path, np.ones(2))
    before = path.read_bytes()
    killed = textwrap.dedent(f"""
        import os, signal, numpy
        from ndgrad import io as ndio
        def killed(stream, *args, **kwargs):
            stream.write(b"\\x93NUMPY partial")
            stream.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        numpy.lib.format.write_array = killed
        ndio.save({str(path)!r}, numpy.zeros(2))
        """)
    result = subprocess.run([sys.executable, "-c", killed], timeout=120, check=False)
    assert result.returncode == -signal.SIGKILL
    assert path.read_bytes() == before                      # the old file is whole
    stale = temporaries(tmp_path)
    assert len(stale) == 1 and stale[0].startswith(".x.npy.ndgrad-tmp-")
    ndio.save(path, np.zeros(2))                            # the next save cleans up
    assert os.listdir(tmp_path) == ["x.npy"]


def test_only_unlocked_temporaries_of_the_same_path_are_removed(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "x.npy"
    running = tmp_path / ".x.npy.ndgrad-tmp-0123456789ab"    # a save still writing holds it
    others = [tmp_path / ".y.npy.ndgrad-tmp-0123456789ab", tmp_path / ".x.npy.backup"]
    for name in [running, *others]:
        name.write_bytes(b"partial")
    with open(running, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        ndio.save(path, np.ones(2))
        assert running.exists()
    ndio.save(path, np.ones(2))                             # its process died: stale now
    assert not running.exists()
    assert all(name.exists() for name in others)


def test_a_long_file_name_gets_a_temporary_within_name_max(tmp_path):
    path = tmp_path / ("w" * 240 + ".npy")                   # 244 of NAME_MAX's 255 bytes
    ndio.save(path, np.ones(2))
    ndio.save(path, np.zeros(2))
    assert os.listdir(tmp_path) == [path.name]


# -- no pickle, clear errors -----------------------------------------------------------------
def test_object_arrays_are_refused_on_save(tmp_path):
    with pytest.raises(ValueError, match="pickle"):
        ndio.save(tmp_path / "o.npy", numpy.array([1, "a"], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        ndio.npx_save(tmp_path / "o", [numpy.array([None], dtype=object)])
    assert os.listdir(tmp_path) == []


def test_allow_pickle_true_is_refused(tmp_path):
    with pytest.raises(ValueError, match="never"):
        ndio.save(tmp_path / "x.npy", np.ones(1), allow_pickle=True)
    ndio.save(tmp_path / "x.npy", np.ones(1))
    with pytest.raises(ValueError, match="never"):
        ndio.load(tmp_path / "x.npy", allow_pickle=True)


def test_a_file_holding_pickled_objects_is_refused(tmp_path):
    numpy.save(tmp_path / "o.npy", numpy.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(FileFormatError, match="pickled"):
        ndio.load(tmp_path / "o.npy")


@pytest.mark.parametrize("content", [b"", b"hello, world", b"\x80\x04\x95 a pickle",
                                     b"\x89PNG\r\n\x1a\n"])
def test_a_foreign_file_gives_a_clear_error(tmp_path, content):
    path = tmp_path / "foreign.npy"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match="not a valid .npy or .npz file"):
        ndio.load(path)
    with pytest.raises(ValueError):        # FileFormatError is a ValueError
        ndio.npx_load(path)


@pytest.mark.parametrize("suffix", [".npy", ".npz"])
@pytest.mark.parametrize("keep", [0.3, 0.9, -1])
def test_a_truncated_file_gives_a_clear_error(tmp_path, suffix, keep):
    path = tmp_path / f"whole{suffix}"
    data = numpy.arange(200.0)
    (ndio.save if suffix == ".npy" else ndio.savez)(path, data)
    raw = path.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(raw[:int(len(raw) * keep)] if keep > 0 else raw[:keep])
    with pytest.raises(FileFormatError, match="truncated|not a valid"):
        ndio.load(cut)


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        ndio.load(tmp_path / "absent.npy")


def test_mmap_mode_is_refused(tmp_path):
    ndio.save(tmp_path / "x.npy", np.ones(2))
    with pytest.raises(ValueError, match="mmap_mode"):
        ndio.load(tmp_path / "x.npy", mmap_mode="r")


# -- DLPack ----------------------------------------------------------------------------------
def test_from_dlpack_shares_memory_with_numpy():
    source = numpy.arange(6.0).reshape(2, 3)
    array = ndio.from_dlpack(source)
    assert isinstance(array, np.ndarray) and array.dtype == numpy.float64
    assert numpy.shares_memory(numpy.asarray(array), source)
    source[0, 0] = 42.0
    assert array[0, 0].item() == 42.0


def test_ndgrad_arrays_export_through_dlpack_without_a_copy():
    array = np.arange(4.0)
    assert numpy.shares_memory(numpy.from_dlpack(array), numpy.asarray(array))
    assert numpy.shares_memory(numpy.asarray(ndio.from_dlpack(array)), numpy.asarray(array))


def test_from_dlpack_of_a_recorded_array_is_a_constant():
    from ndgrad import autograd
    x = np.arange(3.0)
    x.attach_grad()
    with autograd.record():
        y = x * 2
        with pytest.raises(GradientLostError, match="detach"):
            ndio.from_dlpack(y)                  # its gradient would be lost
    shared = ndio.from_dlpack(y)
    assert shared._node is None
    assert numpy.shares_memory(shared._data, y._data)


def test_dlpack_exchange_with_torch():
    torch = pytest.importorskip("torch")
    tensor = torch.arange(5, dtype=torch.float32)
    array = ndio.from_dlpack(tensor)
    assert array.dtype == numpy.float32
    tensor[0] = 9.0
    assert array[0].item() == 9.0                  # zero-copy: the same memory
    back = torch.from_dlpack(np.arange(3.0))
    assert back.tolist() == [0.0, 1.0, 2.0]
    source = np.arange(3.0)
    view = torch.from_dlpack(source)
    view[1] = -1.0
    assert source[1].item() == -1.0


def test_paths_may_be_str_or_path_like(tmp_path):
    ndio.save(str(tmp_path / "s"), np.ones(1))
    ndio.save(pathlib.PurePath(tmp_path / "p"), np.ones(1))
    assert sorted(os.listdir(tmp_path)) == ["p.npy", "s.npy"]


# -- text files ------------------------------------------------------------------------------
def test_savetxt_and_loadtxt_round_trip_as_numpy(tmp_path):
    data = numpy.arange(6.0).reshape(2, 3) / 7.0
    np.savetxt(tmp_path / "a.txt", np.array(data), delimiter=",", header="x y z")
    numpy.savetxt(tmp_path / "b.txt", data, delimiter=",", header="x y z")
    assert (tmp_path / "a.txt").read_text() == (tmp_path / "b.txt").read_text()
    assert_same(np.loadtxt(tmp_path / "a.txt", delimiter=","), data)
    columns = np.loadtxt(tmp_path / "a.txt", delimiter=",", unpack=True)
    assert_same(columns, data.T)


def test_savetxt_to_a_gz_path_compresses_and_loadtxt_reads_it(tmp_path):
    np.savetxt(tmp_path / "a.txt.gz", np.array(numpy.array([[1, 2], [3, 4]])), fmt="%d")
    assert (tmp_path / "a.txt.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert_same(np.loadtxt(tmp_path / "a.txt.gz", dtype=int), numpy.array([[1, 2], [3, 4]]))


def test_savetxt_writes_to_a_stream_and_takes_lists():
    stream = io.StringIO()
    np.savetxt(stream, [[1.5, 2.0]], fmt="%.1f")
    assert stream.getvalue() == "1.5 2.0\n"


def test_savetxt_keeps_the_old_file_when_it_fails(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old\n")
    with pytest.raises(ValueError, match="1D or 2D"):
        np.savetxt(target, np.array(numpy.zeros((2, 2, 2))))
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_savetxt_refuses_an_array_being_differentiated(tmp_path):
    x = np.array(numpy.ones(3))
    x.attach_grad()
    from ndgrad import autograd

    with autograd.record():
        y = x * 2.0
        with pytest.raises(GradientLostError, match="savetxt"):
            np.savetxt(tmp_path / "y.txt", y)
        np.savetxt(tmp_path / "y.txt", y.detach())
    assert_same(np.loadtxt(tmp_path / "y.txt"), numpy.full(3, 2.0))


def test_loadtxt_and_genfromtxt_read_numbers_as_numpy():
    text = "1,2\n3,\n"
    assert_same(np.genfromtxt(io.StringIO(text), delimiter=",", filling_values=-1.0),
                numpy.genfromtxt(io.StringIO(text), delimiter=",", filling_values=-1.0))
    assert_same(np.loadtxt(["1 2", "3 4"], usecols=1, ndmin=2),
                numpy.loadtxt(["1 2", "3 4"], usecols=1, ndmin=2))


def test_text_readers_refuse_structured_and_masked_results_with_advice():
    with pytest.raises(ValueError, match="structured array.*numeric dtype"):
        np.genfromtxt(io.StringIO("a,b\n1,x\n"), delimiter=",", dtype=None, names=True)
    with pytest.raises(TypeError, match="masked array.*filling_values"):
        np.genfromtxt(io.StringIO("1,\n"), delimiter=",", usemask=True)


def test_loadtxt_raises_numpys_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        np.loadtxt(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="number of columns changed"):
        np.loadtxt(io.StringIO("1 2\n3\n"))
