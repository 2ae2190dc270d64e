"""Scenarios: who takes part, on which model and mechanism, for how long. Written as YAML (the
presets in ml/simulate/presets/ are examples) and validated here into frozen dataclasses.

Money is in *units* of `unit_wei` (default 1e15 wei, a thousandth of an ether); durations are
seconds or strings such as "10m", "1.5h", "9d", "2w" (`ml.durations`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from itertools import product
from pathlib import Path

import yaml

from ml import durations, mechanisms, pipeline, test_set
from ml.errors import CollabMLError

PRESETS_DIR = Path(__file__).parent / "presets"
DAY = 86_400
# The run starts this long after the trainer's deployment, so that every time in it (and so
# every deposit) is the same from run to run whatever the deployment's wall-clock time.
START_DELAY = 3600

AGENT_KINDS = (
    "honest",
    "noisy",
    "label-flip",
    "judge-steer",
    "copycat",
    "sybil",
    "free-rider",
    "provider",
)
#: Kinds that contribute on their own schedule (a copycat contributes only by copying).
CONTRIBUTING_KINDS = ("honest", "noisy", "label-flip", "judge-steer", "sybil")
ATTACK_KINDS = ("label-flip", "judge-steer", "copycat", "sybil", "free-rider")


class ScenarioError(CollabMLError, ValueError):
    """A scenario file or preset that is missing, malformed or inconsistent."""


def parse_duration(value, what: str) -> int:
    """Seconds from a duration in the grammar of `ml.durations`; `what` names the setting."""
    try:
        return durations.parse_duration(value)
    except durations.InvalidDuration as err:
        raise ScenarioError(f"{what}: {err}") from None


@dataclass(frozen=True)
class AgentSpec:
    """One participant. Every contributing agent acts about every `interval` seconds (normal
    jitter), and on each turn offers a deposit drawn from N(deposit, deposit_jitter) units: it
    contributes only if the contract's required deposit is at most that (and pays exactly the
    required deposit), as the reference's agents offer a deposit and get the excess back."""

    name: str
    kind: str
    balance: float = 10_000.0  # units
    interval: int = 600
    jitter: int = 1
    deposit: float = 50.0  # units
    deposit_jitter: float = 10.0
    noise: float = 0.0  # noisy: share of wrong labels
    addresses: int = 1  # sybil: addresses of one attacker
    copy_rate: float = 0.0  # copycat: share of others' contributions it front-runs
    farm: float = 0.2  # judge-steer: share of its contributions that are correct (reputation)
    source: int = 0  # judge-steer: samples of this class ...
    target: int = 1  # ... are labelled as this one
    reveals: bool = True  # provider: reveals the test set after the window (else it forfeits)
    reveal_chunk: int = 50  # provider: test-set leaves per revealTestSet
    evaluate_steps: int = 100  # provider: scoring steps per evaluate (one update or prediction)

    @property
    def contributes(self) -> bool:
        return self.kind in CONTRIBUTING_KINDS


@dataclass(frozen=True)
class Scenario:
    name: str
    agents: tuple[AgentSpec, ...]
    seed: int = 0
    days: float = 155.0
    #: a bundled dataset (ml.pipeline.BUNDLED) or a labelled-text CSV (a relative path is read
    #: from the scenario file's folder), split and encoded as `ape run deploy` does
    dataset: str = "digits"
    text_column: str | None = None  # the CSV's columns (default: guessed)
    label_column: str | None = None
    encoder: str | None = None  # one of ml.pipeline.ENCODERS (default: the model's)
    features: int | None = None  # vocabulary size, hashed features or embedding dimensions
    model: str = "naive-bayes"  # a kind of ml.models.MODELS
    mechanism: str = mechanisms.DEFAULT  # a kind in ml.mechanisms.MECHANISMS
    #: any other deployment parameter of a mechanism (ml.mechanisms), by name
    parameters: tuple[tuple[str, int], ...] = ()
    initial_share: float = 0.08
    #: a market (a mechanism that takes a test set): the reward pool its provider funds and the
    #: stake of every contribution, in units; the size of its hidden test set, drawn from the
    #: contributors' pool and taken out of it (`ml.simulate.data`)
    reward: float = 0.0
    stake: float = 1.0
    market_test_size: int = 200
    unit_wei: int = 10**15
    deposit_after_1s: float = 60.0  # units: the required deposit 1 s after the last update
    refund_wait: int = DAY
    any_address_wait: int = 9 * DAY
    block_time: int = 12
    eval_interval: int = DAY
    check_interval: int = 10 * DAY
    gas_price_gwei: float = 0.0
    learning_rate: float = 0.5  # perceptrons
    alpha: float = 1.0  # naive Bayes smoothing

    @property
    def duration(self) -> int:
        return round(self.days * DAY)

    @property
    def cost_weight(self) -> int:
        """The contract's cost weight (wei): required deposit = costWeight * 3600 / sqrt(s)."""
        return round(self.deposit_after_1s * self.unit_wei / 3600)

    def trainer_parameters(self) -> dict[str, int]:
        """The deployment parameters of the scenario's mechanism (`ml.mechanisms`), checked."""
        given = {
            "cost_weight": self.cost_weight,
            "stake": round(self.stake * self.unit_wei),
            "refund_wait": self.refund_wait,
            "any_address_wait": self.any_address_wait,
            **dict(self.parameters),
        }
        if given.get("commit_reveal_window", 0):
            raise ScenarioError(
                "parameters.commit_reveal_window: the simulation's agents contribute with "
                "addData, so commit-reveal stays off (0)"
            )
        try:
            return mechanisms.get(self.mechanism).parameters_from(given, spell=_yaml_name)
        except mechanisms.MechanismError as err:
            raise ScenarioError(f"mechanism {self.mechanism}: {err}") from None

    @property
    def takes_test_set(self) -> bool:
        """Whether the mechanism is a market (a provider, a hidden test set, a reward pool)."""
        return mechanisms.get(self.mechanism).takes_test_set

    @property
    def reward_wei(self) -> int:
        return round(self.reward * self.unit_wei)

    @property
    def gas_price_wei(self) -> int:
        return round(self.gas_price_gwei * 10**9)

    def units(self, wei: int) -> float:
        return wei / self.unit_wei


