"""A job that finds every slot held first asks this process to give back a slot it holds idle (an idle warm
sandbox's), through the hook the warm pool registers with slots.py (`set_idle_slot_reclaimer`): slots.py never
imports the pool, which imports it."""

from __future__ import annotations

import pytest

from judges.sandbox import JudgeBusy, pool, slots
from judges.sandbox.slots import claim_slot, release_slot, set_idle_slot_reclaimer


@pytest.fixture
def one_slot(settings, tmp_path, monkeypatch):
    """A slot directory of one slot, with uids of this session's range that its own slots do not use."""
    settings.JUDGE_SLOT_DIR = str(tmp_path / "slots")
    settings.JUDGE_SLOTS = 1
    settings.JUDGE_UID_BASE = settings.JUDGE_UID_BASE + 70
    monkeypatch.setattr(slots, "_reclaim_idle_slot", slots._reclaim_idle_slot)  # restored after the test


def test_the_warm_pool_registers_itself_as_the_reclaimer():
    assert slots._reclaim_idle_slot is pool._evict_idle


def test_a_waiting_claim_gets_the_slot_the_reclaimer_gives_back(one_slot):
    held = claim_slot(wait=False)
    assert held is not None
    asked = []

    def give_back() -> bool:
        asked.append(True)
        release_slot(held)
        return True

    set_idle_slot_reclaimer(give_back)

    again = claim_slot(wait=True, wait_seconds=5)

    assert again is not None and again.index == held.index and asked == [True]
    release_slot(again)


def test_with_nothing_to_give_back_a_waiting_claim_ends_busy(one_slot):
    held = claim_slot(wait=False)
    assert held is not None
    set_idle_slot_reclaimer(lambda: False)
    try:
        with pytest.raises(JudgeBusy):
            claim_slot(wait=True, wait_seconds=0.1)
    finally:
        release_slot(held)
