"""Mirrors of the perceptron contracts (contracts/models/*Perceptron.sol)."""

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
    saturate,
    saturate_int64,
    to_fixed,
)
from ml.models.base import OnChainModel


class _BinaryPerceptron(OnChainModel):
    """What the two binary perceptrons share: two classes, a learning rate, an intercept kept
    beside the weights (slot 0 on chain), and the same constructor and state bridge."""

    state_attributes = ("intercept_",)
    binary = True

    def __init__(
        self,
        *,
        num_features: int,
        learning_rate: float = 0.5,
        intercept: float = 0.0,
        class_names=None,
    ):
        super().__init__(num_features=num_features, num_classes=2, class_names=class_names)
        self.learning_rate = learning_rate
        self.learning_rate_fixed = to_fixed(learning_rate)
        if not 0 < self.learning_rate_fixed <= INT64_MAX:
            raise ValueError("learning rate must be positive")
        self.intercept_ = to_fixed(intercept)
        if not INT64_MIN <= self.intercept_ <= INT64_MAX:
            raise FixedPointOverflow(f"intercept {intercept} does not fit int64 fixed point")

    @property
    def param_count(self) -> int:
        return self.num_features

    @property
    def coef_(self) -> np.ndarray:
        return np.array(self.params_, dtype=float) / ONE

    def reset(self) -> None:
        super().reset()
        self.intercept_ = 0

    def constructor_args(self, owner) -> list:
        return [owner, self.num_features, self.learning_rate_fixed, self.intercept_, self.classes_]

    @classmethod
    def from_contract(cls, contract):
        model = cls(
            num_features=contract.numFeatures(),
            learning_rate=contract.learningRate() / ONE,
            class_names=contract.classNames(),
        )
        model.learning_rate_fixed = int(contract.learningRate())
        model.intercept_ = int(contract.intercept())
        model.load_words(cls._read_words(contract))
        return model

    @classmethod
    def from_constructor_args(cls, args, words):
        num_features, learning_rate, intercept, class_names = args
        model = cls(num_features=num_features, class_names=class_names)
        model.learning_rate_fixed = int(learning_rate)
        model.learning_rate = model.learning_rate_fixed / ONE
        model.intercept_ = int(intercept)
        model.load_words(words)
        return model


class SparsePerceptron(_BinaryPerceptron):
    """Binary perceptron over present-feature indices (SparsePerceptron.sol).

    score = intercept_ + sum of params_[f] over present f; class 1 iff score > 0. A mistake moves
    every present weight and the intercept by the learning rate towards the true class.

    Examples
    --------
    >>> m = SparsePerceptron(num_features=4, learning_rate=0.5)
    >>> m.partial_fit([[0, 2]], [1]).predict([[0, 2], [1]]).tolist()  # the intercept learnt too
    [1, 1]
    >>> m.params_, m.intercept_
    ([500000, 0, 500000, 0], 500000)
    """

    kind = "sparse-perceptron"
    contract_name = "SparsePerceptron"
    layout = "int64"
    sparse = True

    def decision_fixed(self, sample) -> int:
        return self.intercept_ + sum(self.params_[f] for f in sample)

    def predict_gas(self) -> tuple[int, int]:
        """SparsePerceptron._predictGas."""
        return 40_000, 2_600

    def predict_fixed(self, sample) -> int:
        return 1 if self.decision_fixed(sample) > 0 else 0

    def update_fixed(self, sample, label: int) -> bool:
        if self.predict_fixed(sample) == label:
            return False
        delta = self.learning_rate_fixed if label == 1 else -self.learning_rate_fixed
        for f in sample:
            self.params_[f] = saturate_int64(self.params_[f] + delta)
        self.intercept_ = saturate_int64(self.intercept_ + delta)
        return True


