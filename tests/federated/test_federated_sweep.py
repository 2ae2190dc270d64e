"""The sweep's points, their table and plot, on a one-round slice (the full sweep is
`make federated-sweep`)."""

import pytest

from ml.datasets import digits
from ml.federated.mlp import Architecture
from ml.federated.rounds import Data
from ml.federated.sweep import Point, breaking_share, plot, render_markdown, sweep


def test_a_slice_of_the_sweep_measures_each_point(tmp_path):
    data = Data.of(digits(seed=0), validation=200)
    arch = Architecture(features=64, hidden=8, classes=10)
    points = sweep(arch, data, rounds=1, rules=("mean",), attacks=("sign-flip",), shares=(0.1, 0.5))
    assert [(p.rule, p.attack, p.share) for p in points] == [
        ("mean", "sign-flip", 0.1),
        ("mean", "sign-flip", 0.5),
    ]
    assert points[1].accuracy < points[0].clean and 0 <= points[1].attackers_weight <= 1
    table = render_markdown(points, rounds=1)
    assert "| mean | sign-flip |" in table and table.count("\n| mean") == 1
    plot(points, tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").stat().st_size > 10_000


@pytest.mark.parametrize(("drops", "breaks"), [((0.0, 0.05, 0.2), 0.3), ((0.0, 0.08, 0.05), None)])
def test_a_rule_breaks_at_the_first_share_losing_more_than_the_margin(drops, breaks):
    points = [
        Point("median", "ipm", s, 0.9 - d, 0.9, 0.0)
        for s, d in zip((0.1, 0.2, 0.3), drops, strict=True)
    ]
    assert breaking_share(points, "median", "ipm") == breaks
