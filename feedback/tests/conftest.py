"""Fixtures shared by the feedback tests."""

from __future__ import annotations

import pytest

from feedback.tests.training_samples import corrected_capsule


@pytest.fixture
def two_examples(settings, owner, other_creator) -> None:
    """Two distinct training examples, and a minimum of two so that they are enough to fine-tune."""
    settings.FINE_TUNE_MIN_EXAMPLES = 2
    corrected_capsule(owner, "Find the maximum")
    corrected_capsule(other_creator, "Find the biggest")
