// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FederatedAggregation} from "../federated/FederatedAggregation.sol";

/// @title AggregationHarness (test only)
/// @notice Exposes the internal FederatedAggregation library as external pure functions, so that
/// forge's gas test and the Python tests (through ape) call the very code a fraud proof runs.
contract AggregationHarness {
    function mean(int256[][] calldata updates, uint256[] calldata weights)
        external
        pure
        returns (int256[] memory)
    {
        return FederatedAggregation.mean(updates, weights);
    }

    function median(int256[][] calldata updates) external pure returns (int256[] memory) {
        return FederatedAggregation.median(updates);
    }

    function trimmedMean(int256[][] calldata updates, uint256 trim)
        external
        pure
        returns (int256[] memory)
    {
        return FederatedAggregation.trimmedMean(updates, trim);
    }

    function floorDiv(int256 a, int256 b) external pure returns (int256) {
        return FederatedAggregation.floorDiv(a, b);
    }
}
