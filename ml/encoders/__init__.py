"""Encoders: raw data to the contracts' samples, described by a public spec.

Everyone who talks to a model must encode data exactly as its owner did, so the encoding is part
of the model's public record: `Encoder.to_json` is its canonical spec and `Encoder.spec_hash` the
keccak256 recorded on chain; `load_spec` / `Encoder.from_json` rebuild the encoder from it.

- `VocabularyEncoder`: texts to sorted word indices over a fitted vocabulary (sparse).
- `HashingEncoder`: texts to sorted keccak-hashed word indices (sparse, stateless).
- `DenseEncoder`: real vectors to int32 fixed point, normalised (dense).
- `BinaryEncoder`: real vectors to the indices of their high features (sparse).
- `SentenceEmbeddingEncoder`: texts to projected all-MiniLM-L6-v2 embeddings (dense; loads torch
  on first use only).

Examples
--------
>>> encoder = VocabularyEncoder(max_features=50).fit(["a fine film", "a dull film"])
>>> same = Encoder.from_json(encoder.to_json())
>>> same.encode("FINE film") == encoder.encode("FINE film")
True
>>> same.spec_hash() == encoder.spec_hash()
True
"""

from ml.encoders.base import Encoder, canonical_json, encoder_kinds, load_spec
from ml.encoders.binary import BinaryEncoder
from ml.encoders.dense import DenseEncoder
from ml.encoders.embedding import SentenceEmbeddingEncoder
from ml.encoders.hashing import HashingEncoder
from ml.encoders.tokeniser import TOKENISER, tokenise
from ml.encoders.vocabulary import VocabularyEncoder

__all__ = [
    "TOKENISER",
    "BinaryEncoder",
    "DenseEncoder",
    "Encoder",
    "HashingEncoder",
    "SentenceEmbeddingEncoder",
    "VocabularyEncoder",
    "canonical_json",
    "encoder_kinds",
    "load_spec",
    "tokenise",
]
