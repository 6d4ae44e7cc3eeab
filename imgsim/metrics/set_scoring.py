"""The functions of the set metrics in the registry: each takes the :class:`SetInputs`
of one call and returns its value and notes.

Metrics that share a computation (kid and kid_std; precision, recall, density and
coverage; alpha_precision, beta_recall and authenticity; the three nn_accuracy values;
fd and mifid) take it from :meth:`SetInputs.shared`, which runs each at most once per
call, however many of its metrics are asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from imgsim.metrics import sets

if TYPE_CHECKING:
    from imgsim.metrics.alpha_beta import AlphaBeta
    from imgsim.metrics.two_sample import NNAccuracy

Matrix = NDArray[np.float64]
SetValue = tuple[float, tuple[str, ...]]
"""A set metric's value and what the user should know about it."""
_Result = TypeVar("_Result")


@dataclass
class SetInputs:
    """The vectors of a reference and a generated set, and the knobs of the metrics."""

    reference: Matrix
    generated: Matrix
    reference_gaussian: sets.Gaussian | None = None
    """The reference's stored Gaussian; fitted from :attr:`reference` when ``None``."""
    k: int = sets.DEFAULT_K
    subsets: int = sets.DEFAULT_SUBSETS
    subset_size: int = sets.DEFAULT_SUBSET_SIZE
    seed: int = 0
    _results: dict[str, Any] = field(default_factory=dict, repr=False)

    def shared(self, key: str, compute: Callable[[], _Result]) -> _Result:
        """The result of ``compute``, computed on the first request for ``key`` only."""
        if key not in self._results:
            self._results[key] = compute()
        result: _Result = self._results[key]
        return result

    def kid(self) -> tuple[float, float]:
        """kid and its standard deviation over the subsets."""
        return self.shared(
            "kid",
            lambda: sets.kid(
                self.reference,
                self.generated,
                subsets=self.subsets,
                subset_size=self.subset_size,
                seed=self.seed,
            ),
        )

    def alpha_beta(self) -> AlphaBeta:
        """α-precision, β-recall and authenticity, from one neighbour search."""
        from imgsim.metrics.alpha_beta import alpha_beta

        return self.shared("alpha_beta", lambda: alpha_beta(self.reference, self.generated))

    def nn_accuracy(self) -> NNAccuracy:
        """The leave-one-out 1-NN accuracies, from one search of the pooled sets."""
        from imgsim.metrics.two_sample import nn_accuracy

        return self.shared("nn_accuracy", lambda: nn_accuracy(self.reference, self.generated))

    def memorization(self) -> float:
        """The thresholded memorisation distance (the competition's direction)."""
        from imgsim.metrics.memorization import memorization

        return self.shared("memorization", lambda: memorization(self.reference, self.generated))

    def prdc(self) -> dict[str, float]:
        """Precision, recall, density and coverage."""
        return self.shared("prdc", lambda: sets.prdc(self.reference, self.generated, k=self.k))


def fd(inputs: SetInputs) -> SetValue:
    """Fréchet distance between the Gaussians of the two sets, with its notes."""
    return inputs.shared("fd", lambda: _frechet(inputs))


def _frechet(inputs: SetInputs) -> SetValue:
    real = inputs.reference_gaussian or sets.Gaussian.fit(inputs.reference)
    result = sets.frechet_distance(real, sets.Gaussian.fit(inputs.generated))
    return result.value, tuple(result.notes)


def mifid(inputs: SetInputs) -> SetValue:
    """fd over the thresholded memorisation distance (the Kaggle competition's MiFID)."""
    from imgsim.metrics.memorization import MIFID_CONSTANT

    distance, notes = fd(inputs)
    return distance / (inputs.memorization() + MIFID_CONSTANT), notes


def memorization(inputs: SetInputs) -> SetValue:
    """Mean nearest cosine distance of generated to reference vectors, 1 from epsilon up."""
    return inputs.memorization(), ()


def nn_accuracy(inputs: SetInputs) -> SetValue:
    """Leave-one-out 1-NN accuracy over both sets (0.5: indistinguishable)."""
    return inputs.nn_accuracy().overall, ()


def nn_accuracy_reference(inputs: SetInputs) -> SetValue:
    """Leave-one-out 1-NN accuracy of the reference vectors."""
    return inputs.nn_accuracy().reference, ()


def nn_accuracy_generated(inputs: SetInputs) -> SetValue:
    """Leave-one-out 1-NN accuracy of the generated vectors."""
    return inputs.nn_accuracy().generated, ()


def swd(inputs: SetInputs) -> SetValue:
    """Sliced Wasserstein-2 distance over seeded random directions."""
    from imgsim.metrics.two_sample import swd

    return swd(inputs.reference, inputs.generated, seed=inputs.seed), ()


def kid(inputs: SetInputs) -> SetValue:
    """Kernel distance: mean over subsets."""
    return inputs.kid()[0], ()


def kid_std(inputs: SetInputs) -> SetValue:
    """Standard deviation of kid over its subsets."""
    return inputs.kid()[1], ()


def precision(inputs: SetInputs) -> SetValue:
    """Share of generated vectors inside the reference's k-NN balls."""
    return inputs.prdc()["precision"], ()


def recall(inputs: SetInputs) -> SetValue:
    """Share of reference vectors inside the generated set's k-NN balls."""
    return inputs.prdc()["recall"], ()


def density(inputs: SetInputs) -> SetValue:
    """Mean number of reference k-NN balls holding each generated vector, over k."""
    return inputs.prdc()["density"], ()


def coverage(inputs: SetInputs) -> SetValue:
    """Share of reference vectors whose k-NN ball holds a generated vector."""
    return inputs.prdc()["coverage"], ()


def alpha_precision(inputs: SetInputs) -> SetValue:
    """Integrated α-precision: generated vectors inside the reference's α-balls."""
    return inputs.alpha_beta().alpha_precision, ()


def beta_recall(inputs: SetInputs) -> SetValue:
    """Integrated β-recall: reference vectors inside the generated set's β-balls."""
    return inputs.alpha_beta().beta_recall, ()


def authenticity(inputs: SetInputs) -> SetValue:
    """Share of generated vectors that are not copies of a reference vector."""
    return inputs.alpha_beta().authenticity, ()
