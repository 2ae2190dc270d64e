"""Bit-exact Python mirrors of the on-chain models, one per contract in contracts/models/."""

from ml.models.base import OnChainModel
from ml.models.naive_bayes import NaiveBayes
from ml.models.nearest_centroid import NearestCentroid, SparseNearestCentroid
from ml.models.perceptron import (
    AveragedMulticlassSparsePerceptron,
    AveragedSparsePerceptron,
    DensePerceptron,
    MulticlassSparsePerceptron,
    SparsePerceptron,
)

MODELS: dict[str, type[OnChainModel]] = {
    m.kind: m
    for m in (
        SparsePerceptron,
        AveragedSparsePerceptron,
        MulticlassSparsePerceptron,
        AveragedMulticlassSparsePerceptron,
        DensePerceptron,
        NaiveBayes,
        NearestCentroid,
        SparseNearestCentroid,
    )
}

__all__ = [
    "MODELS",
    "AveragedMulticlassSparsePerceptron",
    "AveragedSparsePerceptron",
    "DensePerceptron",
    "MulticlassSparsePerceptron",
    "NaiveBayes",
    "NearestCentroid",
    "OnChainModel",
    "SparseNearestCentroid",
    "SparsePerceptron",
]