@dataclass(frozen=True)
class Sweep:
    """The same scenario for each mechanism, each attack kind, each attacker share of the
    contributions (so, nearly, of the deposits: a deposit depends only on the time since the
    last update) and each gas price (none given: the base scenario's)."""

    base: Scenario
    attacker: str
    attacks: tuple[str, ...]
    shares: tuple[float, ...] = field(default=(0.1, 0.2, 0.3, 0.4, 0.5))
    mechanisms: tuple[str, ...] = (mechanisms.DEFAULT,)
    gas_prices_gwei: tuple[float, ...] = ()

    @property
    def name(self) -> str:
        return self.base.name

    def scenarios(self) -> list[tuple[str, str, float, Scenario]]:
        """(mechanism, attack kind, share, scenario) for every point of the sweep."""
        others = [a for a in self.base.agents if a.name != self.attacker and a.contributes]
        rate = sum(1 / a.interval for a in others)  # their contributions per second
        prices = self.gas_prices_gwei or (self.base.gas_price_gwei,)
        out = []
        for mechanism, kind, share, gwei in product(
            self.mechanisms, self.attacks, self.shares, prices
        ):
            market = mechanisms.get(mechanism).takes_test_set
            agents = []
            for a in self.base.agents:
                if a.kind == "provider" and not market:
                    continue  # only a market has a provider
                if a.name == self.attacker:
                    interval = round((1 - share) / (share * rate))
                    # A copycat copies instead of keeping a schedule.
                    copy_rate = min(1.0, share / (1 - share))
                    a = replace(a, kind=kind, interval=interval, copy_rate=copy_rate)
                agents.append(a)
            name = f"{self.base.name}-{mechanism}-{kind}-{round(share * 100)}"
            if self.gas_prices_gwei:
                name += f"-{gwei:g}gwei"
            scenario = replace(
                self.base,
                name=name,
                mechanism=mechanism,
                agents=tuple(agents),
                gas_price_gwei=gwei,
            )
            out.append((mechanism, kind, share, scenario))
        return out


# ---------------------------------------------------------------------- loading

_DURATIONS = {"refund_wait", "any_address_wait", "block_time", "eval_interval", "check_interval"}
_AGENT_DURATIONS = {"interval", "jitter"}


