// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev What the registry reads from a trainer (every CollaborativeTrainer has both).
interface IRegisteredTrainer {
    function model() external view returns (address);
    function encoderSpecHash() external view returns (bytes32);
}

/// @dev What the registry reads from a model (every ModelBase is Ownable).
interface IOwnedModel {
    function owner() external view returns (address);
}

/// @title ModelRegistry
/// @notice A registry of model lines. A line is a sequence of versions of one model over one
/// input encoding; each version names a deployed (model, trainer) pair, the content-addressed
/// artifacts that describe it (IPFS CIDv1, sha2-256: the model snapshot, the encoder spec, the
/// dataset manifest and the test set its metrics were measured on), its parent version and its
/// accuracy on that test set.
/// A CID is stored as its 32-byte sha2-256 digest plus one bit of `dagPbMask` per artifact:
/// set when that artifact's CID uses the dag-pb codec (0x70, files over 256 KiB), clear for
/// raw (0x55). Bit positions are the artifact constants (SNAPSHOT = 0 ... TEST_SET = 3).
/// Only a line's owner registers its versions: a version is a claim (its snapshot, its
/// metrics) that the chain cannot check by itself, so each line has one accountable publisher
/// and anyone checks the claims off chain (`ape run verify`). Bonds would need a judge; the
/// prediction market is that judge. What the chain can check, it does: the trainer owns the
/// model, every version of a line records the same encoder, parents exist, the metrics are in
/// range and were not measured in the future.
/// The registry holds no ether and has no loop over user data.
contract ModelRegistry {
    /// @notice What a publisher registers.
    struct VersionInput {
        /// @dev The classifier contract.
        address model;
        /// @dev The trainer (a CollaborativeTrainer: DRT, Points or the market) that owns it.
        address trainer;
        /// @dev Digest of the model-snapshot artifact's CID.
        bytes32 snapshot;
        /// @dev Digest of the encoder-spec artifact's CID.
        bytes32 encoder;
        /// @dev Digest of the dataset-manifest artifact's CID.
        bytes32 dataset;
        /// @dev Digest of the CID of the test set the metrics were measured on.
        bytes32 testSet;
        /// @dev Bit `artifact` set: that artifact's CID is dag-pb (0x70), else raw (0x55).
        uint8 dagPbMask;
        /// @dev 0 for version 1; otherwise an existing version of the line.
        uint32 parent;
        /// @dev Accuracy on the test set, in parts per million (at most 1,000,000).
        uint32 accuracyPpm;
        /// @dev The block whose state the metrics and the snapshot were taken at.
        uint64 measuredAtBlock;
    }

    /// @notice A stored version: the input's fields, who published it and when (timestamp).
    /// @dev Packed into 7 slots, the fewest that hold them (3 addresses and 25 bytes of small
    /// fields fill 3 words; the 4 digests one each): (model, parent, accuracyPpm, dagPbMask),
    /// (trainer, measuredAtBlock), (publisher, publishedAt), snapshot, encoder, dataset, testSet.
    struct Version {
        address model;
        uint32 parent;
        uint32 accuracyPpm;
        uint8 dagPbMask;
        address trainer;
        uint64 measuredAtBlock;
        address publisher;
        uint64 publishedAt;
        bytes32 snapshot;
        bytes32 encoder;
        bytes32 dataset;
        bytes32 testSet;
    }

    /// @dev A line's state: (owner, versionCount) share a slot, which `register` reads and
    /// writes; the owner is never zero once created, so it also marks the line as existing.
    struct Line {
        address owner;
        uint32 versionCount;
        address pendingOwner;
        bytes32 encoderSpecHash;
    }

    /// @notice Artifact bit positions in `dagPbMask` (and the index `MissingArtifact` reports).
    uint256 public constant SNAPSHOT = 0;
    uint256 public constant ENCODER = 1;
    uint256 public constant DATASET = 2;
    uint256 public constant TEST_SET = 3;
    /// @notice Accuracy 1.0 in parts per million.
    uint32 public constant PPM = 1_000_000;

    uint256 private _lineCount;
    mapping(uint256 line => Line) private _lines;
    mapping(uint256 line => mapping(uint32 version => Version)) private _versions;

    // ------------------------------------------------------------------ errors

    /// @notice No line `line` exists; lines are numbered 1 to `lineCount`.
    error UnknownLine(uint256 line, uint256 lineCount);
    /// @notice Line `line` has no version `version`; versions are numbered 1 to `versionCount`.
    error UnknownVersion(uint256 line, uint32 version, uint32 versionCount);
    error NotLineOwner(uint256 line, address caller, address owner);
    /// @notice Only the account a transfer was started to can accept it.
    error NotPendingOwner(uint256 line, address caller, address pendingOwner);
    /// @notice The digest of artifact `artifact` (SNAPSHOT ... TEST_SET) is zero.
    error MissingArtifact(uint256 artifact);
    /// @notice `dagPbMask` has a bit set beyond the four artifacts.
    error InvalidCodecMask(uint8 mask);
    /// @notice `trainer` is not a contract whose `model()` is `model` and which `model`'s
    /// `owner()` names (an account without code, a contract without those views, a trainer of
    /// another model, or a model whose ownership went elsewhere), or it has no
    /// `encoderSpecHash()`.
    error TrainerDoesNotOwnModel(address trainer, address model);
    /// @notice The trainer records another encoder than the one version 1 fixed for the line.
    error EncoderMismatch(bytes32 expected, bytes32 actual);
    /// @notice Version 1 has parent 0; a later version a parent in [1, versionCount].
    error UnknownParent(uint32 parent, uint32 versionCount);
    error InvalidAccuracy(uint32 accuracyPpm);
    error MeasuredInFuture(uint64 measuredAt, uint256 blockNumber);

    // ------------------------------------------------------------------ events

    /// @notice `owner` created line `line`; `name` is recorded only here.
    event LineCreated(uint256 indexed line, address indexed owner, string name);
    /// @notice Version 1 of `line` fixed the line's encoder: the trainer's `encoderSpecHash`
    /// (keccak256 of the encoder's JSON spec), which every later version's trainer records too.
    event EncoderFixed(uint256 indexed line, bytes32 encoderSpecHash);
    /// @notice `version` of `line` was registered by the line's owner; with the block's
    /// timestamp and the line's ownership events, these fields rebuild the stored Version.
    event VersionRegistered(
        uint256 indexed line,
        uint32 indexed version,
        uint32 parent,
        address model,
        address trainer,
        bytes32 snapshot,
        bytes32 encoder,
        bytes32 dataset,
        bytes32 testSet,
        uint8 dagPbMask,
        uint32 accuracyPpm,
        uint64 measuredAtBlock
    );
    /// @notice `from` offered the line to `to` (zero: the offer was withdrawn).
    event LineTransferStarted(uint256 indexed line, address indexed from, address indexed to);
    event LineTransferred(uint256 indexed line, address indexed from, address indexed to);

    // ------------------------------------------------------------------ lines

    /// @notice Creates a line owned by the caller and returns its id (ids start at 1).
    function createLine(string calldata name) external returns (uint256 line) {
        line = ++_lineCount;
        _lines[line].owner = msg.sender;
        emit LineCreated(line, msg.sender, name);
    }

    /// @notice Starts handing `line` to `newOwner`, who must `acceptLine`; until then the
    /// caller stays the owner. A new call replaces the offer; `newOwner` zero withdraws it.
    function transferLine(uint256 line, address newOwner) external {
        Line storage l = _ownedLine(line);
        l.pendingOwner = newOwner;
        emit LineTransferStarted(line, msg.sender, newOwner);
    }

    /// @notice Takes over `line` (by the account `transferLine` named).
    function acceptLine(uint256 line) external {
        Line storage l = _existingLine(line);
        address pending = l.pendingOwner;
        if (msg.sender != pending) revert NotPendingOwner(line, msg.sender, pending);
        address from = l.owner;
        l.owner = msg.sender;
        delete l.pendingOwner;
        emit LineTransferred(line, from, msg.sender);
    }

    // ------------------------------------------------------------------ versions

    /// @notice Registers the next version of `line` (by its owner) and returns its number
    /// (versions start at 1).
    function register(uint256 line, VersionInput calldata v) external returns (uint32 number) {
        Line storage l = _ownedLine(line);
        uint32 count = l.versionCount;
        _checkInput(v, count);
        bytes32 spec = _checkTrainer(v.trainer, v.model);
        if (count == 0) {
            l.encoderSpecHash = spec;
            emit EncoderFixed(line, spec);
        } else {
            bytes32 expected = l.encoderSpecHash;
            if (spec != expected) revert EncoderMismatch(expected, spec);
        }
        // Checked: a line cannot reach 2^32 - 1 versions at ~150k gas each, and if it did
        // this reverts rather than overwrite version 0's empty slot.
        number = count + 1;
        l.versionCount = number;
        _versions[line][number] = Version({
            model: v.model,
            parent: v.parent,
            accuracyPpm: v.accuracyPpm,
            dagPbMask: v.dagPbMask,
            trainer: v.trainer,
            measuredAtBlock: v.measuredAtBlock,
            publisher: msg.sender,
            // Timestamps fit 64 bits for 584 billion years.
            publishedAt: uint64(block.timestamp),
            snapshot: v.snapshot,
            encoder: v.encoder,
            dataset: v.dataset,
            testSet: v.testSet
        });
        _emitRegistered(line, number, v);
    }

    // ------------------------------------------------------------------ views

    /// @notice Version `v` of `line`; reverts for a line or version that does not exist.
    function version(uint256 line, uint32 v) external view returns (Version memory) {
        uint32 count = _existingLine(line).versionCount;
        if (v == 0 || v > count) revert UnknownVersion(line, v, count);
        return _versions[line][v];
    }

    /// @notice How many versions `line` has (0 for a line that does not exist).
    function versionCount(uint256 line) external view returns (uint32) {
        return _lines[line].versionCount;
    }

    /// @notice The newest version of `line` (= versionCount; 0 while it has none).
    function latest(uint256 line) external view returns (uint32) {
        return _lines[line].versionCount;
    }

    /// @notice The owner of `line` (zero for a line that does not exist).
    function lineOwner(uint256 line) external view returns (address) {
        return _lines[line].owner;
    }

    /// @notice The account a transfer of `line` was started to (zero if none).
    function pendingOwner(uint256 line) external view returns (address) {
        return _lines[line].pendingOwner;
    }

    /// @notice The encoder spec hash version 1 fixed for `line` (zero before version 1, or if
    /// version 1's trainer recorded none: `versionCount` tells the two apart).
    function encoderSpecHash(uint256 line) external view returns (bytes32) {
        return _lines[line].encoderSpecHash;
    }

    /// @notice How many lines exist (they are numbered 1 to lineCount).
    function lineCount() external view returns (uint256) {
        return _lineCount;
    }

    // ------------------------------------------------------------------ internals

    /// @dev The line, which must exist: its owner is set at creation and never becomes zero
    /// (only a pending owner, never the zero address, can accept).
    function _existingLine(uint256 line) private view returns (Line storage l) {
        l = _lines[line];
        if (l.owner == address(0)) revert UnknownLine(line, _lineCount);
    }

    /// @dev The line, which must exist and be the caller's.
    function _ownedLine(uint256 line) private view returns (Line storage l) {
        l = _existingLine(line);
        address owner = l.owner;
        if (msg.sender != owner) revert NotLineOwner(line, msg.sender, owner);
    }

    /// @dev The checks on the input's own fields, given the line's current version count.
    function _checkInput(VersionInput calldata v, uint32 count) private view {
        if (v.dagPbMask >= 16) revert InvalidCodecMask(v.dagPbMask);
        if (v.snapshot == bytes32(0)) revert MissingArtifact(SNAPSHOT);
        if (v.encoder == bytes32(0)) revert MissingArtifact(ENCODER);
        if (v.dataset == bytes32(0)) revert MissingArtifact(DATASET);
        if (v.testSet == bytes32(0)) revert MissingArtifact(TEST_SET);
        if (v.accuracyPpm > PPM) revert InvalidAccuracy(v.accuracyPpm);
        if (v.measuredAtBlock > block.number) {
            revert MeasuredInFuture(v.measuredAtBlock, block.number);
        }
        // Version 1 has parent 0 (count 0); later ones a parent in [1, count].
        if (count == 0 ? v.parent != 0 : v.parent == 0 || v.parent > count) {
            revert UnknownParent(v.parent, count);
        }
    }

    /// @dev Checks that `trainer`'s `model()` is `model` and `model`'s `owner()` is `trainer`;
    /// returns the trainer's `encoderSpecHash()`. Any failure (no code, a revert, a short or
    /// mismatched answer) is TrainerDoesNotOwnModel rather than a raw revert.
    function _checkTrainer(address trainer, address model) private view returns (bytes32) {
        (bool ok, uint256 word) = _readWord(trainer, IRegisteredTrainer.model.selector);
        if (!ok || word != uint256(uint160(model))) revert TrainerDoesNotOwnModel(trainer, model);
        (ok, word) = _readWord(model, IOwnedModel.owner.selector);
        if (!ok || word != uint256(uint160(trainer))) {
            revert TrainerDoesNotOwnModel(trainer, model);
        }
        (ok, word) = _readWord(trainer, IRegisteredTrainer.encoderSpecHash.selector);
        if (!ok) revert TrainerDoesNotOwnModel(trainer, model);
        return bytes32(word);
    }

    /// @dev The first word `target.selector()` returns; `ok` is false when the call reverts or
    /// returns fewer than 32 bytes (as any account without code does). Only 32 bytes are
    /// copied, so a contract answering with a huge return buffer costs nothing extra here.
    function _readWord(address target, bytes4 selector)
        private
        view
        returns (bool ok, uint256 word)
    {
        assembly ("memory-safe") {
            // The scratch space (0x00-0x3f) holds the 4-byte call and the 32-byte answer.
            mstore(0x00, selector)
            ok := staticcall(gas(), target, 0x00, 0x04, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            word := mload(0x00)
        }
    }

    /// @dev The VersionRegistered event (a function of its own keeps `register`'s stack short).
    function _emitRegistered(uint256 line, uint32 number, VersionInput calldata v) private {
        emit VersionRegistered(
            line,
            number,
            v.parent,
            v.model,
            v.trainer,
            v.snapshot,
            v.encoder,
            v.dataset,
            v.testSet,
            v.dagPbMask,
            v.accuracyPpm,
            v.measuredAtBlock
        );
    }
}
