"""The public record: canonical JSON, spec round trips and spec hashes of every encoder."""

import json
import math

import numpy as np
import pytest
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.encoders import (
    BinaryEncoder,
    DenseEncoder,
    Encoder,
    HashingEncoder,
    SentenceEmbeddingEncoder,
    VocabularyEncoder,
    canonical_json,
    encoder_kinds,
    load_spec,
)
from ml.errors import CollabMLError, InvalidSpec

MANY = settings(max_examples=300, deadline=None)

words = st.sampled_from(
    [
        "good",
        "bad",
        "film",
        "movie",
        "plot",
        "cast",
        "don't",
        "great",
        "awful",
        "10",
        "it's",
        "the",
        "a",
        "of",
        "and",
        "br",
    ]
)
texts = st.lists(words, min_size=1, max_size=12).map(" ".join)
corpora = st.lists(texts, min_size=1, max_size=20)


def fitted_encoders(corpus):
    matrix = np.array([[len(text), text.count("o") - 2.5, 1.0] for text in corpus])
    return [
        VocabularyEncoder(max_features=8).fit(corpus),
        HashingEncoder(num_features=97).fit(corpus),
        DenseEncoder(normalise="l2").fit(matrix),
        DenseEncoder(normalise="maxabs", scale=3.5).fit(matrix),
        DenseEncoder(normalise="none", scale=0.001).fit(matrix),
        BinaryEncoder().fit(matrix),
    ]


# ---------------------------------------------------------------------- canonical JSON


def test_canonical_json_sorts_keys_and_has_no_whitespace():
    assert canonical_json({"b": 1, "a": [True, None, "x y"]}) == '{"a":[true,null,"x y"],"b":1}'


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-2.5, "-2.5"),
        (0.1, "0.1"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (123456789.125, "123456789.125"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9007199254740992.0, "9007199254740992"),
        (333333333.3333332, "333333333.3333332"),
    ],
)
def test_floats_are_written_as_ecmascript_writes_them(number, text):
    # The cases of RFC 8785 (JCS) appendix B and of ECMAScript's Number::toString.
    assert canonical_json(number) == text


@MANY
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_canonical_floats_read_back_exactly(number):
    assert float(json.loads(canonical_json(number))) == number


def test_canonical_json_rejects_what_json_cannot_hold():
    for bad in (math.nan, math.inf, {1: "x"}, np.int64(3), {"a": object()}):
        with pytest.raises((TypeError, ValueError)):
            canonical_json(bad)


# ---------------------------------------------------------------------- round trips


@MANY
@given(corpora, st.lists(texts, min_size=1, max_size=5))
def test_spec_round_trip_gives_the_same_encoder(corpus, queries):
    matrix_queries = np.array([[len(q), q.count("o") - 2.5, 1.0] for q in queries])
    for encoder in fitted_encoders(corpus):
        rebuilt = Encoder.from_json(encoder.to_json())
        assert type(rebuilt) is type(encoder)
        assert rebuilt.to_json() == encoder.to_json()
        assert rebuilt.spec_hash() == encoder.spec_hash()
        assert load_spec(json.loads(encoder.to_json())).to_json() == encoder.to_json()
        assert rebuilt.num_features == encoder.num_features
        assert rebuilt.sparse == encoder.sparse
        items = matrix_queries if isinstance(encoder, DenseEncoder | BinaryEncoder) else queries
        if isinstance(encoder, VocabularyEncoder):
            items = [q for q in queries if encoder._index.keys() & set(q.split())]
        if isinstance(encoder, BinaryEncoder):  # rows with a present feature
            items = [row for row in matrix_queries if _has_present(encoder, row)]
            if not items:
                continue
        assert rebuilt.encode_batch(items) == encoder.encode_batch(items)


def _has_present(encoder, row) -> bool:
    return any(t is not None and v >= t for v, t in zip(row, encoder.thresholds_, strict=True))


@MANY
@given(corpora)
def test_to_json_is_canonical_and_stable(corpus):
    for encoder in fitted_encoders(corpus):
        text = encoder.to_json()
        assert text == canonical_json(json.loads(text))
        assert text == encoder.to_json() == canonical_json(encoder.to_spec())
        assert " " not in text.replace('"hash":"', "")
        assert encoder.spec_hash() == "0x" + keccak(text.encode()).hex()


@MANY
@given(corpora)
def test_fitting_does_not_depend_on_the_corpus_order(corpus):
    forward = VocabularyEncoder(max_features=5).fit(corpus)
    backward = VocabularyEncoder(max_features=5).fit(corpus[::-1])
    assert forward.spec_hash() == backward.spec_hash()