def _number(value, what: str, *, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{what}: expected a number, got {value!r}")
    if not low <= value <= high:
        raise ScenarioError(f"{what}: {value} is outside [{low}, {high}]")
    return value


def _yaml_name(parameter: str) -> str:
    """A mechanism parameter as the scenario sets it."""
    return "deposit_after_1s (cost_weight)" if parameter == "cost_weight" else parameter


def _mechanism(value, what: str) -> str:
    if not isinstance(value, str) or value not in mechanisms.MECHANISMS:
        raise ScenarioError(
            f"{what}: {value!r} is not a mechanism; mechanisms: {', '.join(mechanisms.MECHANISMS)}"
        )
    return value


def _parameters(raw) -> tuple[tuple[str, int], ...]:
    """`parameters:`: other deployment parameters of the mechanisms, by their registry name."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"parameters: expected a mapping of name: value, got {raw!r}")
    known = mechanisms.all_parameters()
    out = []
    for name, value in raw.items():
        if name not in known:
            raise ScenarioError(
                f"parameters: {name!r} is not a mechanism parameter; they are " + ", ".join(known)
            )
        if name in ("cost_weight", "stake", "refund_wait", "any_address_wait"):
            raise ScenarioError(f"parameters.{name}: set it as a scenario setting instead")
        if known[name].unit == "seconds":
            out.append((name, parse_duration(value, f"parameters.{name}")))
        else:
            out.append((name, int(_number(value, f"parameters.{name}", high=2**255))))
    return tuple(out)


def _check_keys(raw: dict, allowed, what: str) -> None:
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ScenarioError(f"{what}: unknown key(s) {', '.join(unknown)}")


def _agent(raw, index: int) -> AgentSpec:
    what = f"agents[{index}]"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{what}: expected a mapping, got {raw!r}")
    _check_keys(raw, {f.name for f in fields(AgentSpec)}, what)
    if "name" not in raw or "kind" not in raw:
        raise ScenarioError(f"{what}: needs a name and a kind")
    if raw["kind"] not in AGENT_KINDS:
        raise ScenarioError(f"{what}: kind {raw['kind']!r} is not one of {', '.join(AGENT_KINDS)}")
    values = {"name": str(raw["name"]), "kind": raw["kind"]}
    for key, value in raw.items():
        if key in values:
            continue
        if key in _AGENT_DURATIONS:
            values[key] = parse_duration(value, f"{what}.{key}")
        elif key in ("noise", "copy_rate", "farm"):
            values[key] = _number(value, f"{what}.{key}", high=1.0)
        elif key in ("addresses", "source", "target"):
            values[key] = int(_number(value, f"{what}.{key}", high=1000))
        elif key == "reveals":
            if not isinstance(value, bool):
                raise ScenarioError(f"{what}.reveals: expected true or false, got {value!r}")
            values[key] = value
        elif key in ("reveal_chunk", "evaluate_steps"):
            values[key] = int(_number(value, f"{what}.{key}", low=1, high=10_000))
        else:
            values[key] = _number(value, f"{what}.{key}")
    agent = AgentSpec(**values)
    if agent.contributes and agent.interval < 1:
        raise ScenarioError(f"{what}: interval must be at least 1s")
    if agent.addresses < 1:
        raise ScenarioError(f"{what}: addresses must be at least 1")
    return agent


def _dataset(value, folder: Path | None) -> str:
    """A bundled name as is; a CSV path resolved against `folder` (the scenario file's)."""
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"dataset: expected a bundled name or a CSV path, got {value!r}")
    if value in pipeline.BUNDLED:
        return value
    path = Path(value).expanduser()
    if folder is not None and not path.is_absolute():
        path = folder / path
    try:
        pipeline.check_dataset(str(path))
    except CollabMLError as err:
        raise ScenarioError(f"dataset: {err}") from None
    return str(path)


def _choice(value, what: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ScenarioError(f"{what}: {value!r} is not one of {', '.join(choices)}")
    return value


def scenario_from_dict(raw, folder: Path | None = None) -> Scenario | Sweep:
    """A Scenario (or, with a `sweep` section, a Sweep) from parsed YAML; a relative dataset
    path is read from `folder` (default: the working directory)."""
    if not isinstance(raw, dict):
        raise ScenarioError("a scenario is a mapping of settings with a list of agents")
    sweep = raw.get("sweep")
    raw = {k: v for k, v in raw.items() if k != "sweep"}
    _check_keys(raw, {f.name for f in fields(Scenario)}, "scenario")
    agents = raw.get("agents")
    if not isinstance(agents, list) or not agents:
        raise ScenarioError("scenario: `agents` must be a non-empty list")
    values = {"name": str(raw.get("name", "scenario"))}
    values["agents"] = tuple(_agent(a, i) for i, a in enumerate(agents))
    names = [a.name for a in values["agents"]]
    if len(set(names)) != len(names):
        raise ScenarioError("scenario: agent names must be unique")
    for key, value in raw.items():
        if key in ("name", "agents"):
            continue
        if key in _DURATIONS:
            values[key] = parse_duration(value, key)
        elif key == "dataset":
            values[key] = _dataset(value, folder)
        elif key == "model":
            values[key] = _choice(value, key, pipeline.MODELS)
        elif key == "encoder":
            values[key] = _choice(value, key, pipeline.ENCODERS)
        elif key in ("text_column", "label_column"):
            if not isinstance(value, str) or not value:
                raise ScenarioError(f"{key}: expected a column name, got {value!r}")
            values[key] = value
        elif key == "features":
            values[key] = int(_number(value, key, low=1, high=2**16))
        elif key == "mechanism":
            values[key] = _mechanism(value, key)
        elif key == "parameters":
            values[key] = _parameters(value)
        elif key in ("seed", "unit_wei"):
            values[key] = int(_number(value, key, high=2**63))
        elif key == "market_test_size":
            values[key] = int(_number(value, key, low=1, high=test_set.MAX_SIZE))
        elif key == "initial_share":
            values[key] = _number(value, key, low=0.01, high=0.99)
        else:
            values[key] = _number(value, key)
    scenario = Scenario(**values)
    if sweep is None:
        check_market(scenario)  # a sweep's points are checked one by one (`_sweep`)
    else:
        scenario.trainer_parameters()  # the mechanism's checks of its parameters
    if scenario.block_time < 1 or scenario.eval_interval < scenario.block_time:
        raise ScenarioError("block_time must be at least 1s and eval_interval at least a block")
    if scenario.duration < scenario.eval_interval:
        raise ScenarioError("days must cover at least one eval_interval")
    return _sweep(sweep, scenario) if sweep is not None else scenario


def _sweep(raw, base: Scenario) -> Sweep:
    if not isinstance(raw, dict):
        raise ScenarioError("sweep: expected a mapping with attacker, attacks and shares")
    _check_keys(raw, {"attacker", "attacks", "shares", "mechanisms", "gas_prices_gwei"}, "sweep")
    attacker = raw.get("attacker")
    if attacker not in {a.name for a in base.agents}:
        raise ScenarioError(f"sweep.attacker: {attacker!r} is not one of the agents")
    if not any(a.contributes for a in base.agents if a.name != attacker):
        raise ScenarioError("sweep: needs a contributing agent besides the attacker")
    attacks = tuple(raw.get("attacks", ("label-flip", "judge-steer", "sybil")))
    for kind in attacks:
        if kind not in ATTACK_KINDS:
            raise ScenarioError(f"sweep.attacks: {kind!r} is not one of {', '.join(ATTACK_KINDS)}")
    shares = tuple(_number(s, "sweep.shares", low=0.01, high=0.95) for s in raw.get("shares", []))
    if not shares:
        raise ScenarioError("sweep.shares: give at least one attacker share")
    kinds = raw.get("mechanisms", [base.mechanism])
    if not isinstance(kinds, list) or not kinds:
        raise ScenarioError("sweep.mechanisms: give a list of at least one mechanism")
    kinds = tuple(_mechanism(k, "sweep.mechanisms") for k in kinds)
    sweep = Sweep(base, attacker, attacks, shares, kinds, ())
    for *_, point in sweep.scenarios():
        check_market(point)
    prices = raw.get("gas_prices_gwei", [])
    if not isinstance(prices, list):
        raise ScenarioError("sweep.gas_prices_gwei: give a list of gas prices in gwei")
    prices = tuple(_number(p, "sweep.gas_prices_gwei", high=10**6) for p in prices)
    return Sweep(base, attacker, attacks, shares, kinds, prices)


def check_market(s: Scenario) -> None:
    """The mechanism's checks of its parameters and, for a market, what the run needs of it:
    one provider, a reward, and a window and reveal window that end within the run."""
    parameters = s.trainer_parameters()
    providers = [a.name for a in s.agents if a.kind == "provider"]
    if not s.takes_test_set:
        if providers:
            raise ScenarioError(
                f"{providers[0]}: a provider needs a mechanism that takes a test set "
                f"(prediction-market), not {s.mechanism}"
            )
        return
    if len(providers) != 1:
        raise ScenarioError(
            f"mechanism {s.mechanism}: needs exactly one agent of kind provider "
            f"(got {len(providers)})"
        )
    if s.reward_wei <= 0:
        raise ScenarioError(f"reward: {s.mechanism} needs a positive reward pool (units)")
    window, reveal = parameters["window"], parameters["reveal_window"]
    if window <= START_DELAY:
        raise ScenarioError(
            f"parameters.window ({window} s) must exceed the {START_DELAY} s between the "
            "deployment and the run's start"
        )
    if START_DELAY + s.duration <= window + reveal:
        raise ScenarioError(
            f"days ({s.days:g}) must outlast the market's window and reveal window "
            f"({(window + reveal - START_DELAY) / DAY:g} days from the run's start)"
        )


def load_scenario(path) -> Scenario | Sweep:
    """Reads a scenario (or sweep) from a YAML file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ScenarioError(f"cannot read {path}: {err.strerror or err}") from err
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path} is not valid YAML: {err}".splitlines()[0]) from err
    return scenario_from_dict(raw, path.parent)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def load_preset(name: str) -> Scenario | Sweep:
    if name not in preset_names():
        raise ScenarioError(f"unknown preset {name!r}; presets: {', '.join(preset_names())}")
    return load_scenario(PRESETS_DIR / f"{name}.yaml")
