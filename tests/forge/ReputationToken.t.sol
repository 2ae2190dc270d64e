// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {ReputationToken} from "../../contracts/token/ReputationToken.sol";
import {IReputationToken} from "../../contracts/interfaces/IReputationToken.sol";

contract ReputationTokenTest is Test {
    ReputationToken internal token;

    function setUp() public {
        token = new ReputationToken("Reputation", "REP");
    }

    function testFuzz_MintedReputationCannotBeTransferred(
        address holder,
        address to,
        uint96 amount,
        uint96 sent
    ) public {
        vm.assume(holder != address(0));
        token.mint(holder, amount);

        vm.prank(holder);
        vm.expectRevert(IReputationToken.ReputationNotTransferable.selector);
        token.transfer(to, sent);

        vm.prank(holder);
        vm.expectRevert(IReputationToken.ReputationNotTransferable.selector);
        token.approve(to, sent);

        vm.prank(to);
        vm.expectRevert(IReputationToken.ReputationNotTransferable.selector);
        token.transferFrom(holder, to, sent);

        assertEq(token.balanceOf(holder), amount, "balance unchanged");
        assertEq(token.totalSupply(), amount, "supply unchanged");
    }

    function testFuzz_OnlyMinterMintsAndBurns(address caller, address account, uint256 amount)
        public
    {
        vm.assume(caller != address(this));
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(
                IReputationToken.ReputationUnauthorized.selector, caller, address(this)
            )
        );
        token.mint(account, amount);

        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(
                IReputationToken.ReputationUnauthorized.selector, caller, address(this)
            )
        );
        token.burn(account, amount);
    }

    function testFuzz_BurnNeverTakesMoreThanHeld(address holder, uint128 minted, uint256 asked)
        public
    {
        vm.assume(holder != address(0));
        token.mint(holder, minted);
        uint256 burned = token.burn(holder, asked);
        assertEq(burned, asked < minted ? asked : minted, "burned = min(asked, held)");
        assertEq(token.balanceOf(holder), minted - burned, "balance falls by what was burned");
        assertEq(token.totalSupply(), minted - burned, "supply = sum of balances");
    }
}
