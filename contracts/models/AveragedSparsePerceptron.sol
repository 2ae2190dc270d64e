// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";
import {BinaryPerceptron} from "./BinaryPerceptron.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {SparseLoops} from "../libraries/SparseLoops.sol";

/// @title AveragedSparsePerceptron
/// @notice Binary averaged perceptron over binary features given as the indices of the present
/// ones (Freund & Schapire 1999; Collins 2002). It learns as SparsePerceptron: when the current
/// weights w and intercept b misclassify a sample, they move by the learning rate towards the
/// true class. It predicts with the average of w and b over the states after every update,
/// which honest data moves slowly instead of swinging with each mistake (docs/design.md).
/// The average is kept incrementally (Daume's trick): c counts the updates, and u sums each
/// step times the updates before it, so the average is w - u / c and the averaged score's sign
/// is that of c * (b + sum w[f]) - (u_b + sum u[f]): integers, no division.
/// Storage: int64, 4 per word, interleaved (parameter 2f is w[f], 2f + 1 is u[f], so both
/// share a word); u_b and c are parameters 2F and 2F + 1 (one word); b is in slot 0 beside the
/// owner. Every value saturates at the int64 range, so no update reverts for overflow.
contract AveragedSparsePerceptron is BinaryPerceptron {
    constructor(
        address owner_,
        uint256 numFeatures_,
        int256 learningRate_,
        int64 intercept_,
        string[] memory names
    )
        ModelBase(owner_, 2, numFeatures_, 2 * numFeatures_ + 2, PackedWords.INT64_LANES, names)
        BinaryPerceptron(learningRate_, intercept_)
    {}

    function _predictGas() internal view override returns (uint256, uint256) {
        return (45_000, 2_700);
    }

    function modelKind() external pure returns (string memory) {
        return "averaged-sparse-perceptron";
    }

    /// @notice The number of updates the average is over.
    function updates() external view returns (int256) {
        return _int64At(2 * numFeatures + 1);
    }

    /// @dev The current score b + sum w[f] and c times the averaged score, in one pass that
    /// also stages each touched word with w += `delta` and u += c * `delta` (none if `delta` is
    /// zero) for `SparseLoops.commitStaged`; and c.
    function _scores(bytes calldata sample, uint256 n, int256 delta)
        internal
        view
        returns (int256 current, int256 averaged, int256 c)
    {
        uint256 tail = 2 * numFeatures;
        c = _int64At(tail + 1);
        // c * delta: |c|, |delta| < 2^63, within the bound pairSumsAndStage takes.
        (int256 sum, int256 sums) = SparseLoops.pairSumsAndStage(sample, n, 2, 0, delta, c * delta);
        current = _bias + sum;
        // |c| < 2^63 and |current| < 2^80: the product fits int256.
        averaged = c * current - (_int64At(tail) + sums);
    }

    function _predict(bytes calldata sample) internal view override returns (uint256) {
        (, int256 averaged,) = _scores(sample, _sparseLength(sample), 0);
        return averaged > 0 ? 1 : 0;
    }

    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        int256 delta = _step(label);
        uint256 staged = SparseLoops.freeMemory();
        (int256 current, int256 averaged, int256 c) = _scores(sample, _sparseLength(sample), delta);
        predicted = averaged > 0 ? 1 : 0;
        uint256 tail = 2 * numFeatures;
        if ((current > 0 ? 1 : 0) != label) {
            SparseLoops.commitStaged(staged);
            _bias = int64(_saturatedInt64(_bias + delta));
            _addAt(tail, c * delta);
        }
        // Every update counts, mistake or not: the average moves towards the current weights.
        _addAt(tail + 1, 1);
        return (true, predicted);
    }
}
