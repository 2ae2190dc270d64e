"""Dataset loaders: labelled-text CSV files (columns, labels, splits, errors), wine and iris."""

import numpy as np
import pytest

from ml import datasets
from ml.datasets import SAMPLE_REVIEWS, TextSplit, load_text_csv, sample_reviews
from ml.encoders import VocabularyEncoder
from ml.errors import CollabMLError, DatasetNotFound, InvalidDataset


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def all_texts(split: TextSplit) -> list[str]:
    return split.texts_train + split.texts_initial + split.texts_test


def test_the_sample_reviews_load_without_options():
    data = load_text_csv(SAMPLE_REVIEWS)
    assert data.class_names == ["negative", "positive"]
    assert (len(data.texts_train), len(data.texts_initial), len(data.texts_test)) == (70, 10, 20)
    assert len(data) == 100 and len(set(all_texts(data))) == 100
    for texts, y in (
        (data.texts_train, data.y_train),
        (data.texts_initial, data.y_initial),
        (data.texts_test, data.y_test),
    ):
        assert len(texts) == len(y) and y.dtype == np.int64
        assert y.mean() == 0.5  # stratified
    assert sample_reviews().texts_test == data.texts_test


def test_labels_map_to_sorted_class_indices(tmp_path):
    path = write(
        tmp_path,
        "text,label\n"
        + "".join(f"text {i},{label}\n" for i in range(4) for label in ("zeta", "alpha", "mid")),
    )
    data = load_text_csv(path, test_size=3, initial_size=3)
    assert data.class_names == ["alpha", "mid", "zeta"]
    for texts, y in ((data.texts_train, data.y_train), (data.texts_test, data.y_test)):
        # each text is labelled as written
        rows = {f"text {i}" for i in range(4)}
        assert set(texts) <= rows and set(y.tolist()) <= {0, 1, 2}
    assert sorted(data.y_test.tolist()) == [0, 1, 2]
    assert sorted(data.y_initial.tolist()) == [0, 1, 2]


def test_columns_can_be_chosen_or_are_found_by_name(tmp_path):
    text = "id,stars,comment,mood\n" + "".join(
        f"{i},{i % 5},comment number {i},{'up' if i % 2 else 'down'}\n" for i in range(20)
    )
    path = write(tmp_path, text)
    chosen = load_text_csv(path, text_column="comment", label_column="mood")
    assert chosen.class_names == ["down", "up"]
    assert all(t.startswith("comment number") for t in all_texts(chosen))
    by_stars = load_text_csv(
        path, text_column="comment", label_column="stars", test_size=5, initial_size=5
    )
    assert by_stars.class_names == ["0", "1", "2", "3", "4"]
    with pytest.raises(InvalidDataset, match=r"holds the text .*pass text_column="):
        load_text_csv(path)
    with pytest.raises(InvalidDataset, match="no column 'body'"):
        load_text_csv(path, text_column="body", label_column="mood")
    named = write(tmp_path, "Label,Sentence\n" + "pos,good\nneg,bad\n" * 6, "named.csv")
    data = load_text_csv(
        named, initial_size=2
    )  # found by name (case-insensitively), whatever the order
    assert set(all_texts(data)) == {"good", "bad"} and data.class_names == ["neg", "pos"]


def test_splits_depend_only_on_the_seed():
    first, again = load_text_csv(SAMPLE_REVIEWS, seed=3), load_text_csv(SAMPLE_REVIEWS, seed=3)
    other = load_text_csv(SAMPLE_REVIEWS, seed=4)
    assert first.texts_train == again.texts_train and first.texts_test == again.texts_test
    assert np.array_equal(first.y_initial, again.y_initial)
    assert first.texts_test != other.texts_test
    assert sorted(all_texts(first)) == sorted(all_texts(other))
    none = load_text_csv(SAMPLE_REVIEWS, initial_size=0, test_size=0.25)
    assert (len(none.texts_train), len(none.texts_initial), len(none.texts_test)) == (75, 0, 25)


def test_a_missing_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DatasetNotFound, match="no labelled-text CSV file at .*nope.csv") as raised:
        load_text_csv(missing)
    assert isinstance(raised.value, FileNotFoundError) and isinstance(raised.value, CollabMLError)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("review,sentiment\ngood,pos\n,neg\n", "line 3: empty text or label"),
        ("review,sentiment\ngood,pos\nbad\n", "line 3: 1 fields"),
        ("review,sentiment\n" + "fine,pos\n" * 10, "1 class"),
        ("review,sentiment\n" + "good,pos\nbad,neg\n" + "ok,pos\n" * 8, "cannot split"),
    ],
)
def test_malformed_files_are_refused(tmp_path, content, message):
    with pytest.raises(InvalidDataset, match=message):
        load_text_csv(write(tmp_path, content))


def test_a_byte_order_mark_and_quoted_fields_are_read(tmp_path):
    path = tmp_path / "bom.csv"
    rows = '"Good, really<br />good",positive\n"Bad, ""very"" bad",negative\n' * 5
    path.write_text("\ufeffreview,sentiment\n" + rows, encoding="utf-8")
    data = load_text_csv(path, test_size=2, initial_size=0)
    assert set(all_texts(data)) == {"Good, really<br />good", 'Bad, "very" bad'}


def test_the_sample_reviews_fit_a_vocabulary():
    data = sample_reviews()
    encoder = VocabularyEncoder(max_features=300).fit(data.texts_initial + data.texts_train)
    samples = encoder.encode_batch(data.texts_train)
    assert len(samples) == len(data.texts_train) and all(samples)


@pytest.mark.parametrize(
    ("loader", "features", "classes", "samples"),
    [(datasets.wine, 13, 3, 178), (datasets.iris, 4, 3, 150)],
)
def test_wine_and_iris_are_split_and_standardised(loader, features, classes, samples):
    data = loader(seed=0)
    assert data.num_features == features and data.num_classes == classes
    assert len(data.X_train) + len(data.X_test) == samples
    assert all(isinstance(name, str) for name in data.class_names)
    assert np.allclose(data.X_train.mean(axis=0), 0)
    assert np.allclose(data.X_train.std(axis=0), 1 / np.sqrt(features))
    assert np.abs(data.X_test).max() < 10  # well inside int32 fixed point
    again = loader(seed=0)
    assert np.array_equal(data.X_test, again.X_test) and np.array_equal(data.y_test, again.y_test)
