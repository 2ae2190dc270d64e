"""What every mirror of an on-chain model shares: the scikit-learn-shaped API, sample
validation identical to the contract's, and the bridge to and from contract state.

A mirror holds exactly the integers the contract holds (fixed point, ONE = 1e6) and updates them
with the same integer arithmetic, so its predictions and parameters equal the chain's bit for
bit. Real-valued inputs are quantised with `ml.fixed_point.to_fixed` (round half away from zero);
`*_fixed` methods take samples already in the contract's representation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from ml.errors import ComponentOutOfRange, InvalidSample, NotFittedError, UnknownClassError
from ml.fixed_point import ONE, to_fixed
from ml.packing import (
    INT64_LANES,
    UINT32_LANES,
    check_sparse,
    encode_dense,
    encode_sparse,
    pack_int32,
    pack_int64,
    pack_uint32,
    unpack_int32,
    unpack_int64,
    unpack_uint32,
)

CHUNK_WORDS = 256  # ModelBase.CHUNK_WORDS
#: ModelBase.PREDICT_GAS_BUDGET: the most gas `predict` of an accepted sample may cost
PREDICT_GAS_BUDGET = 5_000_000


LAYOUTS = {
    "int64": (INT64_LANES, pack_int64, unpack_int64),
    "int32": (8, pack_int32, unpack_int32),
    "uint32": (UINT32_LANES, pack_uint32, unpack_uint32),
}


class OnChainModel(ABC):
    """Base of the mirrors. Subclasses set `kind`, `contract_name`, `layout` and `sparse`."""

    kind: str
    contract_name: str
    layout: str  # "int64", "int32" or "uint32": how `params_` pack into storage words
    sparse: bool
    #: whether the model takes exactly two classes
    binary: bool = False
    #: learned attributes besides ``params_`` that the contract also stores
    state_attributes: tuple[str, ...] = ()

    def __init__(self, *, num_features: int, num_classes: int, class_names=None):
        if num_classes < 2:
            raise ValueError("a model needs at least two classes")
        if num_features < 1 or (self.sparse and num_features > 2**16):
            raise ValueError(
                f"num_features must be in [1, {2**16 if self.sparse else 'any'}], "
                f"got {num_features}"
            )
        self.num_features = int(num_features)
        self.num_classes = int(num_classes)
        names = (
            list(class_names) if class_names is not None else [str(c) for c in range(num_classes)]
        )
        if len(names) != num_classes:
            raise ValueError(f"{len(names)} class names for {num_classes} classes")
        self.classes_ = names
        base, per_value = self.predict_gas()
        if base + per_value > PREDICT_GAS_BUDGET or (
            not self.sparse and self.num_features > (PREDICT_GAS_BUDGET - base) // per_value
        ):
            raise ValueError(
                f"{self.kind} with {num_features} features and {num_classes} classes: predict "
                f"could exceed the gas budget of {PREDICT_GAS_BUDGET:,}"
            )
        self.params_: list[int] = [0] * self.param_count

    # ------------------------------------------------------------------ gas budget

    @abstractmethod
    def predict_gas(self) -> tuple[int, int]:
        """(base, per value): the contract's `_predictGas`, an upper bound on predict's gas of
        base + per value for each feature (sparse) or dimension (dense)."""

    @property
    def max_sample_bytes(self) -> int:
        """The contract's `maxSampleBytes()`: see `max_sample_bytes`."""
        return max_sample_bytes(self)

    # ------------------------------------------------------------------ layout

    @property
    @abstractmethod
    def param_count(self) -> int:
        """Number of parameters in the packed storage words."""

    @property
    def lanes(self) -> int:
        return LAYOUTS[self.layout][0]

    def words(self) -> list[int]:
        """The packed storage words, exactly as `contract.words(0, wordCount)` returns them."""
        return LAYOUTS[self.layout][1](self.params_)

    def chunks(self) -> list[tuple[int, list[int]]]:
        """(chunk index, words) for every chunk holding a non-zero word; zero chunks are skipped
        because the contract's storage already reads zero."""
        words = self.words()
        out = []
        for index, start in enumerate(range(0, len(words), CHUNK_WORDS)):
            chunk = words[start : start + CHUNK_WORDS]
            if any(chunk):
                out.append((index, chunk))
        return out

    def load_words(self, words: Sequence[int]) -> None:
        self.params_ = LAYOUTS[self.layout][2](words, self.param_count)

    @abstractmethod
    def constructor_args(self, owner) -> list:
        """Arguments of the contract's constructor, deploying this model's current state."""

    @classmethod
    @abstractmethod
    def from_contract(cls, contract) -> OnChainModel:
        """The mirror of a deployed contract, read from its views."""

    @classmethod
    @abstractmethod
    def from_constructor_args(cls, args: Sequence, words: Sequence[int]) -> OnChainModel:
        """The mirror that `constructor_args(owner)[1:]` and `words()` describe: the inverse
        of those two, so a model snapshot (`ml.artifacts.kinds`) rebuilds it exactly."""

    @staticmethod
    def _read_words(contract) -> list[int]:
        count, words, step = contract.wordCount(), [], 1024
        for start in range(0, count, step):
            words.extend(contract.words(start, min(step, count - start)))
        return [int(w) for w in words]

    # ------------------------------------------------------------------ samples

    def to_sample(self, x) -> list[int]:
        """One sample in the contract's representation: sorted feature indices (sparse) or
        fixed-point int32 values (dense), validated as the contract validates it."""
        if self.sparse:
            return check_sparse(x, self.num_features)
        values = [to_fixed(float(v)) for v in np.asarray(x, dtype=float).ravel()]
        return self.check_dense(values)

    def check_dense(self, values: Sequence[int]) -> list[int]:
        values = [int(v) for v in values]
        if not values:
            raise InvalidSample("empty sample")
        if len(values) != self.num_features:
            raise InvalidSample(
                f"wrong dimension: {len(values)} values, the model takes {self.num_features}"
            )
        for d, v in enumerate(values):
            if not -ONE <= v <= ONE:
                raise ComponentOutOfRange(d, v)
        return values

    def state(self) -> dict:
        """Every learned value the contract stores, for comparing mirror and chain."""
        return {name: getattr(self, name) for name in ("params_", *self.state_attributes)}

    def encode_fixed(self, sample) -> bytes:
        """The bytes to send for a sample already in the contract's representation."""
        if self.sparse:
            return encode_sparse(sample, self.num_features)
        return encode_dense(self.check_dense(sample))

    def encode(self, x) -> bytes:
        """The bytes to send to the contract for one real-valued (or index) sample."""
        sample = self.to_sample(x)
        return encode_sparse(sample, self.num_features) if self.sparse else encode_dense(sample)

    def _samples(self, X) -> list[list[int]]:
        if not self.sparse:
            arr = np.asarray(X, dtype=float)
            if arr.ndim != 2:
                raise InvalidSample("dense input must be a 2-D array of samples")
            return [self.to_sample(row) for row in arr]
        return [self.to_sample(row) for row in X]

    def _label(self, y) -> int:
        if isinstance(y, str):
            if y not in self.classes_:
                raise UnknownClassError(f"unknown class {y!r}; classes are {self.classes_}")
            return self.classes_.index(y)
        label = int(y)
        if not 0 <= label < self.num_classes:
            raise UnknownClassError(f"label {label} is not in [0, {self.num_classes})")
        return label

    # ------------------------------------------------------------------ the model

    @abstractmethod
    def predict_fixed(self, sample: Sequence[int]) -> int:
        """The class index the contract's `predict` returns for this validated sample."""

    @abstractmethod
    def update_fixed(self, sample: Sequence[int], label: int) -> bool:
        """Applies the contract's `update`; returns whether parameters changed. Raises, and
        changes nothing, where the contract would revert (never for overflow: parameters
        saturate)."""

    def learn_fixed(self, sample: Sequence[int], label: int) -> int:
        """Applies the contract's `update` and returns what it returns: `predictedBefore`, the
        class predicted for the sample just before learning from it."""
        predicted = self.predict_fixed(sample)
        self.update_fixed(sample, label)
        return predicted

    # ------------------------------------------------------------------ scikit-learn API

    def predict(self, X) -> np.ndarray:
        """Class indices for the samples of X: lists of present feature indices (sparse models;
        see `ml.packing.present_indices` for 0/1 matrices) or rows of real values (dense)."""
        return np.array([self.predict_fixed(s) for s in self._samples(X)], dtype=int)

    def partial_fit(self, X, y, classes=None):
        """Learns from each sample in order, exactly as a sequence of on-chain updates.
        ``predicted_before_`` holds what each update returned: the class predicted for its
        sample just before learning from it."""
        if classes is not None and len(classes) != self.num_classes:
            raise ValueError(f"classes has {len(classes)} entries, the model {self.num_classes}")
        self.predicted_before_ = np.array(
            [
                self.learn_fixed(sample, self._label(label))
                for sample, label in zip(self._samples(X), y, strict=True)
            ],
            dtype=int,
        )
        return self

    def fit(self, X, y):
        """Resets the parameters and learns from every sample in order."""
        self.reset()
        return self.partial_fit(X, y)

    def reset(self) -> None:
        self.params_ = [0] * self.param_count

    def score(self, X, y) -> float:
        return float(np.mean(self.predict(X) == np.asarray([self._label(v) for v in y])))

    def _require_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} has no parameters yet")


def max_sample_bytes(model: OnChainModel) -> int:
    """The longest sample (bytes) whose `predict` costs at most PREDICT_GAS_BUDGET on chain,
    exactly as the contract's `maxSampleBytes()`: 4 * D for dense models; for sparse models 2
    bytes per feature, as many features as (budget - base) / per feature allows, at most F."""
    if not model.sparse:
        return 4 * model.num_features
    base, per_value = model.predict_gas()
    return 2 * min((PREDICT_GAS_BUDGET - base) // per_value, model.num_features)
