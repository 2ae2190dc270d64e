"""Contributor simulations on the real contracts: seeded agents (honest, noisy, attackers,
copycats, sybils, free-riders) contribute, claim refunds and take deposits on anvil for
simulated months, under any mechanism of `ml.mechanisms` (the scenario's `mechanism`), while
the model's accuracy and everyone's balance and reputation are measured.

>>> from ml.simulate import load_preset
>>> load_preset("quick").agents[1].kind
'label-flip'
"""

from __future__ import annotations

from .anvil import embedded_anvil
from .ledger import SimulationDiverged
from .report import summary
from .runner import Simulation, run_scenario
from .scenario import (
    Scenario,
    ScenarioError,
    Sweep,
    load_preset,
    load_scenario,
    preset_names,
    scenario_from_dict,
)
from .sweep import run_sweep

__all__ = [
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SimulationDiverged",
    "Sweep",
    "embedded_anvil",
    "load_preset",
    "load_scenario",
    "preset_names",
    "run_scenario",
    "run_sweep",
    "scenario_from_dict",
    "summary",
]
