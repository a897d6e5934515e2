"""Saving and loading (np.save/np.load/np.savez, npx.save/npx.load) and DLPack interchange:
round trips, atomic writes, refused pickles, clear errors for foreign or truncated files, and
zero-copy exchange."""

import io
import os
import pathlib

import numpy
import pytest

from ndgrad import io as ndio
from ndgrad import np
from ndgrad._registry import REGISTRY
from ndgrad.errors import FileFormatError


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
    assert list(ndio.npx_load(tmp_path / "plain.npz")) == ["a"]
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
        shared = ndio.from_dlpack(y)
    assert shared._node is None


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
