"""manage.py revalidate: saved capsules judged again, new reports and statuses saved, failures listed."""

from __future__ import annotations

import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from capsules import services
from capsules.models import Capsule, CapsuleStatus, ModerationAction

pytestmark = pytest.mark.django_db

WRONG_REFERENCE = "def find_largest(numbers):\n    return min(numbers)\n"
WRONG_MESSAGE = (
    "The reference solution fails test 1 (three numbers): print(find_largest([1, 5, 2])) printed '1\\n' "
    "but '5\\n' was expected."
)


def run(*args: str) -> tuple[list[str], str, CommandError | None]:
    """Run in-process: (stdout lines, stderr, the CommandError it ended with or None)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("revalidate", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue().splitlines(), err.getvalue(), exc
    return out.getvalue().splitlines(), err.getvalue(), None


def break_reference(capsule: Capsule) -> None:
    """Break the stored reference behind the services' back (as a runtime upgrade might), keeping the status."""
    config = dict(capsule.config_data)
    config["reference_solution"] = WRONG_REFERENCE
    Capsule.objects.filter(pk=capsule.pk).update(config_data=config)


def forget_report(*capsules: Capsule) -> None:
    Capsule.objects.filter(pk__in=[c.pk for c in capsules]).update(validation_report=None)


def state(capsule: Capsule) -> tuple[str, Any]:
    capsule.refresh_from_db()
    report = capsule.validation_report
    return capsule.status, report and (report["passed"], report["category"])


@pytest.fixture
def three(owner, other_creator, make_capsule) -> tuple[Capsule, Capsule, Capsule]:
    """A validated CODE capsule and a published DATABASE capsule that pass, and a validated one that no longer does."""
    good = make_capsule(owner, "CODE", title="Still fine")
    published = make_capsule(other_creator, "DATABASE", status="published", is_public=True)
    broken = make_capsule(owner, "CODE", title="Broken since")
    assert good.status == broken.status == CapsuleStatus.VALIDATED  # the gate passed them when they were saved
    break_reference(broken)
    forget_report(good, published, broken)
    return good, published, broken


def test_a_capsule_that_no_longer_passes_is_listed_demoted_and_the_exit_status_is_1(three):
    good, published, broken = three

    lines, err, error = run()

    assert lines == [f"{broken.pk} Broken since: wrong_output: {WRONG_MESSAGE}", "3 checked, 1 no longer pass"]
    assert err == ""
    assert error is not None and error.returncode == 1 and str(error) == "1 capsule no longer passes"
    # Each new report is saved; the status follows status_after_judging.
    assert state(broken) == (CapsuleStatus.DRAFT, (False, "wrong_output"))
    assert broken.validation_report["message"] == WRONG_MESSAGE
    assert state(good) == (CapsuleStatus.VALIDATED, (True, None))
    assert state(published) == (CapsuleStatus.PUBLISHED, (True, None))
    assert not ModerationAction.objects.exists()  # re-judging is not moderation


def test_all_passing_exits_with_status_0_and_drafts_are_not_checked_by_default(owner, make_capsule):
    good = make_capsule(owner, "TERMINAL")
    draft = make_capsule(owner, "CODE", status="draft", title="Work in progress")
    break_reference(draft)
    forget_report(good, draft)

    lines, _, error = run()

    assert (lines, error) == (["1 checked, 0 no longer pass"], None)
    assert state(good) == (CapsuleStatus.VALIDATED, (True, None))
    assert state(draft) == (CapsuleStatus.DRAFT, None)  # not judged


def test_status_and_owner_choose_the_capsules(three, owner, staff, make_capsule):
    good, published, broken = three
    flagged = make_capsule(owner, "CODE", status="flagged", title="Flagged and broken")
    break_reference(flagged)

    lines, _, error = run("--owner", "other", "--status", "published")
    assert (lines, error) == (["1 checked, 0 no longer pass"], None)
    assert state(good)[1] is None and state(broken) == (CapsuleStatus.VALIDATED, None)  # not judged

    lines, _, error = run("--owner", "owner", "--status", "flagged, validated")
    assert lines == [
        f"{broken.pk} Broken since: wrong_output: {WRONG_MESSAGE}",
        f"{flagged.pk} Flagged and broken: wrong_output: {WRONG_MESSAGE}",
        "3 checked, 2 no longer pass",
    ]
    assert error is not None and str(error) == "2 capsules no longer pass"
    assert state(flagged) == (CapsuleStatus.FLAGGED, (False, "wrong_output"))  # moderation states stay
    assert state(broken)[0] == CapsuleStatus.DRAFT

    assert run("--owner", "staff") == (["0 checked, 0 no longer pass"], "", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "nobody"], "--owner: no user named 'nobody'"),
        (["--status", "validated,live"], "invalid status list"),
        (["--status", ","], "invalid status list"),
        (["--workers", "0"], "invalid positive integer value"),
    ],
)
def test_bad_arguments_are_refused(three, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("revalidate", *args, stdout=StringIO(), stderr=StringIO())
    assert all(state(capsule)[1] is None for capsule in three)


def test_nothing_is_judged_when_the_sandbox_is_unavailable(three, monkeypatch, settings):
    settings.JUDGE_ALLOW_UNSANDBOXED = False
    monkeypatch.setattr(
        "judges.management.commands.revalidate.sandbox_status", lambda: "bubblewrap was not found at '/nope'"
    )

    lines, _, error = run()

    assert lines == []
    assert error is not None and "sandbox is unavailable, nothing was judged" in str(error)
    assert "bubblewrap was not found at '/nope'" in str(error)
    assert [state(capsule) for capsule in three] == [
        (CapsuleStatus.VALIDATED, None),
        (CapsuleStatus.PUBLISHED, None),
        (CapsuleStatus.VALIDATED, None),
    ]


@pytest.mark.django_db(transaction=True)
def test_workers_judge_in_threads_and_list_in_the_same_order(three, monkeypatch):
    """Threads use their own database connections, so this test commits (transaction=True).

    The test database on SQLite is in memory with a shared cache, where two connections writing at once get
    "database table is locked" at once instead of waiting (a file database, as in production, waits up to
    its timeout; PostgreSQL locks rows). So here the calls are serialized by a lock; they still run in the
    worker threads, with their own connections, which is what this test is about.
    """
    good, published, broken = three
    threads: list[str] = []
    one_at_a_time = threading.Lock()

    def capsule_validate(**kwargs: Any) -> dict[str, Any]:
        with one_at_a_time:
            threads.append(threading.current_thread().name)
            return services.capsule_validate(**kwargs)

    monkeypatch.setattr("judges.management.commands.revalidate.capsule_validate", capsule_validate)

    lines, _, error = run("--workers", "3")

    assert lines == [f"{broken.pk} Broken since: wrong_output: {WRONG_MESSAGE}", "3 checked, 1 no longer pass"]
    assert error is not None and error.returncode == 1
    assert len(threads) == 3 and threading.main_thread().name not in threads
    assert [state(capsule) for capsule in three] == [
        (CapsuleStatus.VALIDATED, (True, None)),
        (CapsuleStatus.PUBLISHED, (True, None)),
        (CapsuleStatus.DRAFT, (False, "wrong_output")),
    ]
