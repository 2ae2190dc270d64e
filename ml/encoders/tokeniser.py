"""The word tokeniser shared by the text encoders: a rule simple enough to restate anywhere.

The rule (identifier ``"collab-ml-words/1"``, recorded in every text encoder's spec):

1. **Case.** The ASCII letters ``A``-``Z`` become ``a``-``z``. No other character changes (no
   Unicode case folding, so every implementation agrees).
2. **HTML line breaks.** The text is scanned once from left to right and each match of the
   regular expression ``<br[ \\t\\n\\r\\f\\v]*/?>`` (after step 1, so ``<BR>`` too: this
   covers ``<br />``, ``<br/>`` and ``<br>``) is replaced by one space; the spaces put in are not
   scanned again (``<br<br>>`` becomes ``<br >``).
3. **Runs.** A candidate token is a maximal run of characters from the 37-character alphabet
   ``a``-``z``, ``0``-``9`` and the apostrophe ``'`` (U+0027). Every other character (space,
   punctuation, any non-ASCII character such as ``é`` or the typographic apostrophe ``’``)
   separates tokens.
4. **Apostrophes.** Leading and trailing apostrophes are stripped from each run; a run that is
   left empty is dropped. Inner apostrophes stay (``don't``, ``rock'n'roll``).

Tokens are returned in text order, repeats included.

>>> tokenise("I DIDN'T like it.<br /><br />'Ten' out of 10?")
['i', "didn't", 'like', 'it', 'ten', 'out', 'of', '10']
"""

from __future__ import annotations

import re

TOKENISER = "collab-ml-words/1"

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_LINE_BREAK = re.compile(r"<br[ \t\n\r\f\v]*/?>")  # applied after ascii_lower
# A maximal run of [a-z0-9'] with its end apostrophes stripped is exactly the span from the run's
# first letter or digit to its last one, which is what this pattern matches (greedy, ASCII only).
_TOKEN = re.compile(r"[a-z0-9](?:[a-z0-9']*[a-z0-9])?")


def ascii_lower(text: str) -> str:
    """`text` with ``A``-``Z`` mapped to ``a``-``z`` and every other character unchanged."""
    return text.translate(_ASCII_LOWER)


def remove_line_breaks(text: str) -> str:
    """`text` with each HTML line break (``<br>``, ``<br/>``, ``<br />``; lower case, so apply
    `ascii_lower` first) replaced by one space."""
    return _LINE_BREAK.sub(" ", text)


def tokenise(text: str) -> list[str]:
    """The tokens of `text` by the rule in this module's docstring.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    list of str
        The tokens in text order, repeats included (possibly empty).

    Examples
    --------
    >>> tokenise("Great film!<br/>GREAT cast.")
    ['great', 'film', 'great', 'cast']
    """
    if not isinstance(text, str):
        raise TypeError(f"a text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(remove_line_breaks(ascii_lower(text)))
