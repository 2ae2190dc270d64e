"""A sweep runs every point on its own anvil and draws them."""

from ml.simulate import run_sweep


def test_a_sweep_writes_a_report_per_point_and_the_sweep_s_picture(tmp_path, tiny_sweep):
    scenario = tiny_sweep(
        "tiny",
        attacks=["label-flip", "copycat"],
        shares=[0.2],
        mechanisms=["deposit-refund-take", "points"],
    )
    points = run_sweep(scenario, out=tmp_path)
    expected = [
        (mechanism, attack, 0.2)
        for mechanism in ("deposit-refund-take", "points")
        for attack in ("label-flip", "copycat")
    ]
    assert [(p["mechanism"], p["attack"], p["share"]) for p in points] == expected
    for mechanism, attack, _ in expected:
        assert {"report.json", "accuracy.png", "balances.png"} <= {
            f.name for f in (tmp_path / f"tiny-{mechanism}-{attack}-20").iterdir()
        }
    assert {"sweep.json", "sweep.png", "summary.md"} <= {f.name for f in tmp_path.iterdir()}
    flip, points_flip = points[0], points[2]
    assert flip["attacker_deposit_share"] > 0 and flip["attacker_percent"] < 100
    # Under Points nothing is deposited: gas is free here, so every balance stays whole.
    assert points_flip["attacker_deposit_share"] == 0
    assert points_flip["attacker_percent"] == points_flip["honest_percent"] == 100
    # One table: per mechanism, attack and share, the attacker's and the honest agent's result.
    table = (tmp_path / "summary.md").read_text()
    assert "| mechanism | attack |" in table
    assert "| points | label-flip | 20% | 0% |" in table
    assert "| deposit-refund-take | copycat | 20% |" in table
