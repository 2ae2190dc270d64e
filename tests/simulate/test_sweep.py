"""A sweep runs every point on its own anvil and draws them."""

from ml.simulate import run_sweep, scenario_from_dict

TINY = {
    "name": "tiny",
    "days": 0.5,
    "refund_wait": "2h",
    "any_address_wait": "4h",
    "eval_interval": "6h",
    "agents": [
        {"name": "honest", "kind": "honest", "interval": "10m"},
        {"name": "attacker", "kind": "label-flip", "interval": "1h", "deposit": 100},
    ],
    "sweep": {"attacker": "attacker", "attacks": ["label-flip", "copycat"], "shares": [0.2]},
}


def test_a_sweep_writes_a_report_per_point_and_the_sweep_s_picture(tmp_path):
    points = run_sweep(scenario_from_dict(TINY), out=tmp_path)
    assert [(p["attack"], p["share"]) for p in points] == [("label-flip", 0.2), ("copycat", 0.2)]
    for name in ("tiny-label-flip-20", "tiny-copycat-20"):
        assert {"report.json", "accuracy.png", "balances.png"} <= {
            f.name for f in (tmp_path / name).iterdir()
        }
    assert {"sweep.json", "sweep.png", "summary.md"} <= {f.name for f in tmp_path.iterdir()}
    flip = points[0]
    assert flip["attacker_deposit_share"] > 0 and flip["attacker_percent"] < 100
