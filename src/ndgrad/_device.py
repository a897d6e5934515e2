"""Devices. ndgrad computes with NumPy, so the CPU is the only device that exists."""

from __future__ import annotations

from .errors import DeviceError


class Device:
    """A named device, printed as MXNet prints a context: ``cpu(0)``."""

    __slots__ = ("device_id", "device_type")

    def __init__(self, device_type: str = "cpu", device_id: int = 0) -> None:
        if device_type not in ("cpu", "gpu"):
            raise ValueError(f"unknown device type {device_type!r}; use 'cpu' or 'gpu'")
        self.device_type = device_type
        self.device_id = int(device_id)

    def __repr__(self) -> str:
        return f"{self.device_type}({self.device_id})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Device) and other.device_type == self.device_type
                and other.device_id == self.device_id)

    def __hash__(self) -> int:
        return hash((self.device_type, self.device_id))


def cpu(device_id: int = 0) -> Device:
    """The CPU, MXNet's ``mx.cpu()``."""
    return Device("cpu", device_id)


def gpu(device_id: int = 0) -> Device:
    """A GPU by number. It can be named, but arrays cannot be placed on it (see require_cpu)."""
    return Device("gpu", device_id)


def require_cpu(device: Device | str | None) -> Device:
    """Return the CPU device, or raise DeviceError for any device this machine lacks."""
    if device is None:
        return cpu()
    if isinstance(device, str):
        kind, _, number = device.partition(":")
        device = Device(kind, int(number or 0))
    if not isinstance(device, Device):
        raise TypeError(f"expected a device such as ndgrad.cpu(), got {type(device).__name__}")
    if device.device_type != "cpu" or device.device_id != 0:
        raise DeviceError(
            f"device {device} is not available: ndgrad computes with NumPy on the CPU only; "
            "use ndgrad.cpu() (the default)")
    return device
