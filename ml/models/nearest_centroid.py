"""Mirrors of contracts/models/NearestCentroid.sol and SparseNearestCentroid.sol."""

from __future__ import annotations

import numpy as np

from ml.errors import FixedPointOverflow
from ml.fixed_point import (
    INT32_MAX,
    INT32_MIN,
    INT64_MAX,
    INT64_MIN,
    ONE,
    div_round,
    saturate_int64,
    to_fixed,
)
from ml.models.base import OnChainModel

_UINT64_MAX = 2**64 - 1
_SPARSE_MAX_COUNT = 2**32 - 1


class NearestCentroid(OnChainModel):
    """Nearest centroid over fixed-point vectors (NearestCentroid.sol).

    ``params_[c * D + d]`` is the int32 mean of class c in dimension d, ``counts_[c]`` its number
    of samples. Predicts the class with the smallest exact squared distance (lowest index on
    ties; classes with no samples skipped); an update moves the true class's mean by
    div_round(x - mean, n + 1) per dimension.
    """

    kind = "nearest-centroid"
    contract_name = "NearestCentroid"
    layout = "int32"
    sparse = False
    state_attributes = ("counts_",)

    def predict_gas(self) -> tuple[int, int]:
        """NearestCentroid._predictGas."""
        C = self.num_classes
        return 30_000 + 1_500 * C, 100 + 520 * C

    def __init__(self, *, num_features: int, num_classes: int, class_names=None):
        super().__init__(
            num_features=num_features, num_classes=num_classes, class_names=class_names
        )
        self.counts_ = [0] * num_classes

    @property
    def param_count(self) -> int:
        return self.num_features * self.num_classes

    @property
    def centroids_(self) -> np.ndarray:
        return (
            np.array(self.params_, dtype=float).reshape(self.num_classes, self.num_features) / ONE
        )

    def reset(self) -> None:
        super().reset()
        self.counts_ = [0] * self.num_classes

    def set_centroids(self, centroids, counts) -> NearestCentroid:
        """Quantises real-valued centroids (classes x dimensions) with their sample counts."""
        centroids = np.asarray(centroids, dtype=float)
        if centroids.shape != (self.num_classes, self.num_features):
            raise ValueError(f"centroids must have shape {(self.num_classes, self.num_features)}")
        params = [to_fixed(float(v)) for v in centroids.ravel()]
        if any(not INT32_MIN <= v <= INT32_MAX for v in params):
            raise FixedPointOverflow("centroid values must stay within int32 (|x| < 2147.48)")
        self.params_ = params
        self.counts_ = [int(n) for n in counts]
        return self

    def distances_fixed(self, sample) -> list[int | None]:
        D = self.num_features
        return [
            sum((x - self.params_[c * D + d]) ** 2 for d, x in enumerate(sample))
            if self.counts_[c]
            else None
            for c in range(self.num_classes)
        ]

    def predict_fixed(self, sample) -> int:
        best, best_distance = 0, None
        for c, distance in enumerate(self.distances_fixed(sample)):
            if distance is not None and (best_distance is None or distance < best_distance):
                best, best_distance = c, distance
        return best

    def update_fixed(self, sample, label: int) -> bool:
        count = self.counts_[label]
        base = label * self.num_features
        for d, x in enumerate(sample):
            mean = self.params_[base + d]
            self.params_[base + d] = mean + div_round(x - mean, count + 1)
        self.counts_[label] = min(count + 1, _UINT64_MAX)  # saturates
        return True

    def constructor_args(self, owner) -> list:
        return [owner, self.num_classes, self.num_features, self.counts_, self.classes_]

    @classmethod
    def from_contract(cls, contract) -> NearestCentroid:
        model = cls(
            num_features=contract.numFeatures(),
            num_classes=contract.numClasses(),
            class_names=contract.classNames(),
        )
        model.load_words(cls._read_words(contract))
        model.counts_ = [int(contract.sampleCounts(c)) for c in range(model.num_classes)]
        return model

    @classmethod
    def from_constructor_args(cls, args, words):
        num_classes, num_features, counts, class_names = args
        model = cls(num_features=num_features, num_classes=num_classes, class_names=class_names)
        model.load_words(words)
        model.counts_ = [int(n) for n in counts]
        return model


