"""The word tokeniser: the documented rule, on real sentences and on arbitrary text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ml.encoders import TOKENISER, tokenise
from ml.encoders.tokeniser import ascii_lower, remove_line_breaks

MANY = settings(max_examples=1000, deadline=None)
ALPHABET = set("abcdefghijklmnopqrstuvwxyz0123456789'")


def reference_tokenise(text: str) -> list[str]:
    """The rule as the docstring states it, step by step, written independently."""
    lowered = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)
    no_breaks, i = "", 0
    while i < len(lowered):  # one left-to-right scan; replacements are not rescanned
        end = i + 3
        if lowered.startswith("<br", i):
            while end < len(lowered) and lowered[end] in " \t\n\r\f\v":
                end += 1
            if end < len(lowered) and lowered[end] == "/":
                end += 1
            if end < len(lowered) and lowered[end] == ">":
                no_breaks, i = no_breaks + " ", end + 1
                continue
        no_breaks, i = no_breaks + lowered[i], i + 1
    runs, current = [], ""
    for character in no_breaks + " ":
        if character in ALPHABET:
            current += character
        else:
            runs.append(current)
            current = ""
    return [run.strip("'") for run in runs if run.strip("'")]


def test_html_line_breaks_are_removed_in_every_spelling():
    text = "Good<br />film<br/>and<br>cast<BR />end<br   />now"
    assert tokenise(text) == ["good", "film", "and", "cast", "end", "now"]
    assert "br" not in tokenise("one<br /><br />two")


def test_case_is_folded_and_punctuation_separates():
    assert tokenise("GREAT Film, great FILM!") == ["great", "film", "great", "film"]
    assert tokenise("10/10 -- would watch again...") == ["10", "10", "would", "watch", "again"]


def test_apostrophes_are_stripped_only_at_token_ends():
    assert tokenise("I didn't say 'rock'n'roll' or ''quoted''") == [
        "i",
        "didn't",
        "say",
        "rock'n'roll",
        "or",
        "quoted",
    ]
    assert tokenise("' '' '''") == []


def test_only_ascii_letters_are_lower_cased_and_others_separate():
    # The Kelvin sign and dotted capital I would become k / i with Unicode lower-casing.
    assert tokenise("\u212aelvin \u0130stanbul café don’t") == [
        "elvin",
        "stanbul",
        "caf",
        "don",
        "t",
    ]
    assert ascii_lower("ÀBC") == "Àbc"


def test_the_rule_has_a_name_recorded_in_specs():
    assert TOKENISER == "collab-ml-words/1"


@MANY
@given(st.text())
def test_tokens_follow_the_documented_rule(text):
    tokens = tokenise(text)
    assert tokens == reference_tokenise(text)
    for token in tokens:
        assert token and set(token) <= ALPHABET
        assert token[0] != "'" and token[-1] != "'"


@MANY
@given(st.text(alphabet=st.sampled_from(list("ab'< />rBR \n"))))
def test_line_break_removal_and_tokenising_on_tag_like_text(text):
    assert tokenise(text) == reference_tokenise(text)


def test_line_breaks_are_replaced_in_one_pass():
    # The space left by a replacement is not rescanned: "<br<br>>" becomes "<br >".
    assert remove_line_breaks("<br<br>>") == "<br >"
    assert tokenise("<br<br>>") == ["br"]
