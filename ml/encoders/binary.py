"""Real vectors to the contracts' sparse samples: the features whose value is high.

A feature is present when its value is at least the midpoint of the range it took in the
fitting data, ``(min + max) / 2`` in IEEE-754 doubles; a feature that was constant there is
never present. On the digits data (pixels / 16 in [0, 1]) that is a pixel of at least 8 of 16,
the usual binarisation; on standardised data it is the upper half of each feature's range.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ml.encoders.base import Encoder, check_finite_matrix
from ml.encoders.hashing import MAX_SPARSE_FEATURES
from ml.errors import InvalidSample, NotFittedError


class BinaryEncoder(Encoder):
    """Vectors of reals to the sorted indices of their present features.

    Attributes
    ----------
    thresholds_ : list of float or None
        Each feature's midpoint in the fitting data, None where it was constant.

    Examples
    --------
    >>> encoder = BinaryEncoder().fit([[0.0, 2.0, 5.0], [1.0, 4.0, 5.0]])
    >>> encoder.thresholds_
    [0.5, 3.0, None]
    >>> encoder.encode([0.5, 2.5, 5.0])
    [0]
    """

    kind = "binary"
    sparse = True

    def fit(self, X) -> BinaryEncoder:
        """Record each feature's midpoint in `X` (finite reals, one sample per row)."""
        X = check_finite_matrix(X, None, single=False)
        if X.shape[1] > MAX_SPARSE_FEATURES:
            raise InvalidSample(f"{X.shape[1]} features: sparse samples have at most 65536")
        low, high = X.min(axis=0), X.max(axis=0)
        middle = (low + high) / 2
        self.thresholds_ = [
            float(m) if h > lo else None
            for lo, h, m in zip(low.tolist(), high.tolist(), middle.tolist(), strict=True)
        ]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "thresholds_"):
            raise NotFittedError("BinaryEncoder is not fitted yet: call fit first")

    @property
    def num_features(self) -> int:
        self._check_fitted()
        return len(self.thresholds_)

    def _encode(self, many, single: bool) -> list[list[int]]:
        self._check_fitted()
        X = check_finite_matrix(many, self.num_features, single)
        known = np.array([t is not None for t in self.thresholds_])
        thresholds = np.array([t if t is not None else 0.0 for t in self.thresholds_])
        present = (thresholds <= X) & known
        rows = [np.flatnonzero(row).tolist() for row in present]
        empty = [position for position, row in enumerate(rows) if not row]
        if empty:
            where = "the sample has" if single else f"sample {empty[0]} has"
            raise InvalidSample(f"{where} no feature at or above its threshold: it would be empty")
        return rows

    def _parameters(self) -> dict[str, Any]:
        return {}

    def _fitted_state(self) -> dict[str, Any]:
        self._check_fitted()
        return {"thresholds": list(self.thresholds_)}

    def _restore(self, spec: dict[str, Any]) -> None:
        thresholds = spec["thresholds"]
        if not isinstance(thresholds, list) or not 1 <= len(thresholds) <= MAX_SPARSE_FEATURES:
            raise ValueError(f"thresholds must be a list of 1 to {MAX_SPARSE_FEATURES} values")
        if any(t is not None and not isinstance(t, int | float) for t in thresholds):
            raise TypeError("thresholds must be numbers or null")
        if spec["num_features"] != len(thresholds):
            raise ValueError("num_features must equal the number of thresholds")
        self.thresholds_ = [None if t is None else float(t) for t in thresholds]
