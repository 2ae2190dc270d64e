// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The single entry point of a collaboratively trained model
/// @notice Anyone adds labelled data through `addData` (or `commit` then `reveal` when the
/// trainer was deployed in commit-reveal mode); every accepted contribution updates the model in
/// the same transaction. After the refund wait, the author claims it back with `refund` if the
/// current model agrees with the label; others `report` it if the model disagrees. Amounts are
/// credited and paid out by `withdraw`. A contribution is found by its content (data, label)
/// and identified by `contributionId(contentKey, contributor, addedAt)`.
interface ICollaborativeTrainer {
    // ------------------------------------------------------------------ errors
    error SampleTooLarge(uint256 length, uint256 maxLength);
    /// @notice The same data with the same label is already an open contribution.
    error DuplicateContribution(bytes32 id);
    error UnknownContribution(bytes32 contentKey);
    /// @notice Nothing is left to claim on this contribution.
    error AlreadyClaimed(bytes32 id);
    error NotContributor(address caller, address contributor);
    error RefundTooEarly(uint256 addedAt, uint256 refundableAt);
    error ModelDisagrees(uint256 label, uint256 predicted);
    error ModelAgrees(uint256 label);
    error TakeTooEarly(uint256 addedAt, uint256 takeableAt);
    /// @notice The author cannot take their own contribution's deposit before anyone may.
    error SelfTake(address taker);
    error AlreadyTaken(bytes32 id, address taker);
    error NoReputation(address taker);
    error NothingToTake(bytes32 id, address taker);
    error NothingToWithdraw(address account);
    error CommitRevealRequired();
    error CommitRevealDisabled();
    error CommitmentExists(bytes32 commitment);
    error UnknownCommitment(bytes32 commitment);
    error RevealTooEarly(uint256 committedAt);
    error RevealTooLate(uint256 committedAt, uint256 deadline);
    error InvalidParameters(string reason);

    // ------------------------------------------------------------------ events
    /// @notice A contribution was accepted and the model learnt from it. `data` is the sample
    /// (it is not stored); `deposit` is in wei.
    event ContributionAdded(
        bytes32 indexed id,
        address indexed contributor,
        uint256 indexed label,
        uint256 deposit,
        uint256 addedAt,
        bytes data
    );
    /// @notice The hash of the encoder spec every client must use, fixed at deployment.
    event EncoderRecorded(bytes32 specHash);
    event Committed(bytes32 indexed commitment, address indexed contributor);
    event Withdrawn(address indexed account, uint256 amount);

    // ------------------------------------------------------------------ actions
    function addData(bytes calldata data, uint256 label) external payable;
    function commit(bytes32 commitment) external;
    function reveal(bytes calldata data, uint256 label, bytes32 salt) external payable;
    function refund(bytes calldata data, uint256 label) external;
    function report(bytes calldata data, uint256 label) external;

    // ------------------------------------------------------------------ views
    /// @notice The model's prediction (contentKey, contributionId and contribution come from
    /// the DataHandler).
    function predict(bytes calldata data) external view returns (uint256);
    function withdraw() external;
}
