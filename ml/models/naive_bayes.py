"""Mirror of contracts/models/NaiveBayes.sol: multinomial naive Bayes on present features."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ml.errors import FixedPointOverflow
from ml.fixed_point import ONE, UINT32_MAX, to_fixed
from ml.models.base import OnChainModel

_UINT64_MAX = 2**64 - 1


def _ratio(num: int, den: int, exponent: int) -> tuple[int, int]:
    """NaiveBayes._ratio: num / den * 2^exponent as (exponent, mantissa) with the mantissa's
    top bit at 255, so that tuples compare like the values."""
    shift = 127 - (num.bit_length() - 1)
    mantissa = ((num << shift) << 128) // den
    exp = exponent - shift - 128
    shift = 255 - (mantissa.bit_length() - 1)
    return exp - shift, mantissa << shift


@lru_cache(maxsize=64)  # the latest denominators: one changes with each update
def _powers_of(denominator: int) -> list[tuple[int, int]]:
    """(mantissa, exponent) of denominator^k as the contract's loop keeps it, at index k."""
    return [(1, 0)]


def _power(denominator: int, k: int) -> tuple[int, int]:
    """The contract's product of k factors `denominator` (dropping 64 bits whenever it reaches
    2^128) and the exponent those drops subtract: the same for every sample of k features, so
    computed once per denominator and k, not per sample."""
    powers = _powers_of(denominator)
    while len(powers) <= k:
        m, exponent = powers[-1]
        m *= denominator
        while m >> 128:
            m >>= 64
            exponent -= 64
        powers.append((m, exponent))
    return powers[k]