class AveragedSparsePerceptron(_BinaryPerceptron):
    """Averaged binary perceptron over present-feature indices (AveragedSparsePerceptron.sol).

    It learns as `SparsePerceptron` (a mistake of the current weights w moves them by the
    learning rate) but predicts with the average of w over every update it has seen, kept
    incrementally (Daume's trick): a counter c of updates, and u = sum over mistakes of the step
    times the number of updates before it. The average of the c states after each update is then
    w - u / c, so the averaged score's sign is that of
    c * (b + sum w[f]) - (u_b + sum u[f]): integers only, no division.

    params_[2f] is w[f] and params_[2f + 1] is u[f]; params_[2F] is u_b and params_[2F + 1] is
    c; the intercept b is ``intercept_``. Every value saturates at the int64 range.

    Examples
    --------
    >>> m = AveragedSparsePerceptron(num_features=2, learning_rate=1.0)
    >>> m.learn_fixed([0], 1), m.learn_fixed([0], 1)  # the average starts at zero: class 0
    (0, 1)
    >>> m.weights_, m.weighted_sums_, m.intercept_, m.intercept_sum_, m.updates_
    ([1000000, 0], [0, 0], 1000000, 0, 2)
    """

    kind = "averaged-sparse-perceptron"
    contract_name = "AveragedSparsePerceptron"
    layout = "int64"
    sparse = True

    @property
    def param_count(self) -> int:
        return 2 * self.num_features + 2

    @property
    def weights_(self) -> list[int]:
        return self.params_[0 : 2 * self.num_features : 2]

    @property
    def weighted_sums_(self) -> list[int]:
        return self.params_[1 : 2 * self.num_features : 2]

    @property
    def intercept_sum_(self) -> int:
        return self.params_[2 * self.num_features]

    @property
    def updates_(self) -> int:
        return self.params_[2 * self.num_features + 1]

    @property
    def coef_(self) -> np.ndarray:
        """The averaged weights (reals)."""
        c = max(self.updates_, 1)
        return (np.array(self.weights_, dtype=float) - np.array(self.weighted_sums_) / c) / ONE

    def set_average(self, weights, average, intercept: int, average_intercept: int, updates):
        """Deploys current weights and intercept whose average over `updates` updates is
        `average` and `average_intercept` (fixed point): u = updates * (w - average)."""
        F = self.num_features
        params = [0] * self.param_count
        params[0 : 2 * F : 2] = [int(w) for w in weights]
        params[1 : 2 * F : 2] = [updates * (w - a) for w, a in zip(weights, average, strict=True)]
        params[2 * F] = updates * (intercept - average_intercept)
        params[2 * F + 1] = updates
        self.params_ = [saturate_int64(v) for v in params]
        self.intercept_ = intercept

    def predict_gas(self) -> tuple[int, int]:
        """AveragedSparsePerceptron._predictGas."""
        return 45_000, 2_700

    def current_fixed(self, sample) -> int:
        """The score of the current weights, which decides whether an update is a mistake."""
        return self.intercept_ + sum(self.params_[2 * f] for f in sample)

    def decision_fixed(self, sample) -> int:
        """c times the averaged score (same sign)."""
        sums = self.intercept_sum_ + sum(self.params_[2 * f + 1] for f in sample)
        return self.updates_ * self.current_fixed(sample) - sums

    def predict_fixed(self, sample) -> int:
        return 1 if self.decision_fixed(sample) > 0 else 0

    def update_fixed(self, sample, label: int) -> bool:
        F, c = self.num_features, self.updates_
        if (1 if self.current_fixed(sample) > 0 else 0) != label:
            delta = self.learning_rate_fixed if label == 1 else -self.learning_rate_fixed
            for f in sample:
                self.params_[2 * f] = saturate_int64(self.params_[2 * f] + delta)
            for f in sample:
                self.params_[2 * f + 1] = saturate_int64(self.params_[2 * f + 1] + c * delta)
            self.intercept_ = saturate_int64(self.intercept_ + delta)
            self.params_[2 * F] = saturate_int64(self.params_[2 * F] + c * delta)
        self.params_[2 * F + 1] = saturate_int64(c + 1)
        return True


