"""The project's exceptions: one base, each paired with the builtin it refines."""


class CollabMLError(Exception):
    """Base of every error raised by the ml package."""


class FixedPointOverflow(CollabMLError, OverflowError):
    """A value does not fit the integer range its fixed-point encoding allows."""


class InvalidSample(CollabMLError, ValueError):
    """A sample the contracts would reject (empty, out of range, unsorted, wrong dimension)."""


class UnknownClassError(CollabMLError, ValueError):
    """A label outside the model's classes."""


class NotFittedError(CollabMLError, AttributeError):
    """A model used before it has parameters."""
