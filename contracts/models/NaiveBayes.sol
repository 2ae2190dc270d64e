// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ModelBase} from "./ModelBase.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {SparseLoops} from "../libraries/SparseLoops.sol";
import {FIXED_ONE} from "../libraries/FixedPoint.sol";
import {MASK32} from "../libraries/PackedWords.sol";

/// @title NaiveBayes
/// @notice Multinomial naive Bayes over binary features given as present indices, with
/// additive smoothing alpha, as scikit-learn's MultinomialNB on the 0/1 matrix:
///   P(c | x) ~ n[c] * prod over present f of (N[f][c] + alpha) / (N[c] + alpha * F)
/// where n[c] counts samples and N[f][c] occurrences of f in class c, N[c] = sum over f.
/// The product is computed exactly enough never to underflow or collapse: numerator and
/// denominator are 128-bit mantissas with binary exponents (a multiplication that reaches 2^128
/// drops the lowest 64 bits, a relative error below 2^-64 per step), and classes are compared
/// by the ratio normalised to a 256-bit mantissa. Ties go to the lowest class index.
/// Storage: counts uint32, 8 per word, feature-major (parameter f * C + c); per class one slot
/// with n[c] (uint64) and N[c] (uint192). Counts saturate: a count at 2^32 - 1 (or n[c] at
/// 2^64 - 1) stays there, and N[c] adds only the counts that rose, so it remains their sum
/// and no update reverts for overflow.
contract NaiveBayes is ModelBase {
    struct ClassTotals {
        uint64 samples;
        uint192 occurrences;
    }

    /// @notice alpha in fixed point (ONE = 1e6); 0 < alpha <= 2^32.
    uint256 public immutable smoothing;

    ClassTotals[] private _totals;

    constructor(
        address owner_,
        uint256 numClasses_,
        uint256 numFeatures_,
        uint256 smoothing_,
        uint64[] memory initialSamples,
        string[] memory names
    )
        ModelBase(
            owner_,
            numClasses_,
            numFeatures_,
            numFeatures_ * numClasses_,
            PackedWords.UINT32_LANES,
            names
        )
    {
        if (smoothing_ == 0 || smoothing_ > 2 ** 32) {
            revert InvalidConfiguration("smoothing must be in (0, 2^32]");
        }
        if (initialSamples.length != numClasses_) {
            revert InvalidConfiguration("one count per class");
        }
        smoothing = smoothing_;
        for (uint256 c = 0; c < numClasses_; ++c) {
            _totals.push(ClassTotals(initialSamples[c], 0));
        }
    }

    function _predictGas() internal view override returns (uint256, uint256) {
        // Per feature: ceil(C / 8) cold words and two mantissa products per class.
        uint256 classes = numClasses;
        return (30_000 + 5_000 * classes, 2_100 * ((classes + 7) >> 3) + 900 * classes + 300);
    }

    function modelKind() external pure returns (string memory) {
        return "naive-bayes";
    }

    /// @notice Samples in class `class_` and occurrences of all features in them.
    function classTotals(uint256 class_)
        external
        view
        returns (uint256 samples, uint256 occurrences)
    {
        ClassTotals memory totals = _totals[class_];
        return (totals.samples, totals.occurrences);
    }

    /// @dev Initial counts also add to their class's occurrence total.
    function _initializeWords(uint256 first, uint256[] calldata values) internal override {
        super._initializeWords(first, values);
        uint256 classes = numClasses;
        uint256[] memory added = new uint256[](classes);
        for (uint256 i = 0; i < values.length; ++i) {
            for (uint256 lane = 0; lane < 8; ++lane) {
                added[((first + i) * 8 + lane) % classes] += PackedWords.uint32At(values[i], lane);
            }
        }
        for (uint256 c = 0; c < classes; ++c) {
            _totals[c].occurrences += uint192(added[c]);
        }
    }

    /// @notice Each class's unnormalised posterior n[c] * prod (N[f][c] + alpha) / (N[c] + alpha F)
    /// as mantissa * 2^exponent, the mantissa's top bit at 255 (zero for a class with no
    /// samples). Ratios of these are the class probabilities; `predict` takes the largest.
    function scores(bytes calldata sample)
        external
        view
        whenFinalized
        returns (int256[] memory exponents, uint256[] memory mantissas)
    {
        return _scores(sample);
    }

    /// @dev The class with the largest score (ties: the lowest index; 0 if no class has samples).
    function _predict(bytes calldata sample) internal view override returns (uint256 best) {
        (int256[] memory exponents, uint256[] memory mantissas) = _scores(sample);
        bool found = false;
        for (uint256 c = 0; c < mantissas.length; ++c) {
            if (mantissas[c] == 0) continue;
            if (
                !found || exponents[c] > exponents[best]
                    || (exponents[c] == exponents[best] && mantissas[c] > mantissas[best])
            ) {
                best = c;
                found = true;
            }
        }
    }

    /// @dev Per class, the running product as numerator and denominator mantissas (< 2^128)
    /// with one exponent for their ratio, and the constant denominator factor N[c] + alpha F.
    struct Products {
        uint256[] num;
        uint256[] den;
        int256[] exponent;
        uint256[] factor;
    }

    function _scores(bytes calldata sample)
        internal
        view
        returns (int256[] memory exponents, uint256[] memory mantissas)
    {
        Products memory p = _products(sample, _sparseLength(sample));
        uint256 classes = numClasses;
        exponents = new int256[](classes);
        mantissas = new uint256[](classes);
        for (uint256 c = 0; c < classes; ++c) {
            if (p.num[c] != 0) {
                (mantissas[c], exponents[c]) = _ratio(p.num[c], p.den[c], p.exponent[c]);
            }
        }
    }

    function _products(bytes calldata sample, uint256 n) internal view returns (Products memory p) {
        uint256 classes = numClasses;
        uint256 alpha = smoothing;
        p = Products(
            new uint256[](classes),
            new uint256[](classes),
            new int256[](classes),
            new uint256[](classes)
        );
        for (uint256 c = 0; c < classes; ++c) {
            ClassTotals memory totals = _totals[c];
            p.num[c] = totals.samples;
            p.den[c] = 1;
            // N[c] < 2^80 (2^64 samples of 2^16 features), so this is below 2^128.
            p.factor[c] = uint256(totals.occurrences) * uint256(FIXED_ONE) + alpha * numFeatures;
        }
        unchecked {
            uint256 current = type(uint256).max;
            uint256 word = 0;
            for (uint256 i = 0; i < n; ++i) {
                uint256 f = SparseLoops.featureAt(sample, i);
                if (i != 0 && f <= SparseLoops.featureAt(sample, i - 1)) {
                    SparseLoops.revertNotIncreasing(sample, i);
                }
                for (uint256 c = 0; c < classes; ++c) {
                    uint256 index = f * classes + c;
                    if (index >> 3 != current) {
                        current = index >> 3;
                        word = PackedWords.load(current);
                    }
                    // count < 2^32, so the factor is below 2^53 + 2^32; mantissas stay < 2^128.
                    uint256 m = p.num[c]
                        * (((word >> ((index & 7) << 5)) & MASK32) * uint256(FIXED_ONE) + alpha);
                    while (m >> 128 != 0) {
                        m >>= 64;
                        p.exponent[c] += 64;
                    }
                    p.num[c] = m;
                    m = p.den[c] * p.factor[c];
                    while (m >> 128 != 0) {
                        m >>= 64;
                        p.exponent[c] -= 64;
                    }
                    p.den[c] = m;
                }
            }
        }
    }

    /// @dev num / den * 2^exponent as mantissa * 2^exp with the mantissa's top bit at 255, so
    /// that two such values compare by exponent first, then mantissa. num, den in [1, 2^128).
    function _ratio(uint256 num, uint256 den, int256 exponent)
        internal
        pure
        returns (uint256 mantissa, int256 exp)
    {
        uint256 shift = 127 - Math.log2(num);
        mantissa = ((num << shift) << 128) / den; // >= 2^255 / 2^128: 128 significant bits
        exp = exponent - int256(shift) - 128;
        shift = 255 - Math.log2(mantissa);
        mantissa <<= shift;
        exp -= int256(shift);
    }

    /// @dev The prediction first (its cost is the price of `predictedBefore`); it also leaves
    /// every word the increments touch warm.
    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        predicted = _predict(sample);
        uint256 n = sample.length >> 1; // validated by the prediction
        ClassTotals memory totals = _totals[label];
        uint256 added = SparseLoops.incrementAtFeatures(sample, n, numClasses, label);
        // N[c] <= 2^32 * 2^16 counts: uint192 never fills; n[c] saturates.
        uint64 samples = totals.samples == type(uint64).max ? totals.samples : totals.samples + 1;
        _totals[label] = ClassTotals(samples, totals.occurrences + uint192(added));
        return (true, predicted);
    }
}
