"""Two CodeCapsule instances on one host stay apart (README, "Two instances on one host"; judges/sandbox/slots.py).

Each has its own slot directory and uid range; the test suite claims a range of its own for the session
(tests/judge_slots.py). Should two instances' ranges overlap by mistake, the host-wide uid locks make them wait for
each other's uids rather than run two jobs as one uid.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from judges.sandbox.slots import SlotConfig, claim_slot, release_slot
from tests.judge_slots import TEST_UID_RANGES

ROOT = os.geteuid() == 0


def test_the_suite_judges_in_a_slot_directory_and_uid_range_of_its_own():
    assert settings.JUDGE_SLOT_DIR and "judge-slots" in settings.JUDGE_SLOT_DIR
    assert settings.JUDGE_UID_BASE in TEST_UID_RANGES
    assert os.environ["JUDGE_UID_BASE"] == str(settings.JUDGE_UID_BASE)  # processes the tests start use them too


@pytest.mark.skipif(not ROOT, reason="slot uids exist only when the server runs as root")
def test_two_instances_with_overlapping_uids_never_use_one_uid_at_once(tmp_path):
    base = settings.JUDGE_UID_BASE + 60  # uids of this session's range its own slots do not use
    first = SlotConfig(str(tmp_path / "first"), 1, base)
    second = SlotConfig(str(tmp_path / "second"), 1, base)
    held = claim_slot(wait=False, config=first)
    assert held is not None and held.uid == base
    try:
        assert claim_slot(wait=False, config=second) is None  # the other instance's slot of that uid is busy
    finally:
        release_slot(held)
    again = claim_slot(wait=False, config=second)
    assert again is not None and again.uid == base
    release_slot(again)