def test_spec_hash_is_pinned_for_a_fixed_corpus():
    # A change to the spec layout, the tokeniser or the ranking must be deliberate: these are
    # the values a model deployed today records on chain.
    corpus = ["A good film <br />with a good cast", "A bad film", "Bad, BAD plot"]
    encoder = VocabularyEncoder(max_features=4).fit(corpus)
    assert encoder.to_json() == (
        '{"kind":"vocabulary","num_features":4,"parameters":{"max_features":4},'
        '"representation":"sparse","tokeniser":"collab-ml-words/1","version":1,'
        '"vocabulary":["a","bad","film","good"]}'
    )
    assert encoder.spec_hash() == "0x" + keccak(encoder.to_json().encode()).hex()
    assert encoder.spec_hash() == (
        "0x60ce9059944b63595c93f6d295fd98b65f66122f3eb02fc12f4f37f88bb74c26"
    )
    assert HashingEncoder(num_features=4096).spec_hash() == (
        "0x030bf386709de5552cfe38e244f347de6378244a7201c9e42408b4660f9ea4b2"
    )


def test_spec_hash_changes_with_the_vocabulary():
    base = VocabularyEncoder(max_features=3).fit(["good film", "good plot", "bad"])
    other = VocabularyEncoder(max_features=3).fit(["good film", "good plot", "awful"])
    assert base.vocabulary_ != other.vocabulary_
    assert base.spec_hash() != other.spec_hash()
    spec = base.to_spec()
    spec["vocabulary"] = list(reversed(spec["vocabulary"]))
    assert load_spec(spec).spec_hash() != base.spec_hash()  # same words, other indices


def test_spec_hash_changes_with_every_parameter():
    hashes = {
        HashingEncoder(num_features=1024).spec_hash(),
        HashingEncoder(num_features=1025).spec_hash(),
        DenseEncoder(normalise="l2").fit([[1.0, 2.0]]).spec_hash(),
        DenseEncoder(normalise="l2", scale=2.0).fit([[1.0, 2.0]]).spec_hash(),
        DenseEncoder(normalise="none").fit([[1.0, 2.0]]).spec_hash(),
        DenseEncoder(normalise="l2").fit([[1.0, 2.0, 3.0]]).spec_hash(),
        SentenceEmbeddingEncoder(dimensions=32).spec_hash(),
        SentenceEmbeddingEncoder(dimensions=16).spec_hash(),
        SentenceEmbeddingEncoder(dimensions=32, seed=1).spec_hash(),
    }
    assert len(hashes) == 9


def test_every_kind_is_registered():
    assert encoder_kinds() == {
        "vocabulary": VocabularyEncoder,
        "hashing": HashingEncoder,
        "dense": DenseEncoder,
        "sentence-embedding": SentenceEmbeddingEncoder,
        "binary": BinaryEncoder,
    }


# ---------------------------------------------------------------------- bad specs


def vocabulary_spec():
    return VocabularyEncoder(max_features=3).fit(["good film", "bad film"]).to_spec()


def edited(spec, **changes):
    return {**spec, **changes}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("not a dict", "JSON object"),
        (edited(vocabulary_spec(), kind="bag"), "unknown encoder kind 'bag'"),
        (edited(vocabulary_spec(), version=2), "version 2"),
        (edited(vocabulary_spec(), num_features=9), "spec.num_features is 9"),
        (edited(vocabulary_spec(), tokeniser="other/1"), "spec.tokeniser"),
        (edited(vocabulary_spec(), representation="dense"), "spec.representation"),
        (edited(vocabulary_spec(), extra=1), "unexpected field 'extra'"),
        (edited(vocabulary_spec(), vocabulary=["good", "good"]), "repeated"),
        (edited(vocabulary_spec(), vocabulary=["Good"]), "not a token"),
        (edited(vocabulary_spec(), parameters={"max_features": 0}), "max_features"),
        (edited(vocabulary_spec(), parameters={"size": 3}), "malformed"),
        ({k: v for k, v in vocabulary_spec().items() if k != "vocabulary"}, "vocabulary"),
        (
            edited(SentenceEmbeddingEncoder().to_spec(), model={"name": "other"}),
            "spec.model",
        ),
        (
            edited(DenseEncoder(normalise="maxabs").fit([[1.0, 2.0]]).to_spec(), max_abs=[1.0]),
            "max_abs",
        ),
        (
            edited(BinaryEncoder().fit([[1.0, 2.0], [0.0, 3.0]]).to_spec(), thresholds=[0.5]),
            "num_features must equal the number of thresholds",
        ),
        (
            edited(BinaryEncoder().fit([[1.0, 2.0], [0.0, 3.0]]).to_spec(), thresholds=["a", 1]),
            "numbers or null",
        ),
    ],
)
def test_bad_specs_are_refused_with_the_reason(spec, message):
    with pytest.raises(InvalidSpec, match=message) as raised:
        load_spec(spec)
    assert isinstance(raised.value, CollabMLError) and isinstance(raised.value, ValueError)


def test_a_subclass_builds_only_its_own_kind():
    spec = vocabulary_spec()
    assert isinstance(VocabularyEncoder.from_spec(spec), VocabularyEncoder)
    with pytest.raises(InvalidSpec, match="cannot build a HashingEncoder"):
        HashingEncoder.from_spec(spec)
    with pytest.raises(InvalidSpec, match="valid JSON"):
        Encoder.from_json("{not json")
