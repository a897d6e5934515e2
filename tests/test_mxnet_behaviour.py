"""MXNet 1.9.1 behaviour of ``np``/``npx``/``nd`` that the book's code relies on.

Every expected value in the tables below was obtained by running MXNet 1.9.1 (``mxnet==1.9.1``
with NumPy 1.23, numpy mode through ``npx.set_np()``, on the CPU) on the same inputs, and is
kept here as a literal: the tests need no MXNet. Where ndgrad deliberately differs from MXNet
(docs/api.md, semantics 23-27), the test says so and checks ndgrad's own behaviour.
"""

import math
import warnings

import numpy
import pytest

import ndgrad
from ndgrad import autograd, nd, np, npx
from ndgrad.testing import check_grads

# -- the values MXNet 1.9.1 gave -------------------------------------------------------------
# (label, NumPy source) -> (repr of np.array, str of np.array, repr of nd.array)
PRINTED = {
    ("float32 1-d", "numpy.array([1, 2, 0, 3], dtype='float32')"): (
        "array([1., 2., 0., 3.])",
        "[1. 2. 0. 3.]",
        ("\n[1. 2. 0. 3.]\n<NDArray 4 @cpu(0)>"),
    ),
    ("float32 fractions", "numpy.array([0.1, 2.5, -3.25], dtype='float32')"): (
        "array([ 0.1 ,  2.5 , -3.25])",
        "[ 0.1   2.5  -3.25]",
        ("\n[ 0.1   2.5  -3.25]\n<NDArray 3 @cpu(0)>"),
    ),
    ("float32 2-d", "numpy.arange(6, dtype='float32').reshape(2, 3)"): (
        ("array([[0., 1., 2.],\n       [3., 4., 5.]])"),
        ("[[0. 1. 2.]\n [3. 4. 5.]]"),
        ("\n[[0. 1. 2.]\n [3. 4. 5.]]\n<NDArray 2x3 @cpu(0)>"),
    ),
    ("float32 3-d", "numpy.arange(24, dtype='float32').reshape(2, 3, 4)"): (
        (
            "array([[[ 0.,  1.,  2.,  3.],\n"
            "        [ 4.,  5.,  6.,  7.],\n"
            "        [ 8.,  9., 10., 11.]],\n"
            "\n"
            "       [[12., 13., 14., 15.],\n"
            "        [16., 17., 18., 19.],\n"
            "        [20., 21., 22., 23.]]])"
        ),
        (
            "[[[ 0.  1.  2.  3.]\n"
            "  [ 4.  5.  6.  7.]\n"
            "  [ 8.  9. 10. 11.]]\n"
            "\n"
            " [[12. 13. 14. 15.]\n"
            "  [16. 17. 18. 19.]\n"
            "  [20. 21. 22. 23.]]]"
        ),
        (
            "\n"
            "[[[ 0.  1.  2.  3.]\n"
            "  [ 4.  5.  6.  7.]\n"
            "  [ 8.  9. 10. 11.]]\n"
            "\n"
            " [[12. 13. 14. 15.]\n"
            "  [16. 17. 18. 19.]\n"
            "  [20. 21. 22. 23.]]]\n"
            "<NDArray 2x3x4 @cpu(0)>"
        ),
    ),
    ("float32 0-d", "numpy.array(3, dtype='float32')"): (
        "array(3.)",
        "3.0",
        ("\n3.0\n<NDArray  @cpu(0)>"),
    ),
    ("float32 empty", "numpy.zeros((0,), dtype='float32')"): (
        "array([])",
        "[]",
        ("\n[]\n<NDArray 0 @cpu(0)>"),
    ),
    ("float32 empty 2-d", "numpy.zeros((2, 0), dtype='float32')"): (
        "array([], shape=(2, 0))",
        "[]",
        ("\n[]\n<NDArray 2x0 @cpu(0)>"),
    ),
    ("float32 small and large", "numpy.array([1e-5, 1.0], dtype='float32')"): (
        "array([1.e-05, 1.e+00])",
        "[1.e-05 1.e+00]",
        ("\n[1.e-05 1.e+00]\n<NDArray 2 @cpu(0)>"),
    ),
    ("float32 nan inf", "numpy.array([numpy.nan, numpy.inf, -numpy.inf, 1.0], dtype='float32')"): (
        "array([ nan,  inf, -inf,   1.])",
        "[ nan  inf -inf   1.]",
        ("\n[ nan  inf -inf   1.]\n<NDArray 4 @cpu(0)>"),
    ),
    ("float32 random", "numpy.random.RandomState(0).randn(3, 4).astype('float32')"): (
        (
            "array([[ 1.7640524 ,  0.4001572 ,  0.978738  ,  2.2408931 ],\n"
            "       [ 1.867558  , -0.9772779 ,  0.95008844, -0.1513572 ],\n"
            "       [-0.10321885,  0.41059852,  0.14404356,  1.4542735 ]])"
        ),
        (
            "[[ 1.7640524   0.4001572   0.978738    2.2408931 ]\n"
            " [ 1.867558   -0.9772779   0.95008844 -0.1513572 ]\n"
            " [-0.10321885  0.41059852  0.14404356  1.4542735 ]]"
        ),
        (
            "\n"
            "[[ 1.7640524   0.4001572   0.978738    2.2408931 ]\n"
            " [ 1.867558   -0.9772779   0.95008844 -0.1513572 ]\n"
            " [-0.10321885  0.41059852  0.14404356  1.4542735 ]]\n"
            "<NDArray 3x4 @cpu(0)>"
        ),
    ),
    ("float32 1001 elements", "numpy.arange(1001, dtype='float32')"): (
        "array([   0.,    1.,    2., ...,  998.,  999., 1000.])",
        "[   0.    1.    2. ...  998.  999. 1000.]",
        ("\n[   0.    1.    2. ...  998.  999. 1000.]\n<NDArray 1001 @cpu(0)>"),
    ),
    ("float32 40x50", "numpy.arange(2000, dtype='float32').reshape(40, 50)"): (
        (
            "array([[0.000e+00, 1.000e+00, 2.000e+00, ..., 4.700e+01, 4.800e+01,\n"
            "        4.900e+01],\n"
            "       [5.000e+01, 5.100e+01, 5.200e+01, ..., 9.700e+01, 9.800e+01,\n"
            "        9.900e+01],\n"
            "       [1.000e+02, 1.010e+02, 1.020e+02, ..., 1.470e+02, 1.480e+02,\n"
            "        1.490e+02],\n"
            "       ...,\n"
            "       [1.850e+03, 1.851e+03, 1.852e+03, ..., 1.897e+03, 1.898e+03,\n"
            "        1.899e+03],\n"
            "       [1.900e+03, 1.901e+03, 1.902e+03, ..., 1.947e+03, 1.948e+03,\n"
            "        1.949e+03],\n"
            "       [1.950e+03, 1.951e+03, 1.952e+03, ..., 1.997e+03, 1.998e+03,\n"
            "        1.999e+03]])"
        ),
        (
            "[[0.000e+00 1.000e+00 2.000e+00 ... 4.700e+01 4.800e+01 4.900e+01]\n"
            " [5.000e+01 5.100e+01 5.200e+01 ... 9.700e+01 9.800e+01 9.900e+01]\n"
            " [1.000e+02 1.010e+02 1.020e+02 ... 1.470e+02 1.480e+02 1.490e+02]\n"
            " ...\n"
            " [1.850e+03 1.851e+03 1.852e+03 ... 1.897e+03 1.898e+03 1.899e+03]\n"
            " [1.900e+03 1.901e+03 1.902e+03 ... 1.947e+03 1.948e+03 1.949e+03]\n"
            " [1.950e+03 1.951e+03 1.952e+03 ... 1.997e+03 1.998e+03 1.999e+03]]"
        ),
        (
            "\n"
            "[[0.000e+00 1.000e+00 2.000e+00 ... 4.700e+01 4.800e+01 4.900e+01]\n"
            " [5.000e+01 5.100e+01 5.200e+01 ... 9.700e+01 9.800e+01 9.900e+01]\n"
            " [1.000e+02 1.010e+02 1.020e+02 ... 1.470e+02 1.480e+02 1.490e+02]\n"
            " ...\n"
            " [1.850e+03 1.851e+03 1.852e+03 ... 1.897e+03 1.898e+03 1.899e+03]\n"
            " [1.900e+03 1.901e+03 1.902e+03 ... 1.947e+03 1.948e+03 1.949e+03]\n"
            " [1.950e+03 1.951e+03 1.952e+03 ... 1.997e+03 1.998e+03 1.999e+03]]\n"
            "<NDArray 40x50 @cpu(0)>"
        ),
    ),
    ("float64 1-d", "numpy.array([1, 2, 0, 3], dtype='float64')"): (
        "array([1., 2., 0., 3.], dtype=float64)",
        "[1. 2. 0. 3.]",
        ("\n[1. 2. 0. 3.]\n<NDArray 4 @cpu(0)>"),
    ),
    ("float64 0-d", "numpy.array(2.5)"): (
        "array(2.5, dtype=float64)",
        "2.5",
        ("\n2.5\n<NDArray  @cpu(0)>"),
    ),
    ("float64 empty", "numpy.zeros((0,))"): (
        "array([], dtype=float64)",
        "[]",
        ("\n[]\n<NDArray 0 @cpu(0)>"),
    ),
    ("float16 2-d", "numpy.arange(6, dtype='float16').reshape(2, 3)"): (
        ("array([[0., 1., 2.],\n       [3., 4., 5.]], dtype=float16)"),
        ("[[0. 1. 2.]\n [3. 4. 5.]]"),
        ("\n[[0. 1. 2.]\n [3. 4. 5.]]\n<NDArray 2x3 @cpu(0)>"),
    ),
    ("int32 1-d", "numpy.array([1, 2, 0, 3], dtype='int32')"): (
        "array([1, 2, 0, 3], dtype=int32)",
        "[1 2 0 3]",
        ("\n[1 2 0 3]\n<NDArray 4 @cpu(0)>"),
    ),
    ("int32 0-d", "numpy.array(3, dtype='int32')"): (
        "array(3, dtype=int32)",
        "3",
        ("\n3\n<NDArray  @cpu(0)>"),
    ),
    ("int32 empty", "numpy.zeros((0,), dtype='int32')"): (
        "array([], dtype=int32)",
        "[]",
        ("\n[]\n<NDArray 0 @cpu(0)>"),
    ),
    ("int64 2-d", "numpy.arange(6, dtype='int64').reshape(2, 3)"): (
        ("array([[0, 1, 2],\n       [3, 4, 5]], dtype=int64)"),
        ("[[0 1 2]\n [3 4 5]]"),
        ("\n[[0 1 2]\n [3 4 5]]\n<NDArray 2x3 @cpu(0)>"),
    ),
    ("int64 1200 elements", "numpy.arange(1200, dtype='int64')"): (
        "array([   0,    1,    2, ..., 1197, 1198, 1199], dtype=int64)",
        "[   0    1    2 ... 1197 1198 1199]",
        ("\n[   0    1    2 ... 1197 1198 1199]\n<NDArray 1200 @cpu(0)>"),
    ),
    ("int8 1-d", "numpy.array([1, -2], dtype='int8')"): (
        "array([ 1, -2], dtype=int8)",
        "[ 1 -2]",
        ("\n[ 1 -2]\n<NDArray 2 @cpu(0)>"),
    ),
    ("uint8 1-d", "numpy.array([1, 2], dtype='uint8')"): (
        "array([1, 2], dtype=uint8)",
        "[1 2]",
        ("\n[1 2]\n<NDArray 2 @cpu(0)>"),
    ),
    ("bool 1-d", "numpy.array([True, False, True])"): (
        "array([ True, False,  True])",
        "[ True False  True]",
        ("\n[ True False  True]\n<NDArray 3 @cpu(0)>"),
    ),
    ("bool 0-d", "numpy.array(True)"): (
        "array(True)",
        "True",
        ("\nTrue\n<NDArray  @cpu(0)>"),
    ),
    ("bool empty", "numpy.zeros((0,), dtype=bool)"): (
        "array([], dtype=bool)",
        "[]",
        ("\n[]\n<NDArray 0 @cpu(0)>"),
    ),
    ("bool 2-d", "numpy.array([[True, False], [False, True]])"): (
        ("array([[ True, False],\n       [False,  True]])"),
        ("[[ True False]\n [False  True]]"),
        ("\n[[ True False]\n [False  True]]\n<NDArray 2x2 @cpu(0)>"),
    ),
}
TOPK_DATA = [[3.0, 1.0, 4.0, 1.0], [5.0, 9.0, 2.0, 6.0], [5.0, 3.0, 5.0, 8.0]]
# topk's keyword arguments -> (dtype, values) of each result
TOPK = [
    ({}, ("float32", [[2.0], [1.0], [3.0]])),
    ({"k": 2}, ("float32", [[2.0, 0.0], [1.0, 3.0], [3.0, 0.0]])),
    ({"k": 2, "ret_typ": "value"}, ("float32", [[4.0, 3.0], [9.0, 6.0], [8.0, 5.0]])),
    (
        {"k": 2, "ret_typ": "both"},
        [
            ("float32", [[4.0, 3.0], [9.0, 6.0], [8.0, 5.0]]),
            ("float32", [[2.0, 0.0], [1.0, 3.0], [3.0, 0.0]]),
        ],
    ),
    (
        {"k": 2, "ret_typ": "mask"},
        ("float32", [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]]),
    ),
    (
        {"k": 2, "is_ascend": True, "ret_typ": "both"},
        [
            ("float32", [[1.0, 1.0], [2.0, 5.0], [3.0, 5.0]]),
            ("float32", [[1.0, 3.0], [2.0, 0.0], [1.0, 0.0]]),
        ],
    ),
    (
        {"axis": 0, "k": 2, "ret_typ": "both"},
        [
            ("float32", [[5.0, 9.0, 5.0, 8.0], [5.0, 3.0, 4.0, 6.0]]),
            ("float32", [[1.0, 1.0, 2.0, 2.0], [2.0, 2.0, 0.0, 1.0]]),
        ],
    ),
    (
        {"axis": None, "k": 3, "ret_typ": "both"},
        [("float32", [9.0, 8.0, 6.0]), ("float32", [5.0, 11.0, 7.0])],
    ),
    (
        {"axis": None, "k": 3, "ret_typ": "mask"},
        ("float32", [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0]]),
    ),
    (
        {"k": 0, "ret_typ": "both"},
        [
            ("float32", [[4.0, 3.0, 1.0, 1.0], [9.0, 6.0, 5.0, 2.0], [8.0, 5.0, 5.0, 3.0]]),
            ("float32", [[2.0, 0.0, 1.0, 3.0], [1.0, 3.0, 0.0, 2.0], [3.0, 0.0, 2.0, 1.0]]),
        ],
    ),
    (
        {"k": -1, "ret_typ": "indices"},
        ("float32", [[2.0, 0.0, 1.0, 3.0], [1.0, 3.0, 0.0, 2.0], [3.0, 0.0, 2.0, 1.0]]),
    ),
    ({"k": 4, "dtype": "int32"}, ("int32", [[2, 0, 1, 3], [1, 3, 0, 2], [3, 0, 2, 1]])),
    ({"k": 2, "dtype": "int64"}, ("int64", [[2, 0], [1, 3], [3, 0]])),
    ({"k": 2, "dtype": "float16"}, ("float16", [[2.0, 0.0], [1.0, 3.0], [3.0, 0.0]])),
    ({"k": 2, "dtype": "uint8"}, ("uint8", [[2, 0], [1, 3], [3, 0]])),
    ({"axis": -2, "k": 1, "ret_typ": "value"}, ("float32", [[5.0, 9.0, 5.0, 8.0]])),
    ({"k": 2, "is_ascend": 1}, ("float32", [[1.0, 3.0], [2.0, 0.0], [1.0, 0.0]])),
]
TOPK_TIES_DATA = [1.0, 2.0, 2.0, 2.0, 0.0, 2.0]
TOPK_TIES = [
    ({"k": 3, "ret_typ": "both"}, [("float32", [2.0, 2.0, 2.0]), ("float32", [1.0, 2.0, 3.0])]),
    (
        {"k": 3, "ret_typ": "both", "is_ascend": True},
        [("float32", [0.0, 1.0, 2.0]), ("float32", [4.0, 0.0, 1.0])],
    ),
    (
        {"k": 6, "ret_typ": "both"},
        [("float32", [2.0, 2.0, 2.0, 2.0, 1.0, 0.0]), ("float32", [1.0, 2.0, 3.0, 5.0, 0.0, 4.0])],
    ),
]
TOPK_INT = [("int32", [3, 2]), ("float32", [0.0, 2.0])], ("int32", [1, 0, 1])
# sequence_mask of arange(24).reshape(4, 2, 3) (axis 0) or (2, 4, 3) (axis 1)
SEQUENCE_MASK = [
    (
        [2.0, 3.0],
        {},
        0,
        (
            "float32",
            [
                [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
                [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]],
                [[0.0, 0.0, 0.0], [15.0, 16.0, 17.0]],
                [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
            ],
        ),
    ),
    (
        [2.0, 3.0],
        {"value": -1},
        0,
        (
            "float32",
            [
                [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
                [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]],
                [[-1.0, -1.0, -1.0], [15.0, 16.0, 17.0]],
                [[-1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]],
            ],
        ),
    ),
    (
        [7.0, 2.0],
        {},
        0,
        (
            "float32",
            [
                [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
                [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]],
                [[12.0, 13.0, 14.0], [0.0, 0.0, 0.0]],
                [[18.0, 19.0, 20.0], [0.0, 0.0, 0.0]],
            ],
        ),
    ),
    (
        [1, 2],
        {},
        0,
        (
            "float32",
            [
                [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
                [[0.0, 0.0, 0.0], [9.0, 10.0, 11.0]],
                [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
            ],
        ),
    ),
    (
        [0.0, 4.0],
        {},
        0,
        (
            "float32",
            [
                [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]],
                [[0.0, 0.0, 0.0], [9.0, 10.0, 11.0]],
                [[0.0, 0.0, 0.0], [15.0, 16.0, 17.0]],
                [[0.0, 0.0, 0.0], [21.0, 22.0, 23.0]],
            ],
        ),
    ),
    (
        [1.0, 4.0],
        {},
        1,
        (
            "float32",
            [
                [[0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                [[12.0, 13.0, 14.0], [15.0, 16.0, 17.0], [18.0, 19.0, 20.0], [21.0, 22.0, 23.0]],
            ],
        ),
    ),
]
SEQUENCE_MASK_DEFAULT = (
    "float32",
    [
        [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
        [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]],
        [[12.0, 13.0, 14.0], [15.0, 16.0, 17.0]],
        [[18.0, 19.0, 20.0], [21.0, 22.0, 23.0]],
    ],
)
PICK_DATA = [[0.1, 0.2, 0.7], [0.3, 0.5, 0.2]]
PICK = [
    ([2.0, 0.0], {}, ("float32", [0.699999988079071, 0.30000001192092896])),
    ([2, 0], {}, ("float32", [0.699999988079071, 0.30000001192092896])),
    ([2.0, 0.0], {"keepdims": True}, ("float32", [[0.699999988079071], [0.30000001192092896]])),
    ([0.0, 1.0, 2.0], {"axis": 0}, ("float32", [0.10000000149011612, 0.5, 0.20000000298023224])),
    ([3.0, -1.0], {}, ("float32", [0.699999988079071, 0.30000001192092896])),
    ([3.0, -1.0], {"mode": "wrap"}, ("float32", [0.10000000149011612, 0.20000000298023224])),
    ([2.0, 0.0], {"axis": 1}, ("float32", [0.699999988079071, 0.30000001192092896])),
]
ONE_HOT = [
    (
        [1.0, 0.0, 2.0],
        {"depth": 3},
        ("float32", [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
    ),
    ([1, 0, 2], {"depth": 3}, ("float32", [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])),
    (
        [1.0, 5.0, -1.0],
        {"depth": 3},
        ("float32", [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    ),
    (
        [1.0, 0.0],
        {"depth": 3, "on_value": 5, "off_value": -1},
        ("float32", [[-1.0, 5.0, -1.0], [5.0, -1.0, -1.0]]),
    ),
    ([1.0, 0.0], {"depth": 3, "dtype": "int32"}, ("int32", [[0, 1, 0], [1, 0, 0]])),
    ([[1.0, 0.0]], {"depth": 2}, ("float32", [[[0.0, 1.0], [1.0, 0.0]]])),
    ([1.0, 0.0], {"depth": 0}, ("float32", [[], []])),
]
BATCH_DOT_A = [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [[6.0, 7.0, 8.0], [9.0, 10.0, 11.0]]]
BATCH_DOT = [
    ({}, ("float32", [[[10.0, 13.0], [28.0, 40.0]], [[172.0, 193.0], [244.0, 274.0]]])),
    (
        {"transpose_a": True},
        (
            "float32",
            [
                [[9.0, 12.0, 15.0], [12.0, 17.0, 22.0], [15.0, 22.0, 29.0]],
                [[117.0, 132.0, 147.0], [132.0, 149.0, 166.0], [147.0, 166.0, 185.0]],
            ],
        ),
    ),
    (
        {"transpose_b": True},
        ("float32", [[[5.0, 14.0], [14.0, 50.0]], [[149.0, 212.0], [212.0, 302.0]]]),
    ),
]
Y_HAT = [[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]]
FLOAT_INDEX = {
    "range, labels": ("float32", [0.10000000149011612, 0.5]),
    "arange, labels": ("float32", [0.10000000149011612, 0.5]),
    ":, labels": (
        "float32",
        [[0.10000000149011612, 0.6000000238418579], [0.30000001192092896, 0.5]],
    ),
    "negative": (
        "float32",
        [[0.6000000238418579, 0.10000000149011612], [0.5, 0.30000001192092896]],
    ),
    "0-d": ("float32", [0.30000001192092896, 0.20000000298023224, 0.5]),
    "float64 list": (
        "float32",
        [
            [0.30000001192092896, 0.20000000298023224, 0.5],
            [0.10000000149011612, 0.30000001192092896, 0.6000000238418579],
        ],
    ),
    "float16": ("float32", [0.30000001192092896, 0.5]),
    "set range, labels": (
        "float32",
        [
            [9.0, 0.30000001192092896, 0.6000000238418579],
            [0.30000001192092896, 0.20000000298023224, 9.0],
        ],
    ),
    "set :, labels": (
        "float32",
        [[9.0, 0.30000001192092896, 9.0], [9.0, 0.20000000298023224, 9.0]],
    ),
    "grad of cross-entropy": ("float32", [[-10.0, 0.0, 0.0], [0.0, 0.0, -2.0]]),
    "grad of repeated": ("float32", [[4.0, 0.0, 2.0], [4.0, 0.0, 2.0]]),
}

# (input shape, newshape, reverse) -> the shape MXNet 1.9.1's npx.reshape gave
NPX_RESHAPES = {
    ((2, 3, 4), (-2, -2, 2, -1), False): (2, 3, 2, 2),
    ((2, 3, 4), (-5, -4), False): (6, 4),
    ((2, 3, 4), (-6, 1, -1, -4), False): (1, 2, 3, 4),
    ((2, 3, 4), (-6, -1, 2, -4), False): (1, 2, 3, 4),
    ((2, 3, 4), (-2, -1), True): (3, 8),
    ((2, 3, 4), (-1, -2), True): (6, 4),
    ((2, 3, 4), (-5, -2), True): (6, 4),
    ((2, 3, 4), (-2, -6, 3, 1, -1), False): (2, 3, 1, 4),
    ((2, 3, 4), (-1, 6), True): (4, 6),
    ((2, 3, 4), (2, -1, 4), False): (2, 3, 4),
    ((2, 3, 4), (-1,), False): (24,),
    ((2, 3, 4), (-4,), False): (2, 3, 4),
    ((1, 3, 1, 2), (-3, -2, -3, -2), False): (3, 2),
    ((1, 3, 1, 2), (-3, -1), False): (6,),
    ((2, 3, 4), (-4, 1, 1), False): (2, 3, 4, 1, 1),
    ((2, 3, 4), (-2, -5, 1), False): (2, 12, 1),
    ((2, 0, 3), (-2, -1, 3), False): (2, 0, 3),
}
# what MXNet 1.9.1 refused (an MXNetError each; ndgrad raises ValueError)
NPX_RESHAPE_ERRORS = [
    ((2, 3, 8), (-3, -4), False),          # -3 drops only a dimension of size 1
    ((2, 3, 8), (0, -1), False),           # 0 is a size: nothing left for -1
    ((2, 3, 8), (-1, -1), False),          # one -1 at most
    ((2, 3, 8), (-7,), False),             # no code below -6
    ((2, 3, 8), (-2, -2, -2, -2), False),  # more copies than dimensions
    ((2, 3, 8), (4, -4), False),           # 96 elements, not 48
    ((2, 3, 8), (-6, 2, -1, -4), True),    # read from the right, -6's sizes are missing
    ((1, 3, 1, 2), (-2, -3, -4), True),
]
# (input shape, shape, reverse) -> the shape MXNet 1.9.1's nd.reshape (legacy codes) gave
ND_RESHAPES = {
    ((2, 3, 4), (0, 0, 2, -1), False): (2, 3, 2, 2),
    ((2, 3, 4), (-3, -2), False): (6, 4),
    ((2, 3, 4), (-4, 1, -1, -2), False): (1, 2, 3, 4),
    ((2, 3, 4), (-4, -1, 2, -2), False): (1, 2, 3, 4),
    ((2, 3, 4), (0, -1), True): (3, 8),
    ((2, 3, 4), (-1, 0), True): (6, 4),
    ((2, 3, 4), (2, -1, 4), False): (2, 3, 4),
    ((2, 3, 4), (-2,), False): (2, 3, 4),
    ((2, 3, 4), (-3, -1), False): (6, 4),
    ((2, 3, 4), (0, -3), False): (2, 12),
    ((2, 3, 4), (-3, 0), True): (6, 4),
    ((2, 3, 4), (-1,), False): (24,),
    ((2, 3, 4), (0, 3, -1), True): (2, 3, 4),
    ((2, 3, 4), (-2, 1), False): (2, 3, 4, 1),
    ((2, 3, 4), (4, 0, -1), False): (4, 3, 2),
}
# input shape -> the shape MXNet 1.9.1's npx.batch_flatten and nd.flatten gave
BATCH_FLATTEN = {(2, 3, 4): (2, 12), (5,): (5, 1), (3, 1): (3, 1), (0, 3): (0, 3),
                 (2, 0, 3): (2, 0)}


def values(result):
    """(dtype name, nested lists) of an array, or a list of them: the tables' form."""
    if isinstance(result, list):
        return [values(part) for part in result]
    return (str(result.dtype), result.asnumpy().tolist())


def assert_values(result, expected):
    if isinstance(expected, list):
        assert isinstance(result, list) and len(result) == len(expected)
        for part, want in zip(result, expected):
            assert_values(part, want)
        return
    dtype, data = values(result)
    assert dtype == expected[0]
    numpy.testing.assert_allclose(numpy.array(data, dtype=float),
                                  numpy.array(expected[1], dtype=float), rtol=1e-6)


# -- 1. npx's device and namespace helpers ---------------------------------------------------
def test_devices_and_waitall_are_mxnets():
    assert npx.num_gpus() == 0
    assert str(npx.cpu()) == "cpu(0)" and repr(npx.gpu(0)) == "gpu(0)"
    assert str(npx.gpu(1)) == "gpu(1)" and npx.cpu() == npx.cpu(0)
    assert npx.waitall() is None and nd.waitall is npx.waitall


# -- npx.reshape and nd.reshape: MXNet's special codes ---------------------------------------
@pytest.mark.parametrize(("source", "codes", "reverse"), list(NPX_RESHAPES))
def test_npx_reshape_reads_the_codes_as_mxnet(source, codes, reverse):
    x = np.array(numpy.arange(math.prod(source), dtype="float32").reshape(source))
    y = npx.reshape(x, codes, reverse=reverse)
    assert y.shape == NPX_RESHAPES[source, codes, reverse]
    numpy.testing.assert_array_equal(y.asnumpy().reshape(-1), x.asnumpy().reshape(-1))


@pytest.mark.parametrize(("source", "codes", "reverse"), NPX_RESHAPE_ERRORS)
def test_npx_reshape_refuses_what_mxnet_refuses(source, codes, reverse):
    with pytest.raises(ValueError, match="npx.reshape"):
        npx.reshape(np.zeros(source), codes, reverse=reverse)


@pytest.mark.parametrize(("source", "codes", "reverse"), list(ND_RESHAPES))
def test_nd_reshape_and_the_ndarray_method_read_the_legacy_codes(source, codes, reverse):
    x = nd.zeros(source)
    expected = ND_RESHAPES[source, codes, reverse]
    assert nd.reshape(x, codes, reverse=reverse).shape == expected
    assert x.reshape(codes, reverse=reverse).shape == expected
    assert x.reshape(shape=codes, reverse=reverse).shape == expected
    assert x.reshape(*codes, reverse=reverse).shape == expected
    assert type(x.reshape(codes, reverse=reverse)) is nd.NDArray


def test_reshape_codes_keep_the_gradient():
    x = nd.array(numpy.arange(24.0).reshape(2, 3, 4))
    x.attach_grad()
    with autograd.record():
        y = (x.reshape(0, -1) * nd.array(numpy.arange(24.0).reshape(2, 12))).sum()
    y.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), numpy.arange(24.0).reshape(2, 3, 4))
    check_grads(lambda a: npx.reshape(a, (-5, -6, 2, 2)) ** 2,
                [np.array(numpy.random.default_rng(0).standard_normal((2, 3, 4)))])


def test_np_reshape_keeps_numpys_meaning():
    # as MXNet's numpy mode: 0 is a size there, not "copy"
    with pytest.raises(ValueError):
        np.zeros((2, 3, 4)).reshape(0, -1)
    with pytest.raises(ValueError):
        np.zeros((2, 3, 4)).reshape(-2, -1)


# -- npx.batch_flatten, nd.flatten -----------------------------------------------------------
@pytest.mark.parametrize("source", list(BATCH_FLATTEN))
def test_batch_flatten_keeps_the_batch_axis(source):
    expected = BATCH_FLATTEN[source]
    assert npx.batch_flatten(np.ones(source)).shape == expected
    for flat in (nd.flatten(nd.ones(source)), nd.Flatten(nd.ones(source)),
                 nd.ones(source).flatten()):
        assert flat.shape == expected and type(flat) is nd.NDArray
    assert np.ones(source).flatten().shape == (math.prod(source),)   # NumPy's flatten


def test_batch_flatten_refuses_a_0d_array():
    with pytest.raises(ValueError, match="0-d"):
        npx.batch_flatten(np.ones(()))


# -- npx.batch_dot ----------------------------------------------------------------------------
@pytest.mark.parametrize(("options", "expected"), BATCH_DOT)
def test_batch_dot_values(options, expected):
    a = np.array(BATCH_DOT_A)
    other = a if options else np.array(numpy.array(BATCH_DOT_A, dtype="float32").reshape(2, 3, 2))
    assert_values(npx.batch_dot(a, other, **options), expected)


@pytest.mark.parametrize(("a", "b", "message"), [
    ((2, 3), (3, 2), "at least 3"),            # MXNet: only N-D x N-D, N >= 3
    ((2, 2, 2, 3), (2, 3, 2), "at least 3"),
    ((2, 2, 3), (3, 3, 2), "batch dimensions"),
    ((1, 2, 3), (3, 3, 2), "batch dimensions"),  # no broadcasting, as MXNet
    ((2, 2, 3), (2, 4, 2), "cannot be multiplied"),
])
def test_batch_dot_refuses_what_mxnet_refuses(a, b, message):
    with pytest.raises(ValueError, match=message):
        npx.batch_dot(np.ones(a), np.ones(b))


# -- npx.topk ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("options", "expected"), TOPK, ids=[str(o) for o, _ in TOPK])
def test_topk_values(options, expected):
    assert_values(npx.topk(np.array(TOPK_DATA), **options), expected)


@pytest.mark.parametrize(("options", "expected"), TOPK_TIES)
def test_topk_ties_keep_their_order(options, expected):
    assert_values(npx.topk(np.array(TOPK_TIES_DATA), **options), expected)


def test_topk_of_integers():
    data = np.array([3, 1, 2], dtype="int32")
    assert_values(npx.topk(data, k=2, ret_typ="both"), TOPK_INT[0])
    assert_values(npx.topk(data, k=2, ret_typ="mask"), TOPK_INT[1])


@pytest.mark.parametrize(("options", "error"), [
    ({"k": 5}, ValueError), ({"k": 2, "ret_typ": "foo"}, ValueError),
    ({"axis": 2}, numpy.exceptions.AxisError), ({"k": 2.0}, TypeError),
    ({"k": True}, TypeError), ({"k": 2, "is_ascend": "yes"}, TypeError),
    ({"k": 2, "dtype": "bool"}, TypeError),
])
def test_topk_refuses_what_mxnet_refuses(options, error):
    with pytest.raises(error):
        npx.topk(np.array(TOPK_DATA), **options)


def test_topk_values_gradient_flows_to_the_chosen_elements():
    x = np.array(TOPK_DATA)
    x.attach_grad()
    with autograd.record():
        y = npx.topk(x, k=2, ret_typ="value")
    y.backward(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    # row 0 [3 1 4 1]: 4 then 3; row 1 [5 9 2 6]: 9 then 6; row 2 [5 3 5 8]: 8, then a tie
    # of two 5s, whose gradient ndgrad shares between them, as np.sort's (differs: MXNet
    # 1.9.1 gives all of it to the first 5, [6, 0, 0, 5]); untied elements as MXNet
    numpy.testing.assert_array_equal(
        x.grad.asnumpy(), [[2, 0, 1, 0], [0, 3, 0, 4], [3, 0, 3, 5]])


# -- npx.sequence_mask, npx.pick, npx.one_hot -------------------------------------------------
@pytest.mark.parametrize(("lengths", "options", "axis", "expected"), SEQUENCE_MASK)
def test_sequence_mask_values(lengths, options, axis, expected):
    shape = (4, 2, 3) if axis == 0 else (2, 4, 3)
    data = np.array(numpy.arange(24, dtype="float32").reshape(shape))
    dtype = "int32" if isinstance(lengths[0], int) else "float32"
    result = npx.sequence_mask(data, np.array(lengths, dtype=dtype), use_sequence_length=True,
                               axis=axis, **options)
    assert_values(result, expected)


def test_sequence_mask_without_lengths_masks_nothing():
    data = np.array(numpy.arange(24, dtype="float32").reshape(4, 2, 3))
    assert_values(npx.sequence_mask(data), SEQUENCE_MASK_DEFAULT)


@pytest.mark.parametrize(("index", "options", "expected"), PICK)
def test_pick_values(index, options, expected):
    assert_values(npx.pick(np.array(PICK_DATA), np.array(index), **options), expected)


@pytest.mark.parametrize(("index", "options", "expected"), ONE_HOT)
def test_one_hot_values(index, options, expected):
    assert_values(npx.one_hot(np.array(index), **options), expected)


# -- 2. printing ------------------------------------------------------------------------------
@pytest.mark.parametrize(("label", "source"), list(PRINTED), ids=[k[0] for k in PRINTED])
def test_arrays_print_as_mxnet(label, source):
    a = eval(source)   # the literal NumPy expressions of the table
    np_repr, np_str, nd_repr = PRINTED[label, source]
    x = np.array(a, dtype=a.dtype)
    y = nd.array(a, dtype=a.dtype)
    assert repr(x) == np_repr
    assert str(x) == np_str
    assert repr(y) == nd_repr
    assert str(y) == nd_repr     # MXNet's str of an NDArray is its repr, leading newline too


def test_summarised_beyond_1000_elements():
    assert "..." not in repr(np.arange(1000)) and "..." not in repr(nd.arange(1000))
    assert "..." in repr(np.arange(1001)) and "..." in repr(nd.arange(1001))


def test_format_of_arrays():
    x = np.array([1.0, 2.0])
    assert f"{x}" == "[1. 2.]" and f"{x!r}" == "array([1., 2.])"
    assert f"{np.array(3.14159):.2f}" == "3.14"
    with pytest.raises(TypeError):   # MXNet: TypeError too
        f"{np.array([3.14159]):.2f}"


# -- 3. Python scalars from arrays ------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
@pytest.mark.parametrize("module", [np, nd])
def test_an_array_of_one_element_converts(shape, dtype, module):
    value = 2.5 if dtype.startswith("float") else 1
    a = module.array(numpy.full(shape, value).astype(dtype), dtype=dtype)
    expected = float(numpy.array(value).astype(dtype))
    assert float(a) == expected and type(float(a)) is float
    assert int(a) == int(expected) and type(int(a)) is int
    assert bool(a) is True
    assert complex(a) == complex(expected)
    assert bool(module.zeros(shape)) is False
    assert int(module.array([-2.7])) == -2      # towards zero, as MXNet


@pytest.mark.parametrize("shape", [(2,), (2, 2)])
@pytest.mark.parametrize("module", [np, nd])
def test_an_array_of_more_elements_refuses_to_convert(shape, module):
    a = module.ones(shape)
    for convert in (float, int, complex):     # MXNet: TypeError (np); nd refuses any size
        with pytest.raises(TypeError, match="one element"):
            convert(a)
    with pytest.raises(ValueError, match="ambiguous"):     # MXNet: ValueError, "ambiguous"
        bool(a)


def test_an_empty_array_has_no_truth_value():
    # differs: MXNet 1.9.1 gives False; ndgrad raises, as NumPy 2
    with pytest.raises(ValueError, match="empty"):
        bool(np.zeros((0,)))


# -- 4. float arrays as indices ---------------------------------------------------------------
def test_whole_float_arrays_index_as_mxnet():
    y_hat = np.array(Y_HAT)
    labels = np.array([0.0, 2.0])
    assert_values(y_hat[range(2), labels], FLOAT_INDEX["range, labels"])
    assert_values(y_hat[np.arange(2), labels], FLOAT_INDEX["arange, labels"])
    assert_values(y_hat[:, labels], FLOAT_INDEX[":, labels"])
    assert_values(y_hat[:, np.array([-1.0, 0.0])], FLOAT_INDEX["negative"])
    assert_values(y_hat[np.array(1.0)], FLOAT_INDEX["0-d"])
    assert_values(y_hat[[1.0, 0.0]], FLOAT_INDEX["float64 list"])
    assert_values(y_hat[np.array([0, 1], dtype="float16"), np.array([1, 2], dtype="float16")],
                  FLOAT_INDEX["float16"])
    assert_values(nd.array(Y_HAT)[nd.array([1.0, 0.0]), nd.array([2.0, 0.0])],
                  ("float32", [0.5, 0.1]))


def test_whole_float_arrays_write_as_mxnet():
    z = np.array(Y_HAT)
    z[range(2), np.array([0.0, 2.0])] = 9
    assert_values(z, FLOAT_INDEX["set range, labels"])
    z = np.array(Y_HAT)
    z[:, np.array([0.0, 2.0])] = 9
    assert_values(z, FLOAT_INDEX["set :, labels"])
    z = np.array(Y_HAT).at[:, np.array([0.0, 2.0])].set(9)
    assert_values(z, FLOAT_INDEX["set :, labels"])


def test_float_indices_carry_gradients():
    x = np.array(Y_HAT)
    x.attach_grad()
    with autograd.record():
        loss = -np.log(x[range(2), np.array([0.0, 2.0])]).sum()    # the book's cross-entropy
    loss.backward()
    assert_values(x.grad, FLOAT_INDEX["grad of cross-entropy"])
    with autograd.record():
        y = (x[:, np.array([0.0, 0.0, 2.0])] * 2).sum()
    y.backward()
    assert_values(x.grad, FLOAT_INDEX["grad of repeated"])
    check_grads(lambda a: a[np.arange(2), np.array([2.0, 0.0])] ** 2,
                [np.array(numpy.array(Y_HAT))])


@pytest.mark.parametrize("bad", [[0.5, 1.0], [float("nan"), 0.0], [float("inf"), 0.0]])
def test_a_fractional_float_index_is_an_index_error(bad):
    # differs: MXNet truncates 0.5 to 0 silently (and NaN to -2**31)
    y_hat = np.array(Y_HAT)
    with pytest.raises(IndexError, match="whole numbers"):
        y_hat[:, np.array(bad)]
    with pytest.raises(IndexError, match="whole numbers"):
        y_hat[:, np.array(bad)] = 0
    with pytest.raises(IndexError, match="out of bounds"):
        y_hat[:, np.array([1e30])]


def test_boolean_masks_and_other_indices_keep_numpys_meaning():
    y_hat = np.array(Y_HAT)
    # differs: MXNet 1.9.1 reads a boolean array as the integers 0 and 1
    assert y_hat[np.array([True, False])].shape == (1, 3)
    assert y_hat[:, np.array([True, False, True])].shape == (2, 2)
    with pytest.raises(IndexError):     # a Python float is no index (MXNet: ValueError)
        y_hat[1.0]
    with pytest.raises(TypeError):      # np.take keeps NumPy's rule (MXNet takes floats)
        np.take(y_hat, np.array([0.0, 2.0]), axis=1)


def test_ndgrad_is_importable_as_mx():
    assert ndgrad.nd.array([1, 2]).context == ndgrad.cpu()


def test_round_of_an_array_is_an_array_as_in_mxnet():
    # MXNet 1.9.1: round(np.array(2.6)) -> array(3.), round(np.array(2.567), 1) -> array(2.6),
    # round(np.array([2.6, 1.2])) -> array([3., 1.])
    assert repr(round(np.array(2.6))) == "array(3.)"
    assert repr(round(np.array(2.567), 1)) == "array(2.6)"
    assert repr(round(np.array([2.6, 1.2]))) == "array([3., 1.])"


def test_pick_takes_an_index_that_keeps_the_axis_and_whole_floats():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    # MXNet 1.9.1: npx.pick(x, np.array([[0], [1]]), axis=1) -> [1. 4.]
    assert npx.pick(x, np.array([[0], [1]]), axis=1).tolist() == [1.0, 4.0]
    assert npx.pick(x, np.array([0.0, 1.0]), axis=1).tolist() == [1.0, 4.0]
    with pytest.raises(IndexError, match="whole numbers"):
        npx.pick(x, np.array([0.5, 1.0]), axis=1)


def test_sigmoid_of_nan_is_nan_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert numpy.isnan(npx.sigmoid(np.array([numpy.nan])).asnumpy()).all()
