"""Real vectors to the contracts' dense samples: normalised, scaled, in int32 fixed point.

Each value goes through these IEEE-754 double operations, in this order, each correctly rounded
(so every platform gets the same bits):

- ``"l2"``: ``(y[i] / sqrt(fsum(y[j] * y[j] for j))) * scale`` with ``y[i] = x[i] / max |x[j]|``
  (``fsum`` is the exactly rounded sum, Python's `math.fsum`); a zero vector stays zero. Dividing
  by the largest magnitude first keeps the squares clear of underflow and overflow, and makes
  every result at most 1 in magnitude (the sum is at least 1 because one ``y`` is exactly 1).
- ``"maxabs"``: ``(x[i] / max_abs[i]) * scale`` with ``max_abs[i]`` the largest ``|x[i]|`` of the
  fitting data (recorded in the spec; a feature that was always zero is divided by 1).
- ``"none"``: ``x[i] * scale``.

and then `ml.fixed_point.to_fixed` (ONE = 1e6, round half away from zero, exact). A value that
does not fit int32 (|value| >= 2147.48) raises `FixedPointOverflow`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ml.encoders.base import Encoder, check_finite_matrix, to_fixed_int32
from ml.errors import FixedPointOverflow, NotFittedError

NORMALISATIONS = ("l2", "maxabs", "none")


def l2_normalised(X: np.ndarray) -> np.ndarray:
    """Each row of `X` divided by its L2 norm; zero rows stay zero; no result exceeds 1.

    The row is first divided by its largest magnitude, so that tiny or huge rows neither
    underflow nor overflow when squared (1e-160 alone normalises to 1, not 1.0000056).
    """
    largest = np.abs(X).max(axis=1, initial=0.0)
    Y = X / np.where(largest > 0, largest, 1.0)[:, None]
    norms = np.array([math.sqrt(math.fsum(row)) for row in (Y * Y).tolist()], dtype=np.float64)
    return Y / np.where(norms > 0, norms, 1.0)[:, None]


class DenseEncoder(Encoder):
    """Vectors of reals to int32 fixed-point samples.

    Parameters
    ----------
    normalise : {"l2", "maxabs", "none"}, default "l2"
        ``"l2"``: each sample divided by its Euclidean norm (stateless). ``"maxabs"``: each
        feature divided by its largest absolute value in the fitting data. ``"none"``: as is.
    scale : float, default 1.0
        Factor applied after normalising (for instance to use more of the int32 range).

    Attributes
    ----------
    num_features_ : int
        Dimension of the fitting data.
    max_abs_ : list of float
        With ``normalise="maxabs"``: the largest absolute value of each feature.

    Examples
    --------
    >>> DenseEncoder(normalise="l2").fit([[3.0, 4.0]]).encode([3.0, -4.0])
    [600000, -800000]
    >>> DenseEncoder(normalise="maxabs").fit([[2.0, -8.0], [1.0, 4.0]]).encode([1.0, 2.0])
    [500000, 250000]
    """

    kind = "dense"
    sparse = False

    def __init__(self, *, normalise: str = "l2", scale: float = 1.0):
        if normalise not in NORMALISATIONS:
            raise ValueError(f"normalise must be one of {NORMALISATIONS}, got {normalise!r}")
        if isinstance(scale, bool) or not isinstance(scale, int | float):
            raise TypeError(f"scale must be a real number, got {scale!r}")
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be finite and positive, got {scale!r}")
        self.normalise = normalise
        self.scale = float(scale)

    def fit(self, X) -> DenseEncoder:
        """Record the dimension of `X` and, for ``"maxabs"``, each feature's largest |value|.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Finite reals.

        Returns
        -------
        DenseEncoder
            self.
        """
        X = check_finite_matrix(X, None, single=False)
        self.num_features_ = int(X.shape[1])
        if self.normalise == "maxabs":
            self.max_abs_ = np.abs(X).max(axis=0).tolist()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "num_features_"):
            raise NotFittedError("DenseEncoder is not fitted yet: call fit first")

    @property
    def num_features(self) -> int:
        self._check_fitted()
        return self.num_features_

    def transform(self, X) -> np.ndarray:
        """The normalised and scaled reals (before fixed point), one row per sample."""
        self._check_fitted()
        return self._transform(check_finite_matrix(X, self.num_features_, single=False))

    def _transform(self, X: np.ndarray) -> np.ndarray:
        if self.normalise == "l2":
            X = l2_normalised(X)
        elif self.normalise == "maxabs":
            max_abs = np.asarray(self.max_abs_, dtype=np.float64)
            X = X / np.where(max_abs > 0, max_abs, 1.0)
        return X * self.scale

    def _encode(self, many, single: bool) -> list[list[int]]:
        self._check_fitted()
        X = check_finite_matrix(many, self.num_features_, single)
        values = self._transform(X)
        try:
            if single:
                return [to_fixed_int32(values[0], ("value",)).tolist()]
            return to_fixed_int32(values, ("sample", "value")).tolist()
        except FixedPointOverflow as error:
            raise FixedPointOverflow(
                f"{error}, after normalise={self.normalise!r} and scale={self.scale!r}: lower "
                "the scale or normalise the data"
            ) from error

    def _parameters(self) -> dict[str, Any]:
        return {"normalise": self.normalise, "scale": self.scale}

    def _fitted_state(self) -> dict[str, Any]:
        self._check_fitted()
        state: dict[str, Any] = {}
        if self.normalise == "maxabs":
            state["max_abs"] = list(self.max_abs_)
        return state

    def _restore(self, spec: dict[str, Any]) -> None:
        num_features = spec["num_features"]
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError("num_features must be a positive int")
        self.num_features_ = num_features
        if self.normalise == "maxabs":
            max_abs = [float(v) for v in spec["max_abs"]]
            if len(max_abs) != num_features or not all(
                math.isfinite(v) and v >= 0 for v in max_abs
            ):
                raise ValueError("max_abs must hold num_features finite non-negative values")
            self.max_abs_ = max_abs
