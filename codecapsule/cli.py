"""What the management commands share about their command lines."""

from __future__ import annotations


def positive_int(value: str) -> int:
    """An argparse type: an integer of at least 1 (ValueError otherwise, which argparse reports with the name below)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(value)
    return number


positive_int.__name__ = "positive integer"  # how argparse names the type in its error message
