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
    /// @notice What an account can do on a contribution now to be paid the most (`claimable`).
    enum Claim {
        None,
        Refund,
        Report
    }

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
    /// @notice The same author re-added the same content in the second its last contribution
    /// was added: the contribution id (content, author, time) would repeat.
    error ContributionIdTaken(bytes32 id);
    error InvalidRecipient(address to);
    /// @notice A contribution carried less than the stake it must (wei).
    error InsufficientDeposit(uint256 sent, uint256 required);

    // ------------------------------------------------------------------ events
    /// @notice A contribution was accepted and the model learnt from it. `data` is the sample
    /// (it is not stored); `deposit` is in wei. `earnsReputation`: whether its refund will mint
    /// reputation (its content is new and the model predicted another class before learning it).
    event ContributionAdded(
        bytes32 indexed id,
        address indexed contributor,
        uint256 indexed label,
        uint256 deposit,
        uint256 addedAt,
        bytes data,
        bool earnsReputation
    );
    /// @notice The hash of the encoder spec every client must use, fixed at deployment.
    event EncoderRecorded(bytes32 specHash);
    /// @notice The hash of the dataset manifest the initial model was trained from, fixed at
    /// deployment (zero when none was recorded).
    event DatasetRecorded(bytes32 manifestHash);
    event Committed(bytes32 indexed commitment, address indexed contributor);
    /// @notice `account`'s whole credit, `amount` wei, was paid to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    /// @notice A contribution carried more than its stake; the excess is `contributor`'s credit.
    event OverpaymentCredited(address indexed contributor, uint256 amount);

    // ------------------------------------------------------------------ actions
    function addData(bytes calldata data, uint256 label) external payable;
    function commit(bytes32 commitment) external;
    function reveal(bytes calldata data, uint256 label, bytes32 salt) external payable;
    function refund(bytes calldata data, uint256 label) external;
    function report(bytes calldata data, uint256 label) external;
    /// @notice Pays the caller's whole credit to the caller.
    function withdraw() external;
    /// @notice Pays the caller's whole credit to `to` (for a caller that cannot receive ether).
    function withdrawTo(address payable to) external;

    // ------------------------------------------------------------------ views
    /// @notice The model's prediction (contentKey, contributionId and contribution come from
    /// the DataHandler).
    function predict(bytes calldata data) external view returns (uint256);

    /// @notice The deposit (wei) a contribution made now must carry; 0 for mechanisms without.
    function requiredDeposit() external view returns (uint256);

    /// @notice The deposit (wei) a contribution made at `timestamp` must carry, if no other
    /// contribution comes first.
    function requiredDepositAt(uint256 timestamp) external view returns (uint256);

    /// @notice What `account` should call now on the contribution of (data, label) to be paid
    /// the most, the wei it would be credited and the reputation it would earn; (None, 0, 0)
    /// when it can claim nothing.
    function claimable(bytes calldata data, uint256 label, address account)
        external
        view
        returns (Claim action, uint256 amount, uint256 reputationEarned);

    /// @notice Whether the refund of the open contribution of (data, label) would mint
    /// reputation: only a contribution that taught the model something does (its content was
    /// never contributed before and the model predicted another class before learning it).
    function earnsReputation(bytes calldata data, uint256 label) external view returns (bool);
}
