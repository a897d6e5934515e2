"""Joining and splitting: concatenate, stack, split and their relatives; tile, repeat, pad."""

from __future__ import annotations
