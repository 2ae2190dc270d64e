// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Non-transferable reputation
/// @notice Reputation is earned by contributing data that proves good and is never traded:
/// balances move only by minting and burning, which only the minter (the incentive mechanism)
/// may do. Take shares of bad contributors' deposits are computed from these balances.
interface IReputationToken is IERC20 {
    /// @notice Reputation cannot be transferred or approved; every attempt reverts with this.
    error ReputationNotTransferable();
    /// @notice Only `minter` may mint or burn.
    error ReputationUnauthorized(address caller, address minter);

    /// @notice The only address allowed to mint and burn (fixed at deployment).
    function minter() external view returns (address);

    /// @notice Credits `amount` reputation to `account`. Emits {Transfer} from the zero address.
    function mint(address account, uint256 amount) external;

    /// @notice Removes up to `amount` reputation from `account` (never more than it holds) and
    /// returns what was removed. Emits {Transfer} to the zero address.
    function burn(address account, uint256 amount) external returns (uint256 burned);
}
