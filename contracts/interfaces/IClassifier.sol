// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The interface every on-chain model implements
/// @notice A classifier answers `predict` for free (a view call) and learns from each accepted
/// contribution through `update`, callable only by its owner (the trainer, once wired).
///
/// Samples are compact bytes, the same for calldata, events and hashing:
/// - sparse models: the indices of the present features as big-endian uint16, strictly
///   increasing (2 bytes per feature; no duplicates, so no sample counts twice);
/// - dense models: one big-endian int32 per dimension, fixed point with ONE = 1e6, each within
///   [-ONE, ONE] (what the encoders produce: unit-normalised vectors). The bound keeps any one
///   contribution from dragging a mean or a weight further than an honest sample could.
///
/// Large models are initialised after deployment in chunks of packed storage words (each chunk
/// written at most once), then finalised; after that parameters change only through `update`.
interface IClassifier {
    // ---------------------------------------------------------------- sample validation
    error EmptySample();
    /// @notice The sample's byte length is not a whole number of `bytesPerValue`-byte values.
    error MalformedSample(uint256 length, uint256 bytesPerValue);
    /// @notice A dense sample has `dimension` values; the model takes `expected`.
    error WrongDimension(uint256 dimension, uint256 expected);
    error FeatureOutOfRange(uint256 feature, uint256 numFeatures);
    /// @notice Component `index` of a dense sample is `value`, outside [-ONE, ONE] (ONE = 1e6).
    error ComponentOutOfRange(uint256 index, int256 value);
    /// @notice Sparse indices must be strictly increasing; at `position`, `feature` follows `previous`.
    error FeaturesNotIncreasing(uint256 position, uint256 previous, uint256 feature);
    error UnknownClass(uint256 label, uint256 numClasses);
    /// @notice An initial sample count of class `label` is above what its counter may hold.
    error ClassCountOverflow(uint256 label);

    // ---------------------------------------------------------------- lifecycle
    error ModelNotFinalized();
    error ModelAlreadyFinalized();
    error ChunkOutOfRange(uint256 chunk, uint256 chunkCount);
    error ChunkAlreadyWritten(uint256 chunk);
    error ChunkLengthMismatch(uint256 chunk, uint256 length, uint256 expected);
    /// @notice The unused lanes of the last parameter word must be zero.
    error NonZeroPadding(uint256 word);
    error InvalidConfiguration(string reason);

    /// @notice Parameter words [firstWord, firstWord + count) were written from off-chain training.
    event ChunkInitialized(uint256 indexed chunk, uint256 firstWord, uint256 count);
    /// @notice Initialisation is over; from now on only `update` changes parameters.
    event ModelFinalized(uint256 chunksWritten, uint256 chunkCount);
    /// @notice The model learnt from a sample labelled `label` (emitted only when parameters changed).
    event ModelUpdated(uint256 indexed label);

    /// @notice The predicted class index for `sample`.
    function predict(bytes calldata sample) external view returns (uint256);

    /// @notice Learns from `sample` labelled `label`. Only the owner; only after finalisation.
    /// Never reverts for overflow: every parameter saturates at its storage lane's range.
    /// @return predictedBefore The class `predict(sample)` returned just before this update,
    /// so that a caller can tell an informative contribution (one the model got wrong) from
    /// one it already agreed with, without a second call.
    function update(bytes calldata sample, uint256 label) external returns (uint256 predictedBefore);

    /// @notice The longest sample, in bytes, whose `predict` is guaranteed to cost at most
    /// PREDICT_GAS_BUDGET = 5,000,000 gas (ModelBase), call and calldata included. The budget is
    /// well under the 2^24 = 16,777,216 gas a transaction may use (EIP-7825), so that judging
    /// the largest accepted sample (a refund or report: its predict plus ~100k) always fits one
    /// transaction, and so does adding it (the prediction before the update, then the update,
    /// which writes what the prediction read: at most about three predictions' worth). Derived from the model's parameters (features per sample, classes) with
    /// measured worst-case coefficients (every feature in its own storage word); dense models
    /// answer exactly 4 * numFeatures, and refuse at construction a dimension whose predict
    /// could exceed the budget. A trainer must refuse longer samples.
    function maxSampleBytes() external view returns (uint256);

    /// @notice A short name of the model type, e.g. "sparse-perceptron".
    function modelKind() external pure returns (string memory);

    function numClasses() external view returns (uint256);
    function numFeatures() external view returns (uint256);
    function classNames() external view returns (string[] memory);
    function finalized() external view returns (bool);

    /// @notice Number of packed parameter words; `words` reads them, `initializeChunk` writes them.
    function wordCount() external view returns (uint256);
    function words(uint256 start, uint256 count) external view returns (uint256[] memory);
    function chunkCount() external view returns (uint256);
    function chunkWritten(uint256 chunk) external view returns (bool);

    /// @notice Writes chunk `chunk` (words [chunk * 256, ...)) of the packed parameters.
    function initializeChunk(uint256 chunk, uint256[] calldata values) external;
    /// @notice Ends initialisation; chunks never written stay zero.
    function finalize() external;
}