class SparseNearestCentroid(OnChainModel):
    """Nearest centroid over present-feature indices (SparseNearestCentroid.sol).

    ``params_[f * C + c]`` is the exact sum (fixed point) of feature f over class c's samples,
    ``counts_[c]`` their number and ``squared_norms_[c]`` the squared norm of the sum (ONE^2
    units). Distances are compared exactly by cross-multiplication.
    """

    kind = "sparse-nearest-centroid"
    contract_name = "SparseNearestCentroid"
    layout = "int64"
    sparse = True
    state_attributes = ("counts_", "squared_norms_")

    def predict_gas(self) -> tuple[int, int]:
        """SparseNearestCentroid._predictGas."""
        C = self.num_classes
        return 30_000 + 4_000 * C, 2_100 * ((C + 3) // 4) + 360 * C + 100

    def __init__(self, *, num_features: int, num_classes: int, class_names=None):
        super().__init__(
            num_features=num_features, num_classes=num_classes, class_names=class_names
        )
        self.counts_ = [0] * num_classes
        self.squared_norms_ = [0] * num_classes

    @property
    def param_count(self) -> int:
        return self.num_features * self.num_classes

    @property
    def centroids_(self) -> np.ndarray:
        sums = np.array(self.params_, dtype=float).reshape(self.num_features, self.num_classes).T
        counts = np.maximum(np.array(self.counts_, dtype=float), 1.0)
        return sums / counts[:, None] / ONE

    def reset(self) -> None:
        super().reset()
        self.counts_ = [0] * self.num_classes
        self.squared_norms_ = [0] * self.num_classes

    def set_centroids(self, centroids, counts) -> SparseNearestCentroid:
        """Sets sums = quantised centroid * count for each class (classes x features)."""
        centroids = np.asarray(centroids, dtype=float)
        if centroids.shape != (self.num_classes, self.num_features):
            raise ValueError(f"centroids must have shape {(self.num_classes, self.num_features)}")
        counts = [int(n) for n in counts]
        if any(not 0 <= n <= _SPARSE_MAX_COUNT for n in counts):
            raise FixedPointOverflow("sample counts must stay below 2^32")
        params = [0] * self.param_count
        for c in range(self.num_classes):
            for f in range(self.num_features):
                params[f * self.num_classes + c] = to_fixed(float(centroids[c, f]) * counts[c])
        self._set_sums(params)
        self.counts_ = counts
        return self

    def _set_sums(self, params) -> None:
        if any(not INT64_MIN <= v <= INT64_MAX for v in params):
            raise FixedPointOverflow("sums must fit int64")
        self.params_ = list(params)
        C = self.num_classes
        self.squared_norms_ = [sum(v * v for v in self.params_[c::C]) for c in range(C)]

    def load_words(self, words) -> None:
        super().load_words(words)
        self._set_sums(self.params_)

    def predict_fixed(self, sample) -> int:
        C = self.num_classes
        best, best_scaled, best_count = 0, 0, 0
        for c in range(C):
            count = self.counts_[c]
            if count == 0:
                continue
            dot = sum(self.params_[f * C + c] for f in sample)
            scaled = self.squared_norms_[c] - 2 * ONE * count * dot
            if best_count == 0 or scaled * best_count * best_count < best_scaled * count * count:
                best, best_scaled, best_count = c, scaled, count
        return best

    def update_fixed(self, sample, label: int) -> bool:
        # Sums saturate at the int64 range and counts at 2^32 - 1; the squared norm adds the
        # exact growth of the squares, so it stays the squared norm of the stored sums.
        C = self.num_classes
        for f in sample:
            old = self.params_[f * C + label]
            new = saturate_int64(old + ONE)
            self.params_[f * C + label] = new
            self.squared_norms_[label] += new * new - old * old
        self.counts_[label] = min(self.counts_[label] + 1, _SPARSE_MAX_COUNT)
        return True

    def constructor_args(self, owner) -> list:
        return [owner, self.num_classes, self.num_features, self.counts_, self.classes_]

    @classmethod
    def from_contract(cls, contract) -> SparseNearestCentroid:
        model = cls(
            num_features=contract.numFeatures(),
            num_classes=contract.numClasses(),
            class_names=contract.classNames(),
        )
        model.load_words(cls._read_words(contract))
        states = [contract.classState(c) for c in range(model.num_classes)]
        model.counts_ = [int(s[0]) for s in states]
        model.squared_norms_ = [int(s[1]) for s in states]
        return model

    @classmethod
    def from_constructor_args(cls, args, words):
        num_classes, num_features, counts, class_names = args
        model = cls(num_features=num_features, num_classes=num_classes, class_names=class_names)
        model.load_words(words)
        model.counts_ = [int(n) for n in counts]
        return model
