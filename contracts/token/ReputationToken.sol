// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IReputationToken} from "../interfaces/IReputationToken.sol";

/// @title ReputationToken
/// @notice An ERC-20 whose balances only the minter can change. The minter is the deployer,
/// which in this system is the incentive mechanism: it creates its own token at deployment, so
/// no one else can ever mint.
contract ReputationToken is ERC20, IReputationToken {
    address public immutable minter;

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {
        minter = msg.sender;
    }

    modifier onlyMinter() {
        if (msg.sender != minter) revert ReputationUnauthorized(msg.sender, minter);
        _;
    }

    function mint(address account, uint256 amount) external onlyMinter {
        _mint(account, amount);
    }

    function burn(address account, uint256 amount) external onlyMinter returns (uint256 burned) {
        uint256 balance = balanceOf(account);
        burned = amount < balance ? amount : balance;
        _burn(account, burned);
    }

    /// @dev Reputation has no decimals: one unit is one validated contribution's worth.
    function decimals() public pure override returns (uint8) {
        return 0;
    }

    // ------------------------------------------------------------------------------------------
    // Not transferable: every transfer and approval path of ERC-20 reverts. The functions keep
    // ERC-20's nonpayable signatures so that wallets and tools see the standard ABI.
    // ------------------------------------------------------------------------------------------

    function transfer(address, uint256) public override(ERC20, IERC20) returns (bool) {
        revert ReputationNotTransferable();
    }

    function transferFrom(address, address, uint256) public override(ERC20, IERC20) returns (bool) {
        revert ReputationNotTransferable();
    }

    function approve(address, uint256) public override(ERC20, IERC20) returns (bool) {
        revert ReputationNotTransferable();
    }
}
