"""np.load of hostile files (issue 12, item 15): headers that claim more than the file holds are
refused before anything is allocated, .npz members are read lazily and a zip bomb is refused
before it is inflated, and pickles stay refused. The files are crafted by hand and stay small
on disk."""

import gc
import io
import math
import os
import struct
import tracemalloc
import warnings
import zipfile
import zlib

import numpy
import pytest

from ndgrad import io as ndio
from ndgrad import np
from ndgrad.errors import FileFormatError


def npy(header: str, data: bytes = b"", version=(1, 0)) -> bytes:
    """Raw .npy bytes: the signature, ``version``, ``header`` and ``data``, unchecked."""
    raw = header.encode("utf8" if version == (3, 0) else "latin1")
    width = 2 if version == (1, 0) else 4
    return b"\x93NUMPY" + bytes(version) + len(raw).to_bytes(width, "little") + raw + data


def header(shape, descr="<f8") -> str:
    return f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}\n"


def zip_of(name: str, compressed: bytes, *, crc: int, size: int,
           method=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of one member whose sizes and CRC are whatever we say (a hostile file
    may lie): local header, data, central directory, end record."""
    raw = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                        len(compressed), size, len(raw), 0) + raw
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                          len(compressed), size, len(raw), 0, 0, 0, 0, 0, 0) + raw
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(compressed), 0)
    return local + compressed + central + end


def deflated_zeros(prefix: bytes, zeros: int) -> tuple[bytes, int]:
    """Raw deflate of ``prefix`` and ``zeros`` zero bytes (a whole number of MiB), and its CRC:
    one compressed MiB repeated (a full flush makes every MiB's output the same), so the bomb
    is built without compressing a GiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    mib = bytes(1 << 20)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(zeros >> 20):
        crc = zlib.crc32(mib, crc)
    return head + piece * (zeros >> 20) + compressor.flush(), crc


def peak_bytes(action):
    """The most memory ``action()`` held at once (NumPy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(action, match):
    """``action()`` raises FileFormatError matching ``match``; the bytes it held at most."""
    def attempt():
        with pytest.raises(FileFormatError, match=match):
            action()
    return peak_bytes(attempt)


def place(tmp_path, raw: bytes, where: str):
    """``raw`` .npy bytes as load would get them: a file, an open stream, an .npz member."""
    if where == "file":
        (tmp_path / "x.npy").write_bytes(raw)
        return lambda: ndio.load(tmp_path / "x.npy")
    if where == "stream":
        return lambda: ndio.load(io.BytesIO(raw))
    with zipfile.ZipFile(tmp_path / "x.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("w.npy", raw)
    return lambda: ndio.load(tmp_path / "x.npz")["w"]


# -- headers that claim more than the file holds ---------------------------------------------
@pytest.mark.parametrize("where", ["file", "stream", "npz"])
@pytest.mark.parametrize("shape", [(10**15,), (1 << 27,), (1 << 20, 1 << 20, 1 << 20)])
def test_a_header_claiming_a_huge_shape_is_refused_before_allocating(tmp_path, where, shape):
    load = place(tmp_path, npy(header(shape), bytes(16)), where)
    needed = math.prod(shape) * 8
    peak = refused(load, f"needs {needed} bytes, but only 16 bytes follow its header")
    assert peak < 1 << 20                    # NumPy would allocate the whole shape first


@pytest.mark.parametrize("where", ["file", "stream", "npz"])
def test_a_header_needing_more_bytes_than_the_file_holds_says_it_is_truncated(tmp_path, where):
    load = place(tmp_path, npy(header((100,)), bytes(50)), where)
    refused(load, r"shape \(100,\) and dtype float64, which needs 800 bytes, but only 50 "
                  "bytes follow its header: it is truncated or corrupt")


def test_a_file_holding_more_than_its_header_needs_still_loads(tmp_path):
    load = place(tmp_path, npy(header((2,)), numpy.arange(3.0).tobytes()), "file")
    numpy.testing.assert_array_equal(load().asnumpy(), [0.0, 1.0])   # as numpy.load reads it


@pytest.mark.parametrize("where", ["file", "stream", "npz"])
def test_a_header_length_over_max_header_size_is_refused_before_it_is_read(tmp_path, where):
    raw = b"\x93NUMPY\x02\x00" + (2**32 - 1).to_bytes(4, "little") + b"{'descr'"
    peak = refused(place(tmp_path, raw, where),
                   "4294967295 characters, over max_header_size=10000")
    assert peak < 1 << 20                    # NumPy reads the 4 GiB it announces, then checks


def test_max_header_size_lets_a_trusted_long_header_through(tmp_path):
    dtype = [(f"field{i}", "<f8") for i in range(1000)]
    numpy.save(tmp_path / "wide.npy", numpy.zeros(2, dtype=dtype))
    with pytest.raises(FileFormatError, match="pass a larger max_header_size"):
        ndio.load(tmp_path / "wide.npy")
    assert ndio.load(tmp_path / "wide.npy", max_header_size=10**5).dtype == numpy.dtype(dtype)
    with pytest.raises(ValueError, match="positive"):
        ndio.load(tmp_path / "wide.npy", max_header_size=0)


@pytest.mark.parametrize("raw, match", [
    (npy(header((2,)), version=(9, 9)), "version 9.9"),
    (npy("{'descr': '<f8', 'shape': (2,)}\n"), "correct keys"),
    (npy(header((-3,))), "negative shape"),
    (npy(header((2,), descr="<q7")), "descr"),
    (b"\x93NUMPY\x01", "ends inside the .npy signature"),
    (npy(header((2,)))[:20], "ends inside the .npy header"),
    (npy(header((2,))[:50]), "not a valid .npy/.npz file"),      # NumPy: tokenize.TokenError
    (npy("(" * 5000), "not a valid .npy/.npz file"),
    (npy(header((2,)), version=(2, 0))[:-1] + b"\xff", "not a valid .npy/.npz file"),
], ids=["version", "keys", "negative-shape", "descr", "cut-signature", "cut-header",
        "unclosed-header", "nested-header", "binary-header"])
def test_a_malformed_header_is_a_clear_error(tmp_path, raw, match):
    refused(place(tmp_path, raw, "file"), match)


def test_a_version_3_header_still_loads(tmp_path):
    data = numpy.arange(3.0).astype([("名前", "<f8")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)    # "stored in format 3.0"
        numpy.save(tmp_path / "v3.npy", data)
    assert (tmp_path / "v3.npy").read_bytes()[6:8] == b"\x03\x00"
    loaded = ndio.load(tmp_path / "v3.npy")
    assert loaded.dtype == data.dtype
    assert loaded.asnumpy().tobytes() == data.tobytes()


# -- .npz members are read lazily ------------------------------------------------------------
def test_npz_members_are_read_when_accessed_and_then_kept(tmp_path, monkeypatch):
    numpy.savez(tmp_path / "s.npz", a=numpy.arange(3.0), b=numpy.ones(2))
    reads = []
    read_array = numpy.lib.format.read_array
    monkeypatch.setattr(numpy.lib.format, "read_array",
                        lambda *args, **kwargs: (reads.append(1), read_array(*args, **kwargs))[1])
    with ndio.load(tmp_path / "s.npz") as contents:
        assert contents.files == ["a", "b"] and len(contents) == 2 and "a" in contents
        assert "c" not in contents
        assert reads == []                                 # nothing read yet
        first = contents["a"]
        assert len(reads) == 1 and contents["a"] is first  # read once, then kept
        numpy.testing.assert_array_equal(first.asnumpy(), [0.0, 1.0, 2.0])
        assert dict(contents).keys() == {"a", "b"} and len(reads) == 2


def test_an_npz_from_an_open_stream_is_read_lazily_too():
    buffer = io.BytesIO()
    ndio.savez(buffer, w=np.arange(4.0))
    buffer.seek(0)
    contents = ndio.load(buffer)
    assert isinstance(contents, ndio.NpzArrays) and list(contents) == ["w"]
    numpy.testing.assert_array_equal(contents["w"].asnumpy(), numpy.arange(4.0))
    with pytest.raises(KeyError, match="'v' is not an array in .*it holds \\['w'\\]"):
        contents["v"]
    contents.close()
    assert not buffer.closed                      # the caller's stream stays the caller's


def test_a_bad_member_fails_only_when_it_is_read(tmp_path):
    with zipfile.ZipFile(tmp_path / "mixed.npz", "w") as archive:
        archive.writestr("good.npy", npy(header((2,)), numpy.ones(2).tobytes()))
        archive.writestr("bad.npy", npy(header((9,)), bytes(8)))
    contents = ndio.load(tmp_path / "mixed.npz")
    numpy.testing.assert_array_equal(contents["good"].asnumpy(), [1.0, 1.0])
    with pytest.raises(FileFormatError, match="member 'bad.npy' of .*mixed.npz.* truncated"):
        contents["bad"]


def test_the_npz_file_is_held_open_until_closed(tmp_path):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts open files through /proc")
    numpy.savez(tmp_path / "s.npz", a=numpy.ones(1), b=numpy.zeros(1))
    before = len(os.listdir("/proc/self/fd"))
    with ndio.load(tmp_path / "s.npz") as contents:
        assert len(os.listdir("/proc/self/fd")) == before + 1
        kept = contents["a"]
    assert len(os.listdir("/proc/self/fd")) == before
    assert contents["a"] is kept                  # what was read stays readable
    with pytest.raises(ValueError, match="closed and 'b' was not read before"):
        contents["b"]
    forgotten = ndio.load(tmp_path / "s.npz")
    del forgotten
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) == before      # garbage collection closes it


# -- zip bombs -------------------------------------------------------------------------------
def test_a_zip_bomb_member_is_refused_before_it_is_inflated(tmp_path):
    prefix = npy(header((1 << 27,)))                        # 1 GiB of float64 zeros
    data, crc = deflated_zeros(prefix, 1 << 30)
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_of("w.npy", data, crc=crc, size=len(prefix) + (1 << 30)))
    assert path.stat().st_size < 1.1e6                      # a 1 MB file...
    with zipfile.ZipFile(path) as archive:                  # ...that is a valid zip of a .npy
        assert archive.open("w.npy").read(len(prefix)) == prefix

    def load_it():
        ndio.load(path)["w"]
    peak = refused(load_it, r"would expand from \d+ to 1073741\d+ bytes, 10\d\d times, over "
                            "the limit of 1000 times .* zip bomb. .* max_expansion=math.inf")
    assert peak < 1 << 20                                   # ...must not allocate 1 GiB


def test_a_member_lying_about_its_size_is_refused(tmp_path):
    raw = npy(header((2,)), bytes(16))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(raw) + compressor.flush()
    (tmp_path / "lie.npz").write_bytes(zip_of("w.npy", data, crc=zlib.crc32(raw),
                                              size=2**32 - 2))
    refused(lambda: ndio.load(tmp_path / "lie.npz")["w"], "zip bomb")
    (tmp_path / "stored.npz").write_bytes(zip_of("w.npy", raw, crc=zlib.crc32(raw),
                                                 size=2**31, method=zipfile.ZIP_STORED))
    refused(lambda: ndio.load(tmp_path / "stored.npz")["w"],
            f"stored uncompressed, yet declares {2**31} bytes in {len(raw)}: .* corrupt")


def test_a_member_compressed_by_a_method_numpy_never_writes_is_refused(tmp_path):
    pytest.importorskip("bz2")
    with zipfile.ZipFile(tmp_path / "b.npz", "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("w.npy", npy(header((2,)), bytes(16)))
    refused(lambda: ndio.load(tmp_path / "b.npz")["w"],
            "zip method 12, but NumPy's savez .* write only stored or deflated")


def test_max_expansion_reads_a_trusted_highly_compressed_member(tmp_path, monkeypatch):
    monkeypatch.setattr(ndio, "_EXPANSION_ALLOWANCE", 1 << 20)   # not to need 64 MiB here
    ndio.savez_compressed(tmp_path / "zeros.npz", z=numpy.zeros(1 << 21))   # 16 MiB, ~1020x
    refused(lambda: ndio.load(tmp_path / "zeros.npz")["z"], "zip bomb")
    loaded = ndio.load(tmp_path / "zeros.npz", max_expansion=math.inf)["z"]
    assert loaded.shape == (1 << 21,) and not loaded.asnumpy().any()
    assert ndio.npx_load(tmp_path / "zeros.npz", max_expansion=math.inf)["z"].shape == (1 << 21,)
    with pytest.raises(ValueError, match="max_expansion must be a positive number"):
        ndio.load(tmp_path / "zeros.npz", max_expansion=-1)


# -- pickles stay refused --------------------------------------------------------------------
UNPICKLED = []


class Spy:
    """Unpickling it leaves a trace: a load that refuses pickles leaves none."""

    def __reduce__(self):
        return UNPICKLED.append, ("unpickled",)


@pytest.mark.parametrize("suffix", [".npy", ".npz"])
def test_pickled_objects_are_refused_without_being_unpickled(tmp_path, suffix):
    objects = numpy.array([Spy(), 1], dtype=object)
    path = tmp_path / f"o{suffix}"
    if suffix == ".npy":
        numpy.save(path, objects, allow_pickle=True)
    else:
        numpy.savez(path, o=objects, n=numpy.ones(1))
    UNPICKLED.clear()

    def load_it():
        contents = ndio.load(path)
        if suffix == ".npz":
            assert contents["n"].shape == (1,)     # the numeric member still reads
            contents["o"]
    refused(load_it, "holds Python objects \\(pickled data\\), which ndgrad never loads")
    with pytest.raises(FileFormatError, match="pickled"):
        ndio.npx_load(path)
    with pytest.raises(ValueError, match="never"):
        ndio.load(path, allow_pickle=True)
    assert UNPICKLED == []
