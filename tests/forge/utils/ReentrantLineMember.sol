// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FederatedLine} from "../../../contracts/federated/FederatedLine.sol";

/// @notice A line member whose receive() re-enters `withdraw` while the line pays it (the
/// pattern of contracts/test/ReentrantWithdrawer.sol). With `swallow` the reentrant call's
/// failure is recorded and the payment accepted; without it the failure bubbles up and the
/// whole withdraw fails.
contract ReentrantLineMember {
    FederatedLine public immutable line;
    bool public armed;
    bool public swallow;
    uint256 public payments;
    bool public reentrySucceeded;
    bytes public reentryError;

    error ReentrancyGuardReentrantCall();

    constructor(FederatedLine line_) {
        line = line_;
    }

    function arm(bool armed_, bool swallow_) external {
        armed = armed_;
        swallow = swallow_;
    }

    function join() external payable {
        line.join{value: msg.value}();
    }

    function leave() external {
        line.leave();
    }

    function exit() external {
        line.exit();
    }

    function withdraw() external {
        line.withdraw();
    }

    receive() external payable {
        ++payments;
        if (!armed) return;
        (bool ok, bytes memory result) =
            address(line).call(abi.encodeCall(FederatedLine.withdraw, ()));
        reentrySucceeded = ok;
        reentryError = ok ? bytes("") : result;
        if (!ok && !swallow) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
