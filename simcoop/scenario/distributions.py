"""Distributions a scenario key may take instead of a number: uniform, triangular, normal (truncated), lognormal, beta.

Each offers its central value (what the scenario runs at with ``--fixed-parameters``), its
support (checked against the key's bounds) and its quantile function: a replication
draws one uniform number from the key's own stream and takes the quantile (``simcoop.draws``).
"""

from __future__ import annotations

import math
from typing import Any, Literal, Union

from pydantic import Field, ValidationError, model_validator

from simcoop.scenario.base import Frozen

__all__ = [
    "DIST_FORMS",
    "DIST_KEY",
    "BaseDistribution",
    "Beta",
    "Distribution",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "distribution_message",
    "parse_distribution",
]

#: The key that marks a mapping as a distribution in scenario data.
DIST_KEY = "dist"

#: Unbounded tails (normal, lognormal) must fit a key's bounds out to this probability on each side.
TAIL_PROBABILITY = 1e-9


class BaseDistribution(Frozen):
    """What every distribution offers: its central value, its support and its quantile function."""

    def central(self) -> float:  # pragma: no cover - every kind defines it
        """The central value: what the scenario runs at with ``--fixed-parameters``."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - every kind defines it
        """The smallest and largest values it can draw (unbounded tails cut at ``TAIL_PROBABILITY``)."""
        raise NotImplementedError

    def ppf(self, u: float) -> float:  # pragma: no cover - every kind defines it
        """The quantile at ``u`` in (0, 1): the value a replication draws from its uniform number ``u``."""
        raise NotImplementedError


class Uniform(BaseDistribution):
    """Every value from low to high equally likely; central value the midpoint."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> "Uniform":
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self

    def central(self) -> float:
        """The central value: what the scenario runs at with ``--fixed-parameters``."""
        return (self.low + self.high) / 2.0

    def support(self) -> tuple[float, float]:
        """The smallest and largest values it can draw (unbounded tails cut at ``TAIL_PROBABILITY``)."""
        return self.low, self.high

    def ppf(self, u: float) -> float:
        """The quantile at ``u`` in (0, 1): the value a replication draws from its uniform number ``u``."""
        return self.low + u * (self.high - self.low)


class Triangular(BaseDistribution):
    """From low to high, most likely at mode (the midpoint when not given); central value the mode."""

    dist: Literal["triangular"]
    low: float
    high: float
    mode: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Triangular":
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode:g}) must be from low ({self.low:g}) to high ({self.high:g})")
        return self

    def _mode(self) -> float:
        return (self.low + self.high) / 2.0 if self.mode is None else self.mode

    def central(self) -> float:
        """The central value: what the scenario runs at with ``--fixed-parameters``."""
        return self._mode()

    def support(self) -> tuple[float, float]:
        """The smallest and largest values it can draw (unbounded tails cut at ``TAIL_PROBABILITY``)."""
        return self.low, self.high

    def ppf(self, u: float) -> float:
        """The quantile at ``u`` in (0, 1): the value a replication draws from its uniform number ``u``."""
        low, high, mode = self.low, self.high, self._mode()
        cut = (mode - low) / (high - low)
        if u < cut:
            return low + math.sqrt(u * (high - low) * (mode - low))
        return high - math.sqrt((1.0 - u) * (high - low) * (high - mode))


