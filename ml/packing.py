"""Packed storage words and compact sample bytes, exactly as the contracts lay them out.

- Parameter words (contracts/libraries/PackedWords.sol): lane k of a 256-bit word holds bits
  [k * width, (k + 1) * width); int64 parameters use 4 lanes per word (two's complement), uint32
  counts 8 lanes.
- Sparse samples: strictly increasing feature indices, each a big-endian uint16.
- Dense samples: one big-endian int32 per dimension (fixed point, ONE = 1e6).
"""

from collections.abc import Iterable, Sequence

from ml.errors import InvalidSample
from ml.fixed_point import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, UINT32_MAX, check_range

INT64_LANES = 4
UINT32_LANES = 8


def _pack(values: Sequence[int], bits: int, lo: int, hi: int, what: str) -> list[int]:
    """Words holding `values` in lanes of `bits` bits (two's complement), the last zero-padded."""
    lanes, mask = 256 // bits, (1 << bits) - 1
    words = []
    for start in range(0, len(values), lanes):
        word = 0
        for lane, v in enumerate(values[start : start + lanes]):
            check_range(v, lo, hi, f"{what} {start + lane}")
            word |= (v & mask) << (bits * lane)
        words.append(word)
    return words


def _unpack(words: Iterable[int], count: int, bits: int, signed: bool) -> list[int]:
    mask, out = (1 << bits) - 1, []
    for word in words:
        for lane in range(256 // bits):
            v = (word >> (bits * lane)) & mask
            out.append(v - (1 << bits) if signed and v >> (bits - 1) else v)
    return out[:count]


def pack_int64(values: Sequence[int]) -> list[int]:
    """Words holding `values` as int64 lanes, 4 per word, the last word zero-padded."""
    return _pack(values, 64, INT64_MIN, INT64_MAX, "parameter")


def unpack_int64(words: Iterable[int], count: int) -> list[int]:
    return _unpack(words, count, 64, signed=True)


def pack_int32(values: Sequence[int]) -> list[int]:
    """Words holding `values` as int32 lanes, 8 per word, the last word zero-padded."""
    return _pack(values, 32, INT32_MIN, INT32_MAX, "parameter")


def unpack_int32(words: Iterable[int], count: int) -> list[int]:
    return _unpack(words, count, 32, signed=True)


def pack_uint32(values: Sequence[int]) -> list[int]:
    """Words holding `values` as uint32 lanes, 8 per word, the last word zero-padded."""
    return _pack(values, 32, 0, UINT32_MAX, "count")


def unpack_uint32(words: Iterable[int], count: int) -> list[int]:
    return _unpack(words, count, 32, signed=False)


def check_sparse(indices: Sequence[int], num_features: int) -> list[int]:
    """The indices as a list, or InvalidSample saying what the contract would reject."""
    indices = [int(i) for i in indices]
    if not indices:
        raise InvalidSample("empty sample: at least one present feature is needed")
    for pos, f in enumerate(indices):
        if not 0 <= f < num_features:
            raise InvalidSample(f"feature {f} is out of range [0, {num_features})")
        if pos and f <= indices[pos - 1]:
            raise InvalidSample(
                f"feature indices must be strictly increasing: {f} follows {indices[pos - 1]}"
            )
    return indices


def encode_sparse(indices: Sequence[int], num_features: int = 2**16) -> bytes:
    """The compact bytes of a sparse sample (validated)."""
    return b"".join(f.to_bytes(2, "big") for f in check_sparse(indices, num_features))


def decode_sparse(data: bytes) -> list[int]:
    if len(data) % 2:
        raise InvalidSample(f"a sparse sample has 2 bytes per feature, got {len(data)} bytes")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def encode_dense(values: Sequence[int], dimension: int | None = None) -> bytes:
    """The compact bytes of a dense sample given as fixed-point integers (int32 each)."""
    values = [int(v) for v in values]
    if not values:
        raise InvalidSample("empty sample")
    if dimension is not None and len(values) != dimension:
        raise InvalidSample(f"wrong dimension: {len(values)} values, the model takes {dimension}")
    for i, v in enumerate(values):
        if not INT32_MIN <= v <= INT32_MAX:
            raise InvalidSample(f"value {i} = {v} does not fit int32 (|x| must stay below 2147.48)")
    return b"".join(v.to_bytes(4, "big", signed=True) for v in values)


def decode_dense(data: bytes) -> list[int]:
    if len(data) % 4:
        raise InvalidSample(f"a dense sample has 4 bytes per value, got {len(data)} bytes")
    return [int.from_bytes(data[i : i + 4], "big", signed=True) for i in range(0, len(data), 4)]


def present_indices(X) -> list[list[int]]:
    """The sorted indices of the non-zero entries of each row of a matrix (the sparse samples of
    a 0/1 or count matrix)."""
    import numpy as np

    return [np.flatnonzero(np.asarray(row)).tolist() for row in np.asarray(X)]
