"""What every encoder shares: the fit / encode API, the contract's sample representation, and the
public spec whose hash a model records on chain.

Everyone who talks to a model must turn raw data into samples exactly as its owner did, so an
encoder is described completely by its *spec*: a JSON object with the encoder's kind, its
hyperparameters and everything it learned in `fit` (a vocabulary, per-feature statistics, the
model weights' digest). The spec is serialised canonically (`canonical_json`: RFC 8785 / JCS for
the values specs use: keys sorted, no whitespace, numbers as ECMAScript prints them) and
`spec_hash` is the keccak256 of those UTF-8 bytes, so any language can recompute it.

Samples come out in the contracts' representation (see `ml.packing`): for a sparse encoder the
strictly increasing uint16 indices of the present features, for a dense one int32 fixed-point
values (ONE = 1e6, rounded half away from zero as `ml.fixed_point.to_fixed`).
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
from eth_utils import keccak

from ml.errors import FixedPointOverflow, InvalidSample, InvalidSpec
from ml.fixed_point import INT32_MAX, INT32_MIN, ONE, to_fixed

#: Version of the spec layout; bump it when the meaning of a field changes.
SPEC_VERSION = 1

_ENCODERS: dict[str, type[Encoder]] = {}


class Encoder(ABC):
    """Base of the encoders: raw data in, the contract's samples out.

    Subclasses set `kind` (the spec's ``"kind"``) and `sparse`, store their hyperparameters
    unchanged in ``__init__``, and implement `fit`, `_encode`, `num_features`,
    `_parameters`, `_fitted_state` and `_restore`.
    """

    kind: ClassVar[str]
    sparse: ClassVar[bool]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            _ENCODERS[cls.kind] = cls

    # ------------------------------------------------------------------ fitting and encoding

    @abstractmethod
    def fit(self, data) -> Encoder:
        """Learn what the encoding needs from `data` (texts or a matrix) and return self."""

    def encode(self, one) -> list[int]:
        """One sample in the contract's representation.

        Parameters
        ----------
        one
            A text (text encoders) or a vector of reals (dense encoders).

        Returns
        -------
        list of int
            Strictly increasing feature indices (sparse) or int32 fixed-point values (dense).

        Raises
        ------
        InvalidSample
            If the result is a sample the contract would reject (for example a text with no
            known token).
        """
        return self._encode([one], single=True)[0]

    def encode_batch(self, many) -> list[list[int]]:
        """`encode` of every item of `many`, vectorised; equal item by item to `encode`.

        Parameters
        ----------
        many
            A sequence of texts (text encoders) or a matrix with one sample per row (dense).

        Returns
        -------
        list of list of int
            One sample per item, in order.

        Raises
        ------
        InvalidSample
            If an item's sample would be rejected; the message gives its position.
        """
        return self._encode(many, single=False)

    @abstractmethod
    def _encode(self, many, single: bool) -> list[list[int]]:
        """The samples of `many`; `single` says an error should speak of one item."""

    @property
    @abstractmethod
    def num_features(self) -> int:
        """Number of features of the encoded samples (the model's `num_features`)."""

    # ------------------------------------------------------------------ the public record

    @abstractmethod
    def _parameters(self) -> dict[str, Any]:
        """The hyperparameters, as given to ``__init__`` (JSON values)."""

    def _fitted_state(self) -> dict[str, Any]:
        """Spec fields besides ``parameters`` (fitted state, tokeniser, model): JSON values."""
        return {}

    def _restore(self, spec: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Set the fitted state from the fields `_fitted_state` wrote."""

    def to_spec(self) -> dict[str, Any]:
        """Everything needed to encode exactly as this encoder does, as JSON values.

        Returns
        -------
        dict
            ``kind``, ``version``, ``representation`` (``"sparse"`` or ``"dense"``),
            ``num_features``, ``parameters`` and the encoder's fitted state.
        """
        return {
            "kind": self.kind,
            "version": SPEC_VERSION,
            "representation": "sparse" if self.sparse else "dense",
            "num_features": self.num_features,
            "parameters": self._parameters(),
            **self._fitted_state(),
        }

    def to_json(self) -> str:
        """The spec as canonical JSON (`canonical_json`): the bytes `spec_hash` digests."""
        return canonical_json(self.to_spec())

    def spec_hash(self) -> str:
        """keccak256 of `to_json` (UTF-8) as 0x-prefixed hex: the value recorded on chain."""
        return "0x" + keccak(self.to_json().encode("utf-8")).hex()

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Encoder:
        """The encoder a spec describes.

        Called on `Encoder` it accepts any kind; on a subclass, only that subclass's kind.

        Raises
        ------
        InvalidSpec
            If the spec is malformed, of an unknown kind, of a version this code does not read,
            or inconsistent (rebuilding the encoder does not give back the same spec).
        """
        if not isinstance(spec, dict):
            raise InvalidSpec(f"a spec is a JSON object, got {type(spec).__name__}")
        kind = spec.get("kind")
        target = _ENCODERS.get(kind) if isinstance(kind, str) else None
        if target is None:
            raise InvalidSpec(f"unknown encoder kind {kind!r}; known kinds: {sorted(_ENCODERS)}")
        if cls is not Encoder and target is not cls:
            raise InvalidSpec(f"a {kind!r} spec cannot build a {cls.__name__}")
        if spec.get("version") != SPEC_VERSION:
            raise InvalidSpec(
                f"spec version {spec.get('version')!r} is not supported (this code reads "
                f"version {SPEC_VERSION})"
            )
        try:
            parameters = spec["parameters"]
            if not isinstance(parameters, dict):
                raise TypeError("parameters must be a JSON object")
            encoder = target(**parameters)
            encoder._restore(spec)
            rebuilt = encoder.to_spec()
        except InvalidSpec:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidSpec(f"malformed {kind!r} spec: {error!r}") from error
        difference = _first_difference(rebuilt, spec)
        if difference is not None:
            raise InvalidSpec(f"inconsistent {kind!r} spec: {difference}")
        return encoder

    @classmethod
    def from_json(cls, text: str | bytes) -> Encoder:
        """The encoder a JSON spec describes (see `from_spec`)."""
        try:
            spec = json.loads(text)
        except ValueError as error:
            raise InvalidSpec(f"a spec must be valid JSON: {error}") from error
        return cls.from_spec(spec)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in self._parameters().items())
        return f"{type(self).__name__}({arguments})"


def load_spec(spec: dict[str, Any]) -> Encoder:
    """The encoder a spec (a dict, as `Encoder.to_spec` returns) describes, of any kind."""
    return Encoder.from_spec(spec)


def encoder_kinds() -> dict[str, type[Encoder]]:
    """The registered encoder classes by spec kind."""
    return dict(_ENCODERS)


def _first_difference(expected: Any, given: Any, path: str = "spec") -> str | None:
    """Where two JSON values first differ (canonical forms compared), or None."""
    if isinstance(expected, dict) and isinstance(given, dict):
        for key in sorted(set(expected) | set(given)):
            if key not in given:
                return f"{path} lacks the field {key!r}"
            if key not in expected:
                return f"{path} has the unexpected field {key!r}"
            difference = _first_difference(expected[key], given[key], f"{path}.{key}")
            if difference is not None:
                return difference
        return None
    if canonical_json(expected) != canonical_json(given):
        return (
            f"{path} is {_shorten(canonical_json(given))}, "
            f"expected {_shorten(canonical_json(expected))}"
        )
    return None


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------- canonical JSON


def canonical_json(value: Any) -> str:
    """The canonical JSON text of a JSON value (RFC 8785, JCS, for the values specs hold).

    Objects have their keys sorted and no whitespace; strings are escaped minimally (non-ASCII
    characters are written as they are); integers are written in full and floats as ECMAScript's
    ``Number.prototype.toString`` writes them (``1.0`` -> ``1``, ``1e-7`` -> ``1e-7``,
    ``1e21`` -> ``1e+21``). NaN and infinities are rejected.

    Examples
    --------
    >>> canonical_json({"b": [1.0, 0.5, 1e-7], "a": "é"})
    '{"a":"é","b":[1,0.5,1e-7]}'
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _ecmascript_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys are strings, got {key!r}")
        return (
            "{"
            + ",".join(
                json.dumps(key, ensure_ascii=False) + ":" + canonical_json(value[key])
                for key in sorted(value)
            )
            + "}"
        )
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _ecmascript_number(x: float) -> str:
    """A float as ECMAScript's Number::toString writes it (shortest round-trip digits)."""
    if not math.isfinite(x):
        raise ValueError(f"JSON has no {x!r}")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that read back as x, as ECMAScript requires.
    _, digit_tuple, exponent = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len("".join(map(str, digit_tuple))) - len(digits)
    k = len(digits)
    n = exponent + k  # x = 0.digits * 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


# ---------------------------------------------------------------------- sample helpers


def sparse_rows(doc_ids: np.ndarray, features: np.ndarray, count: int) -> list[list[int]]:
    """For each of `count` documents, the sorted unique features it has.

    Parameters
    ----------
    doc_ids, features : ndarray of int
        Parallel arrays: document `doc_ids[i]` has feature `features[i]` (in [0, 2**16)).
    count : int
        Number of documents.
    """
    keys = np.unique(np.asarray(doc_ids, dtype=np.int64) << 16 | np.asarray(features, np.int64))
    bounds = np.searchsorted(keys >> 16, np.arange(count + 1)).tolist()
    flat = (keys & 0xFFFF).tolist()
    return [flat[bounds[d] : bounds[d + 1]] for d in range(count)]


def raise_empty(positions: Sequence[int], single: bool, what: str) -> None:
    """Raise InvalidSample for texts that have `what` (for example "no known token"), naming
    their positions in the batch."""
    if single:
        raise InvalidSample(f"the text has {what}, so its sample would be empty")
    shown = ", ".join(map(str, positions[:10])) + (", ..." if len(positions) > 10 else "")
    texts = "1 text has" if len(positions) == 1 else f"{len(positions)} texts have"
    raise InvalidSample(f"{texts} {what}, so their samples would be empty (positions {shown})")


def check_texts(many) -> list[str]:
    """`many` as a list of str, or TypeError."""
    if isinstance(many, str):
        raise TypeError("encode_batch takes a sequence of texts, not one str (use encode)")
    texts = list(many)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text {position} is a {type(text).__name__}, not a str")
    return texts


def to_fixed_int32(values, axes: tuple[str, ...] = ()) -> np.ndarray:
    """Fixed-point integers (ONE = 1e6) of an array of reals, each checked to fit int32.

    Equal element by element to `ml.fixed_point.to_fixed` (exact rounding half away from zero
    of the float's binary value), but vectorised: float arithmetic decides every element whose
    scaled value is not within 4e-6 of a half-integer, where its error (at most 2**-20 for
    values in range) cannot change the result; those few near ties are rounded exactly.

    Parameters
    ----------
    values : array_like of float
        Finite reals, any shape.
    axes : tuple of str, optional
        A name for each axis, for the error message (``("sample", "value")`` gives
        "sample 3, value 2 = ..."); by default positions are shown as "value [3, 2]".

    Returns
    -------
    ndarray of int64
        Same shape as `values`.

    Raises
    ------
    FixedPointOverflow
        If a value's fixed-point integer is outside int32 (|x| must stay below 2147.48).
    """
    x = np.asarray(values, dtype=np.float64)
    scaled = np.abs(x * ONE)
    too_large = ~(scaled < 2**32)  # also catches NaN; decided exactly below
    if too_large.any():
        position = tuple(int(i) for i in np.argwhere(too_large)[0])
        value = float(x[position])
        raise FixedPointOverflow(
            f"{_position(position, axes)} = {value!r} does not fit int32 fixed point "
            "(|x| must stay below 2147.48)"
        )
    fraction = scaled - np.floor(scaled)
    rounded = np.floor(scaled + 0.5)
    result = np.where(x < 0, -rounded, rounded).astype(np.int64)
    near_tie = np.abs(fraction - 0.5) < 4e-6
    for position in np.argwhere(near_tie):
        position = tuple(position)
        result[position] = to_fixed(float(x[position]))
    out_of_range = (result < INT32_MIN) | (result > INT32_MAX)
    if out_of_range.any():
        position = tuple(int(i) for i in np.argwhere(out_of_range)[0])
        raise FixedPointOverflow(
            f"{_position(position, axes)} = {float(x[position])!r} is {int(result[position])} "
            f"in fixed point, outside int32 [{INT32_MIN}, {INT32_MAX}] (|x| must stay below "
            "2147.48)"
        )
    return result


def _position(position: tuple[int, ...], axes: tuple[str, ...]) -> str:
    if len(axes) == len(position):
        return ", ".join(f"{axis} {index}" for axis, index in zip(axes, position, strict=True))
    return "value [" + ", ".join(map(str, position)) + "]"


def check_finite_matrix(rows, num_features: int | None, single: bool) -> np.ndarray:
    """`rows` as a 2-D float64 array of finite values with `num_features` columns, or
    InvalidSample saying what is wrong."""
    try:
        X = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidSample(f"samples must be vectors of reals: {error}") from error
    if X.ndim != 2 or X.shape[1] == 0:
        shape = X.shape[1:] if single else X.shape
        raise InvalidSample(f"expected {'a vector' if single else 'a 2-D matrix'}, got {shape}")
    if num_features is not None and X.shape[1] != num_features:
        raise InvalidSample(
            f"wrong dimension: {X.shape[1]} values, the encoder takes {num_features}"
        )
    finite = np.isfinite(X)
    if not finite.all():
        row, column = (int(i) for i in np.argwhere(~finite)[0])
        where = f"value {column}" if single else f"sample {row}, value {column}"
        raise InvalidSample(f"{where} is {X[row, column]!r}; samples must be finite")
    return X
