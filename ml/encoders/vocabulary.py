"""Bag of words over a fitted vocabulary: a text becomes the sorted indices of its known words.

The vocabulary is the `max_features` most frequent tokens of the fitting corpus (frequency =
number of occurrences; ties broken by code-point order of the tokens, so the result does not
depend on the corpus's order). A token's index is its frequency rank, so frequent words get small
indices, the cheapest for the contracts' packed storage. The vocabulary is part of the spec.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from typing import Any

import numpy as np

from ml.encoders.base import Encoder, check_texts, raise_empty, sparse_rows
from ml.encoders.tokeniser import TOKENISER, tokenise
from ml.errors import InvalidDataset, NotFittedError

MAX_SPARSE_FEATURES = 2**16


class VocabularyEncoder(Encoder):
    """Texts to the sorted indices of their words in a vocabulary learned by `fit`.

    Parameters
    ----------
    max_features : int, default 1000
        Largest vocabulary size, in [1, 65536]. The fitted vocabulary is smaller when the corpus
        has fewer distinct tokens.

    Attributes
    ----------
    vocabulary_ : list of str
        The tokens by index (most frequent first).

    Examples
    --------
    >>> encoder = VocabularyEncoder(max_features=3).fit(["a good film", "a bad film", "a film"])
    >>> encoder.vocabulary_
    ['a', 'film', 'bad']
    >>> encoder.encode("Film: BAD.")
    [1, 2]
    """

    kind = "vocabulary"
    sparse = True

    def __init__(self, *, max_features: int = 1000):
        if isinstance(max_features, bool) or not isinstance(max_features, int):
            raise TypeError(f"max_features must be an int, got {max_features!r}")
        if not 1 <= max_features <= MAX_SPARSE_FEATURES:
            raise ValueError(f"max_features must be in [1, {MAX_SPARSE_FEATURES}]")
        self.max_features = max_features

    def fit(self, texts) -> VocabularyEncoder:
        """Learn the vocabulary: the `max_features` most frequent tokens of `texts`.

        Parameters
        ----------
        texts : iterable of str
            The fitting corpus.

        Returns
        -------
        VocabularyEncoder
            self.

        Raises
        ------
        InvalidDataset
            If the corpus has no token at all.
        """
        counts = Counter(chain.from_iterable(tokenise(text) for text in check_texts(texts)))
        if not counts:
            raise InvalidDataset("the fitting corpus has no token, so no vocabulary")
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        self._set_vocabulary([token for token, _ in ranked[: self.max_features]])
        return self

    def _set_vocabulary(self, vocabulary: list[str]) -> None:
        self.vocabulary_ = list(vocabulary)
        self._index = {token: index for index, token in enumerate(self.vocabulary_)}

    def _check_fitted(self) -> None:
        if not hasattr(self, "vocabulary_"):
            raise NotFittedError("VocabularyEncoder has no vocabulary yet: call fit first")

    @property
    def num_features(self) -> int:
        """The vocabulary size."""
        self._check_fitted()
        return len(self.vocabulary_)

    def _encode(self, many, single: bool) -> list[list[int]]:
        self._check_fitted()
        token_lists = [tokenise(text) for text in check_texts(many)]
        index = self._index
        features = np.fromiter(
            (index.get(token, -1) for token in chain.from_iterable(token_lists)), dtype=np.int64
        )
        doc_ids = np.repeat(np.arange(len(token_lists)), [len(t) for t in token_lists])
        known = features >= 0
        rows = sparse_rows(doc_ids[known], features[known], len(token_lists))
        empty = [position for position, row in enumerate(rows) if not row]
        if empty:
            raise_empty(empty, single, "no token in the vocabulary")
        return rows

    def _parameters(self) -> dict[str, Any]:
        return {"max_features": self.max_features}

    def _fitted_state(self) -> dict[str, Any]:
        self._check_fitted()
        return {"tokeniser": TOKENISER, "vocabulary": list(self.vocabulary_)}

    def _restore(self, spec: dict[str, Any]) -> None:
        vocabulary = spec["vocabulary"]
        if not isinstance(vocabulary, list) or not all(isinstance(t, str) for t in vocabulary):
            raise TypeError("vocabulary must be a list of strings")
        if len(set(vocabulary)) != len(vocabulary):
            raise ValueError("vocabulary has a repeated token")
        if not 1 <= len(vocabulary) <= self.max_features:
            raise ValueError(f"vocabulary must have 1 to max_features = {self.max_features} tokens")
        for token in vocabulary:
            if tokenise(token) != [token]:
                raise ValueError(f"{token!r} is not a token of {TOKENISER}")
        self._set_vocabulary(vocabulary)
