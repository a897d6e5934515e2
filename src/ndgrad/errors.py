"""The exceptions only ndgrad raises.

Each also subclasses the builtin a user would expect, so ``except RuntimeError`` keeps working.
Where NumPy would raise, ndgrad raises NumPy's type (ValueError, TypeError, AxisError) instead.
"""

from __future__ import annotations


class NdgradError(Exception):
    """Base class for errors only ndgrad raises."""


class NotRecordedError(NdgradError, RuntimeError):
    """backward() was called on an array with no recorded history."""


class GraphReleasedError(NdgradError, RuntimeError):
    """The graph was already used by a backward pass and its saved values are released."""


class InPlaceModifiedError(NdgradError, RuntimeError):
    """An array the graph needs was modified in place."""


class GradientLostError(NdgradError, RuntimeError):
    """An array being differentiated was turned into NumPy data or a Python number (asnumpy,
    item, float, numpy.asarray ...): its gradient would be lost."""


class NoDerivativeError(NdgradError, NotImplementedError):
    """This primitive is declared without a derivative for that argument."""


class DeviceError(NdgradError, RuntimeError):
    """The requested device does not exist on this machine."""


class FileFormatError(NdgradError, ValueError):
    """A file that np.load / npx.load cannot read: not .npy/.npz, truncated, or pickled."""


class AnomalyError(NdgradError, FloatingPointError):
    """autograd.detect_anomaly() found a NaN or inf: it names the op and the source line."""
