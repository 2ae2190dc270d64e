// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The foundry cheatcodes this project's tests use (forge-std is not available offline).
/// The cheatcode contract lives at a fixed address in every forge test EVM.
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertSelector) external;
    function expectRevert() external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData)
        external;
    function assume(bool condition) external pure;
    function label(address account, string calldata newLabel) external;
    function addr(uint256 privateKey) external pure returns (address);
    function setEnv(string calldata name, string calldata value) external;
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256);
}

/// @notice A small test base: cheatcodes, assertions that report both values, `bound`, and the
/// target selection an invariant test needs.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string message);
    error AssertionFailedUint(string message, uint256 left, uint256 right);
    error AssertionFailedInt(string message, int256 left, int256 right);
    error AssertionFailedAddress(string message, address left, address right);
    error AssertionFailedBytes32(string message, bytes32 left, bytes32 right);

    // forge reads this to treat the contract as a test suite.
    bool public IS_TEST = true;

    address[] private _targetContracts;
    address[] private _excludedSenders;

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    FuzzSelector[] private _targetSelectors;

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function excludeSender(address sender) internal {
        _excludedSenders.push(sender);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetSelectors.push(selector);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message);
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) revert AssertionFailedUint(message, left, right);
    }

    function assertEq(int256 left, int256 right, string memory message) internal pure {
        if (left != right) revert AssertionFailedInt(message, left, right);
    }

    function assertEq(address left, address right, string memory message) internal pure {
        if (left != right) revert AssertionFailedAddress(message, left, right);
    }

    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure {
        if (left != right) revert AssertionFailedBytes32(message, left, right);
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        if (left > right) revert AssertionFailedUint(message, left, right);
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        if (left < right) revert AssertionFailedUint(message, left, right);
    }

    /// @dev Adds `amount` to the process-wide counter `name` (an environment variable, which
    /// outlives the EVM state that forge resets between invariant runs) and returns its total.
    function addToCounter(string memory name, uint256 amount) internal returns (uint256 total) {
        total = vm.envOr(name, uint256(0)) + amount;
        vm.setEnv(name, _decimal(total));
    }

    function _decimal(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        bytes memory digits = new bytes(78);
        uint256 n = 0;
        for (; value != 0; value /= 10) {
            digits[77 - n++] = bytes1(uint8(48 + value % 10));
        }
        bytes memory out = new bytes(n);
        for (uint256 i = 0; i < n; ++i) {
            out[i] = digits[78 - n + i];
        }
        return string(out);
    }

    /// @dev console.log(string, uint256), as forge-std's console does (forge decodes the call):
    /// the handlers' call summaries, shown with -vv.
    function _log(string memory text, uint256 value) internal view {
        address console = 0x000000000000000000636F6e736F6c652e6c6f67;
        (bool ok,) = console.staticcall(abi.encodeWithSignature("log(string,uint256)", text, value));
        ok;
    }

    /// @dev Maps any fuzzed `x` into [min, max] without discarding runs (uniform enough for tests).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    function bound(int256 x, int256 min, int256 max) internal pure returns (int256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        unchecked {
            // Two's complement: max - min and min + offset are exact modulo 2^256.
            uint256 size = uint256(max) - uint256(min);
            if (size == type(uint256).max) return x;
            return int256(uint256(min) + uint256(x) % (size + 1));
        }
    }
}
