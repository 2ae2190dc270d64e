"""Feature hashing: a text becomes the sorted indices of its hashed words, no vocabulary needed.

A token's index is the first 4 bytes of keccak256 of its UTF-8 bytes, read as a big-endian
unsigned integer, modulo `num_features`. keccak256 is the hash the contracts already use, so
anyone (a contract included) can recompute an index; Python's `hash` is salted per process and
must not be used. Distinct tokens may share an index (a collision); the sample holds it once.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Any

import numpy as np
from eth_utils import keccak

from ml.encoders.base import Encoder, check_texts, raise_empty, sparse_rows
from ml.encoders.tokeniser import TOKENISER, tokenise

MAX_SPARSE_FEATURES = 2**16


@lru_cache(maxsize=2**20)
def token_digest(token: str) -> int:
    """The first 4 bytes of keccak256(token as UTF-8), as a big-endian unsigned integer."""
    return int.from_bytes(keccak(token.encode("utf-8"))[:4], "big")


def token_index(token: str, num_features: int) -> int:
    """The feature index of `token` in a `HashingEncoder` with `num_features` features.

    Examples
    --------
    >>> token_index("good", 2**16) == int.from_bytes(keccak(b"good")[:4], "big") % 2**16
    True
    """
    return token_digest(token) % num_features


class HashingEncoder(Encoder):
    """Texts to the sorted hashed indices of their words (stateless; `fit` learns nothing).

    Parameters
    ----------
    num_features : int, default 65536
        Number of hash buckets, in [1, 65536] (indices are uint16 on chain).

    Examples
    --------
    >>> encoder = HashingEncoder(num_features=1024)
    >>> encoder.encode("Good film") == sorted({token_index("good", 1024),
    ...                                        token_index("film", 1024)})
    True
    """

    kind = "hashing"
    sparse = True

    def __init__(self, *, num_features: int = MAX_SPARSE_FEATURES):
        if isinstance(num_features, bool) or not isinstance(num_features, int):
            raise TypeError(f"num_features must be an int, got {num_features!r}")
        if not 1 <= num_features <= MAX_SPARSE_FEATURES:
            raise ValueError(f"num_features must be in [1, {MAX_SPARSE_FEATURES}]")
        self._num_features = num_features

    @property
    def num_features(self) -> int:
        return self._num_features

    def fit(self, texts=None) -> HashingEncoder:
        """Nothing to learn: return self (kept so every encoder fits the same way)."""
        if texts is not None:
            check_texts(texts)
        return self

    def _encode(self, many, single: bool) -> list[list[int]]:
        token_lists = [tokenise(text) for text in check_texts(many)]
        digests = np.fromiter(
            (token_digest(token) for token in chain.from_iterable(token_lists)), dtype=np.int64
        )
        doc_ids = np.repeat(np.arange(len(token_lists)), [len(t) for t in token_lists])
        rows = sparse_rows(doc_ids, digests % self._num_features, len(token_lists))
        empty = [position for position, row in enumerate(rows) if not row]
        if empty:
            raise_empty(
                empty,
                single,
                "no token (a run of a-z, 0-9 and inner apostrophes)",
            )
        return rows

    def _parameters(self) -> dict[str, Any]:
        return {"num_features": self._num_features}

    def _fitted_state(self) -> dict[str, Any]:
        return {
            "hash": "keccak256-first-4-bytes-big-endian-mod-num_features",
            "tokeniser": TOKENISER,
        }
