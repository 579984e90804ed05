"""Random durations of a scenario: their YAML specs and fast samplers.

A spec is a small pydantic model tagged by ``distribution``; :func:`sampler` turns one into a
zero-argument callable drawing seconds from a NumPy ``Generator``. Samplers draw in batches
(one NumPy call per :data:`BATCH` values): a scalar NumPy call costs about a microsecond, a
batch a few nanoseconds per value. The sequence a stream yields depends only on its generator,
so a replication stays reproducible bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

BATCH = 512
"""Values drawn per NumPy call (changing it changes the numbers a seed gives)."""

Draw = Callable[[], float]
"""A sampler: each call returns the next value of its stream."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Exponential(_Spec):
    """Exponential durations of mean ``mean_s`` (memoryless: Erlang's assumption)."""

    distribution: Literal["exponential"]
    mean_s: float = Field(gt=0)

    @property
    def mean(self) -> float:
        """Mean in seconds."""
        return self.mean_s


class Lognormal(_Spec):
    """Lognormal durations given by their mean and standard deviation (seconds)."""

    distribution: Literal["lognormal"]
    mean_s: float = Field(gt=0)
    sd_s: float = Field(gt=0)

    @property
    def mean(self) -> float:
        """Mean in seconds."""
        return self.mean_s

    def log_params(self) -> tuple[float, float]:
        """``(mu, sigma)`` of the underlying normal law."""
        sigma2 = math.log1p((self.sd_s / self.mean_s) ** 2)
        return math.log(self.mean_s) - sigma2 / 2, math.sqrt(sigma2)


class Empirical(_Spec):
    """Durations drawn uniformly, with replacement, from observed values (seconds)."""

    distribution: Literal["empirical"]
    values_s: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)

    @property
    def mean(self) -> float:
        """Mean in seconds."""
        return sum(self.values_s) / len(self.values_s)


class Constant(_Spec):
    """Always ``value_s`` seconds (answer delays, scripted checks)."""

    distribution: Literal["constant"]
    value_s: float = Field(ge=0)

    @property
    def mean(self) -> float:
        """Mean in seconds."""
        return self.value_s


class NoPatience(_Spec):
    """Callers never hang up while waiting."""

    distribution: Literal["none"]

    @property
    def mean(self) -> float:
        """Infinite."""
        return math.inf


Duration = Annotated[
    Exponential | Lognormal | Empirical | Constant, Field(discriminator="distribution")
]
"""A handle time, answer delay or redial delay."""

Patience = Annotated[
    NoPatience | Exponential | Lognormal | Empirical | Constant,
    Field(discriminator="distribution"),
]
"""How long a caller waits before hanging up."""


def sampler(spec: Exponential | Lognormal | Empirical | Constant | NoPatience,
            gen: np.random.Generator) -> Draw:
    """A batch sampler of ``spec`` drawing from ``gen``."""
    if isinstance(spec, Exponential):
        mean = spec.mean_s
        return batched(lambda n: gen.exponential(mean, n))
    if isinstance(spec, Lognormal):
        mu, sigma = spec.log_params()
        return batched(lambda n: gen.lognormal(mu, sigma, n))
    if isinstance(spec, Empirical):
        values = np.asarray(spec.values_s, dtype=float)
        return batched(lambda n: values[gen.integers(0, len(values), n)])
    value = spec.value_s if isinstance(spec, Constant) else math.inf
    return lambda: value


def uniform(gen: np.random.Generator) -> Draw:
    """Uniform draws on ``[0, 1)`` (for probabilities)."""
    return batched(gen.random)


def batched(fill: Callable[[int], np.ndarray]) -> Draw:
    """Wrap ``fill(n) -> array`` into a one-value-per-call sampler."""
    buffer: list[float] = []

    def draw() -> float:
        if not buffer:
            values: list[float] = fill(BATCH).tolist()
            values.reverse()
            buffer.extend(values)
        return buffer.pop()

    return draw