class MulticlassSparsePerceptron(OnChainModel):
    """One-vs-rest-free multi-class perceptron (MulticlassSparsePerceptron.sol).

    params_[f * C + c] is the weight of feature f for class c; params_[F * C + c] the intercept
    of class c. Predicts the argmax (lowest index on ties); a mistake raises the true class's
    weights and intercept by the learning rate and lowers the predicted class's.
    """

    kind = "multiclass-sparse-perceptron"
    contract_name = "MulticlassSparsePerceptron"
    layout = "int64"
    sparse = True

    def __init__(
        self,
        *,
        num_features: int,
        num_classes: int,
        learning_rate: float = 0.5,
        class_names=None,
    ):
        super().__init__(
            num_features=num_features, num_classes=num_classes, class_names=class_names
        )
        self.learning_rate = learning_rate
        self.learning_rate_fixed = to_fixed(learning_rate)
        if not 0 < self.learning_rate_fixed <= INT64_MAX:
            raise ValueError("learning rate must be positive")

    def predict_gas(self) -> tuple[int, int]:
        """MulticlassSparsePerceptron._predictGas."""
        C = self.num_classes
        return 30_000 + 1_200 * C, 2_100 * ((C + 3) // 4) + 360 * C + 100

    @property
    def param_count(self) -> int:
        return (self.num_features + 1) * self.num_classes

    @property
    def coef_(self) -> np.ndarray:
        F, C = self.num_features, self.num_classes
        return np.array(self.params_[: F * C], dtype=float).reshape(F, C).T / ONE

    @property
    def intercept_(self) -> list[int]:
        F, C = self.num_features, self.num_classes
        return self.params_[F * C :]

    def scores_fixed(self, sample) -> list[int]:
        F, C = self.num_features, self.num_classes
        return [
            self.params_[F * C + c] + sum(self.params_[f * C + c] for f in sample) for c in range(C)
        ]

    def predict_fixed(self, sample) -> int:
        scores = self.scores_fixed(sample)
        return max(range(self.num_classes), key=lambda c: (scores[c], -c))

    def update_fixed(self, sample, label: int) -> bool:
        predicted = self.predict_fixed(sample)
        if predicted == label:
            return False
        F, C, lr = self.num_features, self.num_classes, self.learning_rate_fixed
        params = list(self.params_)
        # The contract's order: the true class's weights, the predicted class's, then intercepts.
        for index, delta in (
            [(f * C + label, lr) for f in sample]
            + [(f * C + predicted, -lr) for f in sample]
            + [(F * C + label, lr), (F * C + predicted, -lr)]
        ):
            params[index] = saturate_int64(params[index] + delta)
        self.params_ = params
        return True

    def constructor_args(self, owner) -> list:
        return [owner, self.num_classes, self.num_features, self.learning_rate_fixed, self.classes_]

    @classmethod
    def from_contract(cls, contract) -> MulticlassSparsePerceptron:
        model = cls(
            num_features=contract.numFeatures(),
            num_classes=contract.numClasses(),
            learning_rate=contract.learningRate() / ONE,
            class_names=contract.classNames(),
        )
        model.learning_rate_fixed = int(contract.learningRate())
        model.load_words(cls._read_words(contract))
        return model

    @classmethod
    def from_constructor_args(cls, args, words):
        num_classes, num_features, learning_rate, class_names = args
        model = cls(num_features=num_features, num_classes=num_classes, class_names=class_names)
        model.learning_rate_fixed = int(learning_rate)
        model.learning_rate = model.learning_rate_fixed / ONE
        model.load_words(words)
        return model


class AveragedMulticlassSparsePerceptron(MulticlassSparsePerceptron):
    """Averaged multi-class perceptron (AveragedMulticlassSparsePerceptron.sol): learns as
    `MulticlassSparsePerceptron` (a mistake of the current argmax moves the true and the
    current predicted class by the learning rate) and predicts the argmax of the averaged
    scores, kept as `AveragedSparsePerceptron` keeps its average: a counter c and u = sum of
    each step times the updates before it; class k's averaged score times c is
    c * (b[k] + sum w[f][k]) - (u_b[k] + sum u[f][k]).

    params_[2(fC + k)] is w[f][k] and params_[2(fC + k) + 1] is u[f][k]; the intercepts follow
    at 2(FC + k) and 2(FC + k) + 1, then c at 2(F + 1)C. Every value saturates at int64.
    """

    kind = "averaged-multiclass-sparse-perceptron"
    contract_name = "AveragedMulticlassSparsePerceptron"

    def predict_gas(self) -> tuple[int, int]:
        """AveragedMulticlassSparsePerceptron._predictGas."""
        C = self.num_classes
        return 35_000 + 3_000 * C, 2_100 * ((C + 1) // 2) + 450 * C + 100

    @property
    def param_count(self) -> int:
        return 2 * (self.num_features + 1) * self.num_classes + 1

    @property
    def updates_(self) -> int:
        return self.params_[-1]

    @property
    def coef_(self) -> np.ndarray:
        """The averaged weights (reals), one row per class."""
        F, C, c = self.num_features, self.num_classes, max(self.updates_, 1)
        w = np.array(self.params_[0 : 2 * F * C : 2], dtype=float)
        u = np.array(self.params_[1 : 2 * F * C : 2], dtype=float)
        return ((w - u / c) / ONE).reshape(F, C).T

    @property
    def intercept_(self) -> list[int]:
        F, C = self.num_features, self.num_classes
        return self.params_[2 * F * C : 2 * (F + 1) * C : 2]

    def set_average(self, weights, average, updates: int) -> None:
        """Deploys current parameters `weights` (w[f][k] at fC + k, then the intercepts at
        FC + k, as `MulticlassSparsePerceptron.params_`) whose average over `updates` updates
        is `average`: u = updates * (w - average)."""
        params = []
        for w, a in zip(weights, average, strict=True):
            params += [int(w), updates * (int(w) - int(a))]
        self.params_ = [saturate_int64(v) for v in [*params, updates]]

    def _scores(self, sample, lane: int) -> list[int]:
        F, C = self.num_features, self.num_classes
        p = self.params_
        return [
            p[2 * (F * C + k) + lane] + sum(p[2 * (f * C + k) + lane] for f in sample)
            for k in range(C)
        ]

    def _argmax(self, scores) -> int:
        return max(range(self.num_classes), key=lambda k: (scores[k], -k))

    def scores_fixed(self, sample) -> list[int]:
        """c times each class's averaged score."""
        c = self.updates_
        return [
            c * w - u for w, u in zip(self._scores(sample, 0), self._scores(sample, 1), strict=True)
        ]

    def update_fixed(self, sample, label: int) -> bool:
        F, C, lr, c = self.num_features, self.num_classes, self.learning_rate_fixed, self.updates_
        predicted = self._argmax(self._scores(sample, 0))
        params = self.params_
        if predicted != label:
            # The contract's order: the true class's weights then sums, the predicted class's,
            # then the intercepts.
            for k, delta in ((label, lr), (predicted, -lr)):
                for lane, step in ((0, delta), (1, c * delta)):
                    for f in sample:
                        i = 2 * (f * C + k) + lane
                        params[i] = saturate_int64(params[i] + step)
            for k, delta in ((label, lr), (predicted, -lr)):
                for lane, step in ((0, delta), (1, c * delta)):
                    i = 2 * (F * C + k) + lane
                    params[i] = saturate_int64(params[i] + step)
        params[-1] = saturate_int64(c + 1)
        return True


class DensePerceptron(_BinaryPerceptron):
    """Binary perceptron over fixed-point vectors (DensePerceptron.sol).

    score = intercept_ * ONE + sum of params_[d] * x[d] (ONE^2 units); class 1 iff score > 0. A
    mistake adds div_round(+-lr * x[d], ONE) to each weight (int32) and +-lr to the intercept.
    """

    kind = "dense-perceptron"
    contract_name = "DensePerceptron"
    layout = "int32"
    sparse = False

    def decision_fixed(self, sample) -> int:
        return self.intercept_ * ONE + sum(w * x for w, x in zip(self.params_, sample, strict=True))

    def predict_gas(self) -> tuple[int, int]:
        """DensePerceptron._predictGas."""
        return 30_000, 560

    def predict_fixed(self, sample) -> int:
        return 1 if self.decision_fixed(sample) > 0 else 0

    def update_fixed(self, sample, label: int) -> bool:
        if self.predict_fixed(sample) == label:
            return False
        step = self.learning_rate_fixed if label == 1 else -self.learning_rate_fixed
        self.params_ = [
            saturate(w + div_round(step * x, ONE), INT32_MIN, INT32_MAX)
            for w, x in zip(self.params_, sample, strict=True)
        ]
        self.intercept_ = saturate_int64(self.intercept_ + step)
        return True
