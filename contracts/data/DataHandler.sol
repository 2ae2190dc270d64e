// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DataHandler
/// @notice One storage slot per contribution: who added it, when, its stake and what is left of
/// it. The sample itself travels only in calldata and the ContributionAdded event. Records are
/// found by content, keccak256(label, data), so an identical open contribution is found and
/// rejected at once; a contribution's identity is keccak256(contentKey, contributor, addedAt).
/// A record is open while `remaining` > 0; once closed its content may be contributed again.
abstract contract DataHandler {
    /// @dev 20 + 4 + 4 + 4 bytes: exactly one slot. Stakes are in the mechanism's units, below
    /// 2^31; bit 31 of `stakeAndFlag` is set when the refund earns reputation (the flag costs no
    /// storage of its own: it is written with the record, and never changes).
    struct Record {
        address contributor;
        uint32 addedAt;
        uint32 stakeAndFlag;
        uint32 remaining;
    }

    /// @dev The flag bit of `Record.stakeAndFlag`.
    uint32 internal constant EARNS_REPUTATION = 1 << 31;
    /// @notice Stakes are held in whole units of 1e12 wei (one millionth of an ether).
    uint256 public constant DEPOSIT_UNIT = 1e12;
    /// @notice The largest stake, in units: the record's stake has 31 bits.
    uint256 public constant MAX_STAKE_UNITS = EARNS_REPUTATION - 1;

    mapping(bytes32 contentKey => Record) internal _records;

    /// @notice The storage key of the contribution of `data` labelled `label`.
    function contentKey(bytes calldata data, uint256 label) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(label, data));
    }

    /// @notice The identity of a contribution: its content, author and time.
    function contributionId(bytes32 contentKey_, address contributor, uint256 addedAt)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(contentKey_, contributor, addedAt));
    }

    /// @notice The record of the contribution of `data` labelled `label` (zero if none).
    function contribution(bytes calldata data, uint256 label)
        external
        view
        returns (address contributor, uint256 addedAt, uint256 stake, uint256 remaining)
    {
        Record memory r = _records[contentKey(data, label)];
        return (r.contributor, r.addedAt, _stakeOf(r), r.remaining);
    }

    /// @dev The units `r` staked.
    function _stakeOf(Record memory r) internal pure returns (uint256) {
        return r.stakeAndFlag & ~EARNS_REPUTATION;
    }

    /// @dev Whether the refund of `r` mints reputation.
    function _earnsReputation(Record memory r) internal pure returns (bool) {
        return r.stakeAndFlag & EARNS_REPUTATION != 0;
    }
}
