"""Throughput of every encoder's `encode_batch` on the shipped sample reviews.

Run with ``python scripts/bench_encoders.py`` (or ``ape run bench_encoders``). The 100 sample
reviews are repeated to `--docs` documents; the dense encoder gets as many seeded random 32-value
vectors. Each timing is the best of `--repeats` runs (one run for the slow embedding encoder),
after a warm-up call on 64 documents (which also loads the embedding model).
"""

import time

import click
import numpy as np

from ml.datasets import sample_reviews
from ml.encoders import (
    DenseEncoder,
    HashingEncoder,
    SentenceEmbeddingEncoder,
    VocabularyEncoder,
)


def _best_time(function, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


@click.command()
@click.option("--docs", default=10_000, show_default=True, help="Documents per encode_batch.")
@click.option(
    "--embedding-docs",
    default=None,
    type=int,
    help="Documents for the sentence embedding encoder (default: --docs).",
)
@click.option("--repeats", default=3, show_default=True, help="Timed runs; the best is shown.")
@click.option("--skip-embedding", is_flag=True, help="Leave out the sentence embedding encoder.")
def cli(docs, embedding_docs, repeats, skip_embedding):
    """Print documents per second of each encoder's encode_batch."""
    data = sample_reviews()
    sample = data.texts_train + data.texts_initial + data.texts_test
    texts = (sample * (docs // len(sample) + 1))[:docs]
    vectors = np.random.default_rng(0).normal(size=(docs, 32))

    cases = [
        ("VocabularyEncoder(max_features=1000)", VocabularyEncoder().fit(sample), texts),
        ("HashingEncoder(num_features=65536)", HashingEncoder(), texts),
        ("DenseEncoder(normalise='l2')", DenseEncoder(normalise="l2").fit(vectors), vectors),
        (
            "DenseEncoder(normalise='maxabs')",
            DenseEncoder(normalise="maxabs").fit(vectors),
            vectors,
        ),
    ]
    if not skip_embedding:
        count = embedding_docs or docs
        embedding_texts = (sample * (count // len(sample) + 1))[:count]
        cases.append(("SentenceEmbeddingEncoder(dimensions=32)", None, embedding_texts))

    click.echo(f"encode_batch throughput, best of {repeats} runs (embedding: 1 run)")
    for name, encoder, items in cases:
        if encoder is None:
            encoder = SentenceEmbeddingEncoder(dimensions=32)
            repeats_here = 1  # slow: one timed run is enough
        else:
            repeats_here = repeats
        encoder.encode_batch(items[:64])  # warm up: caches, lazy model loading
        seconds = _best_time(lambda e=encoder, i=items: e.encode_batch(i), repeats_here)
        click.echo(
            f"  {name:<40} {len(items):>7,} docs  {seconds:8.3f} s  "
            f"{len(items) / seconds:>12,.0f} docs/s"
        )


if __name__ == "__main__":
    cli()