class NaiveBayes(OnChainModel):
    """Multinomial naive Bayes with additive smoothing over 0/1 features (present indices).

    P(c | x) ~ n[c] * prod over present f of (N[f][c] + alpha) / (N[c] + alpha * F), computed as
    the contract does: 128-bit mantissas that drop their lowest 64 bits whenever a product
    reaches 2^128, compared as normalised ratios. Equals scikit-learn's MultinomialNB(alpha) on
    the 0/1 matrix except within ~2^-60 relative of a tie.

    Learned attributes: ``params_`` (counts, index f * C + c), ``class_samples_`` (n[c]),
    ``class_occurrences_`` (N[c]).
    """

    kind = "naive-bayes"
    contract_name = "NaiveBayes"
    layout = "uint32"
    sparse = True
    state_attributes = ("class_samples_", "class_occurrences_")

    def predict_gas(self) -> tuple[int, int]:
        """NaiveBayes._predictGas."""
        C = self.num_classes
        return 30_000 + 5_000 * C, 2_100 * ((C + 7) // 8) + 900 * C + 300

    def __init__(
        self, *, num_features: int, num_classes: int, alpha: float = 1.0, class_names=None
    ):
        super().__init__(
            num_features=num_features, num_classes=num_classes, class_names=class_names
        )
        self.alpha = alpha
        self.smoothing_fixed = to_fixed(alpha)
        if not 0 < self.smoothing_fixed <= 2**32:
            raise ValueError("alpha must be in (0, 4294.967296]")
        self.class_samples_ = [0] * num_classes
        self.class_occurrences_ = [0] * num_classes

    @property
    def param_count(self) -> int:
        return self.num_features * self.num_classes

    @property
    def feature_count_(self) -> np.ndarray:
        """Counts as (classes, features), like scikit-learn's attribute of the same name."""
        return np.array(self.params_).reshape(self.num_features, self.num_classes).T

    def reset(self) -> None:
        super().reset()
        self.class_samples_ = [0] * self.num_classes
        self.class_occurrences_ = [0] * self.num_classes

    def set_counts(self, counts, class_samples) -> NaiveBayes:
        """Sets counts (classes x features) and samples per class, as an initial model."""
        counts = np.asarray(counts, dtype=np.int64)
        if counts.shape != (self.num_classes, self.num_features):
            raise ValueError(f"counts must have shape {(self.num_classes, self.num_features)}")
        if counts.min() < 0 or counts.max() > UINT32_MAX:
            raise FixedPointOverflow("counts must fit uint32")
        self.params_ = [int(v) for v in counts.T.ravel()]
        self.class_samples_ = [int(v) for v in class_samples]
        self.class_occurrences_ = [int(v) for v in counts.sum(axis=1)]
        return self

    def scores_fixed(self, sample) -> tuple[list[int], list[int]]:
        """NaiveBayes.scores: each class's unnormalised posterior as (exponents, mantissas),
        value = mantissa * 2^exponent with the mantissa's top bit at 255 (0 for no samples)."""
        C, alpha = self.num_classes, self.smoothing_fixed
        num = list(self.class_samples_)
        exponent = [0] * C
        for f in sample:
            for c in range(C):
                m = num[c] * (self.params_[f * C + c] * ONE + alpha)
                while m >> 128:
                    m >>= 64
                    exponent[c] += 64
                num[c] = m
        # The contract multiplies the denominator in beside each numerator factor; the two
        # products and their exponents are independent, so the denominator's comes from a table.
        exponents, mantissas = [0] * C, [0] * C
        for c in range(C):
            if num[c]:
                denominator = self.class_occurrences_[c] * ONE + alpha * self.num_features
                den, den_exponent = _power(denominator, len(sample))
                exponents[c], mantissas[c] = _ratio(num[c], den, exponent[c] + den_exponent)
        return exponents, mantissas

    def predict_proba_fixed(self, sample) -> list[float]:
        """Class probabilities from the exact scores (as floats)."""
        exponents, mantissas = self.scores_fixed(sample)
        top = max((e for e, m in zip(exponents, mantissas, strict=True) if m), default=0)
        values = [
            m * 2.0 ** (e - top) if m else 0.0 for e, m in zip(exponents, mantissas, strict=True)
        ]
        total = sum(values)
        return [v / total for v in values] if total else [1.0 / self.num_classes] * self.num_classes

    def predict_fixed(self, sample) -> int:
        exponents, mantissas = self.scores_fixed(sample)
        best, found = 0, False
        for c in range(self.num_classes):
            if mantissas[c] and (
                not found or (exponents[c], mantissas[c]) > (exponents[best], mantissas[best])
            ):
                best, found = c, True
        return best

    def update_fixed(self, sample, label: int) -> bool:
        # Counts saturate at 2^32 - 1 and n[c] at 2^64 - 1; N[c] adds only the counts that rose.
        C = self.num_classes
        for f in sample:
            if self.params_[f * C + label] < UINT32_MAX:
                self.params_[f * C + label] += 1
                self.class_occurrences_[label] += 1
        self.class_samples_[label] = min(self.class_samples_[label] + 1, _UINT64_MAX)
        return True

    def load_words(self, words) -> None:
        super().load_words(words)
        C = self.num_classes
        self.class_occurrences_ = [sum(self.params_[c::C]) for c in range(C)]

    def constructor_args(self, owner) -> list:
        return [
            owner,
            self.num_classes,
            self.num_features,
            self.smoothing_fixed,
            self.class_samples_,
            self.classes_,
        ]

    @classmethod
    def from_contract(cls, contract) -> NaiveBayes:
        model = cls(
            num_features=contract.numFeatures(),
            num_classes=contract.numClasses(),
            alpha=contract.smoothing() / ONE,
            class_names=contract.classNames(),
        )
        model.smoothing_fixed = int(contract.smoothing())
        model.load_words(cls._read_words(contract))
        totals = [contract.classTotals(c) for c in range(model.num_classes)]
        model.class_samples_ = [int(t[0]) for t in totals]
        model.class_occurrences_ = [int(t[1]) for t in totals]
        return model

    @classmethod
    def from_constructor_args(cls, args, words) -> NaiveBayes:
        num_classes, num_features, smoothing, class_samples, class_names = args
        model = cls(num_features=num_features, num_classes=num_classes, class_names=class_names)
        model.smoothing_fixed = int(smoothing)
        model.alpha = model.smoothing_fixed / ONE
        model.load_words(words)  # also sets class_occurrences_ from the counts
        model.class_samples_ = [int(n) for n in class_samples]
        return model
