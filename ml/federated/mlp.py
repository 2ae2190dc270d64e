"""The participants' model off chain: a small torch MLP whose parameters travel as one vector
of fixed-point integers (`ml.fixed_point`: round(r * 10^6), ties away from zero), so that
updates can be committed, aggregated exactly and re-executed on chain.

An update is the difference between a participant's locally trained parameters and the round's
global ones, both quantised; the new global model is the old one plus the aggregate update.
Training is seeded and single-threaded, so the same inputs give the same update, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.errors import CollabMLError
from ml.federated.vectors import in_range
from ml.fixed_point import ONE, to_fixed


class InvalidUpdate(CollabMLError, ValueError):
    """A vector that is not an update of the round's model."""


@dataclass(frozen=True)
class Architecture:
    """An MLP: features -> hidden (ReLU) -> classes."""

    features: int
    hidden: int
    classes: int

    @property
    def size(self) -> int:
        """The number of parameters (= coordinates of a vector)."""
        return self.hidden * (self.features + 1) + self.classes * (self.hidden + 1)

    def module(self):
        import torch

        # float64: a quantised parameter loaded and read back is the same integer.
        return torch.nn.Sequential(
            torch.nn.Linear(self.features, self.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(self.hidden, self.classes),
        ).double()

    def initial(self, seed: int) -> list[int]:
        """The quantised parameters of a freshly initialised module (torch's default init)."""
        import torch

        torch.manual_seed(seed)
        return self.to_vector(self.module())

    def to_vector(self, module) -> list[int]:
        flat = np.concatenate([p.detach().double().numpy().ravel() for p in module.parameters()])
        vector = [to_fixed(float(v)) for v in flat]
        self.check(vector)
        return vector

    def load(self, vector: list[int]):
        """A module whose parameters are `vector` (dequantised)."""
        import torch

        self.check(vector)
        module = self.module()
        values = torch.tensor(vector, dtype=torch.float64) / ONE
        at = 0
        with torch.no_grad():
            for p in module.parameters():
                p.copy_(values[at : at + p.numel()].reshape(p.shape))
                at += p.numel()
        return module

    def check(self, vector) -> None:
        if len(vector) != self.size:
            raise InvalidUpdate(
                f"a vector of this model has {self.size} coordinates, got {len(vector)}"
            )
        for i, v in enumerate(vector):
            if not in_range(v):
                raise InvalidUpdate(f"coordinate {i} is {v!r}: give an integer within ±2^64")


def local_update(
    arch: Architecture,
    global_vector: list[int],
    X,
    y,
    *,
    epochs: int = 1,
    lr: float = 0.1,
    batch: int = 32,
    seed: int = 0,
) -> list[int]:
    """A participant's update: SGD on its shard (X, y) from the global parameters, as the
    quantised trained parameters minus the global ones."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    module = arch.load(global_vector)
    optimiser = torch.optim.SGD(module.parameters(), lr=lr)
    X = torch.tensor(np.asarray(X), dtype=torch.float64)
    y = torch.tensor(np.asarray(y), dtype=torch.long)
    for _ in range(epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), batch):
            rows = order[start : start + batch]
            optimiser.zero_grad()
            torch.nn.functional.cross_entropy(module(X[rows]), y[rows]).backward()
            optimiser.step()
    trained = arch.to_vector(module)
    return [t - g for t, g in zip(trained, global_vector, strict=True)]


def apply(global_vector: list[int], update: list[int]) -> list[int]:
    """The next global parameters: the old ones plus an (aggregate) update."""
    if len(update) != len(global_vector):
        raise InvalidUpdate(
            f"the update has {len(update)} coordinates, the model {len(global_vector)}"
        )
    return [g + u for g, u in zip(global_vector, update, strict=True)]


def predict(arch: Architecture, vector: list[int], X) -> np.ndarray:
    """The class the model `vector` gives each row of X."""
    import torch

    module = arch.load(vector)
    with torch.no_grad():
        return module(torch.tensor(np.asarray(X), dtype=torch.float64)).argmax(dim=1).numpy()


def accuracy(arch: Architecture, vector: list[int], X, y) -> float:
    return float((predict(arch, vector, X) == np.asarray(y)).mean())
