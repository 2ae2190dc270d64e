"""VocabularyEncoder: a deterministic vocabulary by frequency rank, sorted unique indices."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.datasets import sample_reviews
from ml.encoders import VocabularyEncoder, tokenise
from ml.errors import CollabMLError, InvalidDataset, InvalidSample, NotFittedError
from ml.packing import check_sparse, decode_sparse, encode_sparse

MANY = settings(max_examples=300, deadline=None)

words = st.sampled_from(
    ["good", "bad", "film", "movie", "plot", "cast", "don't", "great", "awful", "10", "it's", "br"]
)
texts = st.lists(words, min_size=1, max_size=15).map(" ".join)


def test_frequent_words_get_small_indices_and_ties_go_alphabetically():
    corpus = ["the film the cast", "The plot, the film!", "zebra apple"]
    encoder = VocabularyEncoder(max_features=10).fit(corpus)
    # the: 4, film: 2, then the count-1 tokens in code-point order.
    assert encoder.vocabulary_ == ["the", "film", "apple", "cast", "plot", "zebra"]
    assert encoder.num_features == 6


def test_max_features_keeps_the_most_frequent():
    encoder = VocabularyEncoder(max_features=2).fit(["a a a b b c", "c c c d"])
    assert encoder.vocabulary_ == ["c", "a"]


def test_real_sentences_encode_case_folded_without_line_breaks():
    data = sample_reviews()
    encoder = VocabularyEncoder(max_features=200).fit(data.texts_initial + data.texts_train)
    sample = encoder.encode("One of the BEST films.<br /><br />Go and see it.")
    assert sample == sorted(set(sample))
    known = [t for t in tokenise("one of the best films go and see it") if t in encoder._index]
    assert sample == sorted({encoder._index[t] for t in known})
    assert "br" not in encoder.vocabulary_
    assert encoder.encode("THE FILM") == encoder.encode("the film") == encoder.encode("film the")
    assert encode_sparse(sample, encoder.num_features)


def test_a_text_without_a_known_token_is_refused():
    encoder = VocabularyEncoder().fit(["good film", "bad film"])
    with pytest.raises(InvalidSample, match="the text has no token in the vocabulary"):
        encoder.encode("Splendid!")
    with pytest.raises(InvalidSample, match=r"2 texts have no token .*\(positions 0, 2\)"):
        encoder.encode_batch(["", "good", "<br />"])
    with pytest.raises(InvalidSample) as raised:
        encoder.encode("")
    assert isinstance(raised.value, CollabMLError)


def test_misuse_is_reported():
    with pytest.raises(NotFittedError, match="call fit first"):
        VocabularyEncoder().encode("good")
    with pytest.raises(InvalidDataset, match="no token"):
        VocabularyEncoder().fit(["!!!", "<br />"])
    with pytest.raises(TypeError, match="not one str"):
        VocabularyEncoder().fit(["good"]).encode_batch("good film")
    with pytest.raises(TypeError, match="text 1 is a int"):
        VocabularyEncoder().fit(["good", 3])
    for bad in (0, 2**16 + 1):
        with pytest.raises(ValueError, match="max_features"):
            VocabularyEncoder(max_features=bad)
    assert repr(VocabularyEncoder(max_features=7)) == "VocabularyEncoder(max_features=7)"


@MANY
@given(st.lists(texts, min_size=1, max_size=20), st.lists(texts, min_size=1, max_size=8))
def test_samples_are_valid_and_the_batch_equals_one_by_one(corpus, queries):
    encoder = VocabularyEncoder(max_features=6).fit(corpus)
    queries = [q for q in queries if set(tokenise(q)) & set(encoder.vocabulary_)]
    batch = encoder.encode_batch(queries)
    assert batch == [encoder.encode(q) for q in queries]
    for query, sample in zip(queries, batch, strict=True):
        assert check_sparse(sample, encoder.num_features) == sample
        assert decode_sparse(encode_sparse(sample, encoder.num_features)) == sample
        assert {encoder.vocabulary_[i] for i in sample} == set(tokenise(query)) & set(
            encoder.vocabulary_
        )