class Normal(BaseDistribution):
    """Normal of mean and sd, truncated to [low, high] when given; central value the mean (inside the bounds)."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0.0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Normal":
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        if not low < high:
            raise ValueError(f"low ({low:g}) must be below high ({high:g})")
        if not low <= self.mean <= high:
            raise ValueError(f"mean ({self.mean:g}) must be from low to high")
        return self

    def central(self) -> float:
        """The central value: what the scenario runs at with ``--fixed-parameters``."""
        return self.mean

    def support(self) -> tuple[float, float]:
        """The smallest and largest values it can draw (unbounded tails cut at ``TAIL_PROBABILITY``)."""
        from scipy.stats import norm

        tail = float(norm.ppf(TAIL_PROBABILITY))  # about -6 sd
        low = self.mean + tail * self.sd if self.low is None else self.low
        high = self.mean - tail * self.sd if self.high is None else self.high
        return low, high

    def ppf(self, u: float) -> float:
        """The quantile at ``u`` in (0, 1): the value a replication draws from its uniform number ``u``."""
        from scipy.stats import norm

        a = 0.0 if self.low is None else float(norm.cdf((self.low - self.mean) / self.sd))
        b = 1.0 if self.high is None else float(norm.cdf((self.high - self.mean) / self.sd))
        value = self.mean + self.sd * float(norm.ppf(a + u * (b - a)))
        low, high = self.support()
        return min(max(value, low), high)


class LogNormal(BaseDistribution):
    """Lognormal of median and sigma (of the log); central value the median. For positive, skewed amounts."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0.0)
    sigma: float = Field(gt=0.0, le=5.0)

    def central(self) -> float:
        """The central value: what the scenario runs at with ``--fixed-parameters``."""
        return self.median

    def support(self) -> tuple[float, float]:
        """The smallest and largest values it can draw (unbounded tails cut at ``TAIL_PROBABILITY``)."""
        from scipy.stats import norm

        z = float(norm.ppf(1.0 - TAIL_PROBABILITY))
        return self.median * math.exp(-z * self.sigma), self.median * math.exp(z * self.sigma)

    def ppf(self, u: float) -> float:
        """The quantile at ``u`` in (0, 1): the value a replication draws from its uniform number ``u``."""
        from scipy.stats import norm

        low, high = self.support()
        return min(max(self.median * math.exp(self.sigma * float(norm.ppf(u))), low), high)


class Beta(BaseDistribution):
    """Beta of mean and sd, on (0, 1): for shares and probabilities; central value the mean."""

    dist: Literal["beta"]
    mean: float = Field(gt=0.0, lt=1.0)
    sd: float = Field(gt=0.0)

    @model_validator(mode="after")
    def _feasible(self) -> "Beta":
        limit = math.sqrt(self.mean * (1.0 - self.mean))
        if not self.sd < limit:
            raise ValueError(f"sd ({self.sd:g}) must be below sqrt(mean (1 - mean)) = {limit:.4g} for a beta of mean {self.mean:g}")
        return self

    def _shape(self) -> tuple[float, float]:
        m, v = self.mean, self.sd**2
        k = m * (1.0 - m) / v - 1.0
        return m * k, (1.0 - m) * k

    def central(self) -> float:
        """The central value: what the scenario runs at with ``--fixed-parameters``."""
        return self.mean

    def support(self) -> tuple[float, float]:
        """The smallest and largest values it can draw (unbounded tails cut at ``TAIL_PROBABILITY``)."""
        return 0.0, 1.0

    def ppf(self, u: float) -> float:
        """The quantile at ``u`` in (0, 1): the value a replication draws from its uniform number ``u``."""
        from scipy.stats import beta

        a, b = self._shape()
        return float(beta.ppf(u, a, b))


#: A distribution of any kind (chosen by its ``dist`` key: ``parse_distribution``).
Distribution = Union[Uniform, Triangular, Normal, LogNormal, Beta]
_KINDS: dict[str, type[BaseDistribution]] = {"uniform": Uniform, "triangular": Triangular, "normal": Normal, "lognormal": LogNormal, "beta": Beta}


def parse_distribution(spec: Any) -> BaseDistribution:
    """A distribution from its data (``{dist: beta, mean: 0.3, sd: 0.05}``); ValueError saying what is allowed."""
    if isinstance(spec, BaseDistribution):
        return spec
    if not isinstance(spec, dict) or spec.get(DIST_KEY) not in _KINDS:
        got = spec.get(DIST_KEY) if isinstance(spec, dict) else spec
        raise ValueError(f"unknown distribution {got!r}; allowed: {'; '.join(DIST_FORMS.values())}")
    try:
        return _KINDS[spec[DIST_KEY]].model_validate(spec)
    except ValidationError as exc:
        raise ValueError(distribution_message(exc, spec[DIST_KEY])) from None

#: What each kind takes, for messages and docs.
DIST_FORMS: dict[str, str] = {
    "uniform": "{dist: uniform, low, high}",
    "triangular": "{dist: triangular, low, high, mode}",
    "normal": "{dist: normal, mean, sd, low, high} (low and high optional: truncation)",
    "lognormal": "{dist: lognormal, median, sigma}",
    "beta": "{dist: beta, mean, sd} (shares)",
}


def distribution_message(exc: ValidationError, kind: str) -> str:
    """One readable message for a refused distribution, saying what is allowed."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"{loc}: not a parameter of {kind} (expected {DIST_FORMS[kind]})")
            continue
        if err["type"] == "missing":
            parts.append(f"{loc} is missing (expected {DIST_FORMS[kind]})")
            continue
        message = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)
