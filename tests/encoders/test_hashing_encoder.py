"""HashingEncoder: keccak-based indices, the same on every machine, in range, sorted, unique."""

import subprocess
import sys

import pytest
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.encoders import HashingEncoder, tokenise
from ml.encoders.hashing import token_index
from ml.errors import InvalidSample
from ml.packing import check_sparse, encode_sparse

MANY = settings(max_examples=500, deadline=None)


def test_index_is_the_first_four_bytes_of_keccak_modulo_the_size():
    assert keccak(b"good")[:4].hex() == "36a6e212"  # 916906514
    assert token_index("good", 2**16) == 916906514 % 2**16 == 57874
    assert token_index("good", 1000) == 514
    # Pinned values: any machine, any process, any language must agree.
    tokens = ("good", "bad", "film", "don't")
    assert [token_index(t, 2**16) for t in tokens] == [57874, 3238, 32764, 52965]
    assert [token_index(t, 1000) for t in tokens] == [514, 198, 244, 621]


def test_indices_do_not_depend_on_the_process():
    script = (
        "from ml.encoders import HashingEncoder;"
        "print(HashingEncoder(num_features=5000).encode('A good film, a GOOD cast <br /> 10/10'))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    expected = HashingEncoder(num_features=5000).encode("a good film a good cast 10 10")
    assert runs == {f"{expected}\n"}


def test_real_sentences_encode_case_folded_without_line_breaks():
    encoder = HashingEncoder()
    sample = encoder.encode("Great FILM.<br /><br />Great cast!")
    assert sample == sorted({token_index(t, 2**16) for t in ("great", "film", "cast")})
    assert encoder.encode("great film") == encoder.encode("FILM, great")


def test_collisions_are_kept_once():
    encoder = HashingEncoder(num_features=1)
    assert encoder.encode("many different words here") == [0]


def test_empty_texts_and_bad_sizes_are_refused():
    with pytest.raises(InvalidSample, match="the text has no token"):
        HashingEncoder().encode("?! <br />")
    with pytest.raises(InvalidSample, match=r"1 text has no token .*\(positions 1\)"):
        HashingEncoder().encode_batch(["fine", "..."])
    for bad in (0, 2**16 + 1):
        with pytest.raises(ValueError, match="num_features"):
            HashingEncoder(num_features=bad)
    assert HashingEncoder().fit(["anything"]).num_features == 2**16


@MANY
@given(
    st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=10),
    st.integers(1, 2**16),
)
def test_samples_are_in_range_sorted_unique_and_valid(texts, num_features):
    texts = [t for t in texts if tokenise(t)]
    encoder = HashingEncoder(num_features=num_features)
    batch = encoder.encode_batch(texts)
    assert batch == [encoder.encode(t) for t in texts]
    for text, sample in zip(texts, batch, strict=True):
        assert sample == sorted(set(sample))
        assert all(0 <= i < num_features for i in sample)
        assert check_sparse(sample, num_features) == sample
        assert encode_sparse(sample, num_features)
        assert sample == sorted({token_index(t, num_features) for t in tokenise(text)})
