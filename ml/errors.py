"""The project's exceptions: one base, each paired with the builtin it refines."""


class CollabMLError(Exception):
    """Base of every error raised by the ml package."""


class FixedPointOverflow(CollabMLError, OverflowError):
    """A value does not fit the integer range its fixed-point encoding allows."""


class InvalidSample(CollabMLError, ValueError):
    """A sample the contracts would reject (empty, out of range, unsorted, wrong dimension)."""


class ComponentOutOfRange(InvalidSample):
    """Component `index` of a dense sample is `value` (fixed point), outside [-ONE, ONE]; the
    contract reverts with ComponentOutOfRange(index, value) for the same (first) component."""

    def __init__(self, index: int, value: int):
        super().__init__(f"component {index} = {value} is outside [-1e6, 1e6] (|x| <= 1.0)")
        self.index, self.value = index, value

    @property
    def contract_error(self) -> tuple[str, dict]:
        return "ComponentOutOfRange", {"index": self.index, "value": self.value}


class UnknownClassError(CollabMLError, ValueError):
    """A label outside the model's classes."""


class NotFittedError(CollabMLError, AttributeError):
    """A model used before it has parameters."""


class ParameterOverflow(FixedPointOverflow):
    """Parameter `index` would become `value`, outside its storage range. No model raises it
    any more (parameters saturate, as on chain); kept for callers that still catch it."""

    def __init__(self, index: int, value: int):
        super().__init__(f"parameter {index} would become {value}, outside its storage range")
        self.index, self.value = index, value

    @property
    def contract_error(self) -> tuple[str, dict]:
        return "ParameterOverflow", {"index": self.index, "value": self.value}


class ClassCountOverflow(FixedPointOverflow):
    """Class `label` already has as many samples as its counter holds. Updates no longer
    raise it (counts saturate); contracts refuse such initial counts at construction."""

    def __init__(self, label: int):
        super().__init__(f"class {label} has as many samples as its counter holds")
        self.label = label

    @property
    def contract_error(self) -> tuple[str, dict]:
        return "ClassCountOverflow", {"label": self.label}


class InvalidSpec(CollabMLError, ValueError):
    """An encoder spec that is malformed, of an unknown kind, or inconsistent with itself or
    with the installed model it names."""


class EncoderUnavailable(CollabMLError, ImportError):
    """An encoder needs an optional package (or its model files) that cannot be loaded."""


class DatasetNotFound(CollabMLError, FileNotFoundError):
    """A dataset file that does not exist."""


class InvalidDataset(CollabMLError, ValueError):
    """A dataset that cannot be used as asked: missing columns, empty cells, no tokens."""
