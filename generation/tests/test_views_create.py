"""The forced-choice page /create/: mandatory selects with nothing chosen, languages that follow the type
(htmx partial, full list without JavaScript), server-side refusal of invalid combinations, the offline notice,
the per-creator limits as form errors, and a submission that runs the real pipeline to a validated capsule."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from capsules.models import Capsule
from generation.models import GenerationJob, JobStatus

pytestmark = pytest.mark.django_db

CREATE = reverse("generation:create")
LANGUAGES = reverse("generation:languages")
OFFLINE_NOTICE = (
    "Offline mode: exercises come from the built-in catalog; to generate new ones, ask your administrator to "
    "connect a model."
)
VALID = {"type": "CODE", "language": "python", "difficulty": "easy", "prompt": "count the words in a sentence"}


def select(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', html, flags=re.DOTALL)
    assert match, f"no <select name={name}>"
    return match.group(0)


def options(select_html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', select_html)


def selected(select_html: str) -> list[str]:
    """The chosen values; the placeholder ("") being the one shown counts as nothing chosen."""
    return [value for value in re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select_html) if value]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


# --- Access ----------------------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(CREATE)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={CREATE}"


def test_anonymous_visitors_cannot_post_a_request(client):
    response = client.post(CREATE, VALID)

    assert response.status_code == 302
    assert GenerationJob.objects.count() == 0


def test_the_language_partial_needs_a_login_too(client):
    assert client.get(LANGUAGES, {"type": "CODE"}).status_code == 302


def test_the_header_links_to_create_with_ai_and_the_jobs(client, owner):
    client.force_login(owner)
    html = client.get(reverse("capsules:list")).content.decode()

    assert f'href="{CREATE}"' in html and "Create with AI" in html
    assert f'href="{reverse("generation:job_list")}"' in html


# --- The forced choice -----------------------------------------------------------------------------------


def test_type_language_and_difficulty_are_required_selects_with_nothing_chosen(client, owner):
    client.force_login(owner)
    html = client.get(CREATE).content.decode()

    for name in ("type", "language", "difficulty"):
        field = select(html, name)
        assert " required" in field
        assert options(field)[0] == "", f"{name} starts with a placeholder"
        assert selected(field) == [], f"{name} has nothing chosen in advance"
    assert options(select(html, "type")) == ["", "CODE", "DATABASE", "TERMINAL"]
    assert options(select(html, "difficulty")) == ["", "easy", "medium", "hard"]
    assert 'name="prompt"' in html and "What should it be about?" in html


def test_without_javascript_every_language_is_offered_grouped_by_type(client, owner):
    client.force_login(owner)
    field = select(client.get(CREATE).content.decode(), "language")

    assert options(field) == ["", "python", "javascript", "java", "csharp", "go", "sql", "bash"]
    assert field.count("<optgroup") == 3


def test_the_type_select_fetches_the_languages_of_the_chosen_type_with_htmx(client, owner):
    client.force_login(owner)
    field = select(client.get(CREATE).content.decode(), "type")

    assert f'hx-get="{LANGUAGES}"' in field
    assert 'hx-target="#language-field"' in field
    assert 'hx-include="#id_language"' in field
    assert 'hx-trigger="change, load"' in field


def test_the_language_partial_lists_only_the_languages_of_the_type(client, owner):
    client.force_login(owner)
    response = client.get(LANGUAGES, {"type": "CODE"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div id="language-field"')
    assert "<html" not in html
    assert options(select(html, "language")) == ["", "python", "javascript", "java", "csharp", "go"]
    assert selected(select(html, "language")) == []


def test_the_language_partial_keeps_a_language_that_still_fits_and_drops_one_that_does_not(client, owner):
    client.force_login(owner)

    kept = client.get(LANGUAGES, {"type": "CODE", "language": "go"}).content.decode()
    dropped = client.get(LANGUAGES, {"type": "CODE", "language": "sql"}).content.decode()

    assert selected(select(kept, "language")) == ["go"]
    assert selected(select(dropped, "language")) == []


@pytest.mark.parametrize(("capsule_type", "language"), [("DATABASE", "sql"), ("TERMINAL", "bash")])
def test_a_type_with_one_language_has_it_chosen_by_choosing_the_type(client, owner, capsule_type, language):
    client.force_login(owner)
    html = client.get(LANGUAGES, {"type": capsule_type}).content.decode()

    assert options(select(html, "language")) == ["", language]
    assert selected(select(html, "language")) == [language]


def test_the_language_partial_without_a_type_offers_every_language(client, owner):
    client.force_login(owner)
    html = client.get(LANGUAGES, {"type": ""}).content.decode()

    assert len(options(select(html, "language"))) == 8


# --- Refused requests: form errors, nothing saved --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**VALID, "language": "sql"}, "language", "SQL is not a language for a coding problem; choose Python, JavaScript, Java, C#, Go."),
        ({**VALID, "type": "DATABASE", "language": "python"}, "language", "Python is not a language for a sql exercise; choose SQL."),
        ({**VALID, "type": "TERMINAL", "language": "go"}, "language", "Go is not a language for a terminal task; choose Bash."),
        ({**VALID, "type": ""}, "type", "Choose the kind of exercise."),
        ({**VALID, "language": ""}, "language", "Choose a language."),
        ({**VALID, "difficulty": ""}, "difficulty", "Choose how hard it should be."),
        ({**VALID, "type": "VIDEO"}, "type", "Select a valid choice. VIDEO is not one of the available choices."),
        ({**VALID, "difficulty": "extreme"}, "difficulty", "Select a valid choice. extreme is not one of the available choices."),
    ],
)  # fmt: skip
def test_it_refuses_an_incomplete_or_invalid_combination_and_saves_nothing(client, owner, data, field, message):
    client.force_login(owner)
    response = client.post(CREATE, data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert GenerationJob.objects.count() == 0
    html = response.content.decode()
    assert 'data-error-summary' in html and "Nothing was started" in html


def test_a_refused_language_keeps_its_error_on_the_page_instead_of_being_swapped_on_load(client, owner):
    client.force_login(owner)
    html = client.post(CREATE, {**VALID, "language": "bash"}).content.decode()

    assert 'hx-trigger="change"' in select(html, "type")
    assert selected(select(html, "language")) == ["bash"]


def test_a_prompt_over_the_limit_is_refused(client, owner, settings):
    client.force_login(owner)
    response = client.post(CREATE, {**VALID, "prompt": "x" * (settings.GENERATION_PROMPT_MAX_CHARS + 1)})

    assert "prompt" in response.context["form"].errors
    assert GenerationJob.objects.count() == 0


def test_too_many_running_jobs_show_as_a_form_error(client, owner, settings, make_job):
    settings.GENERATION_MAX_CONCURRENT_JOBS = 1
    make_job(owner, status=JobStatus.RUNNING)
    client.force_login(owner)

    response = client.post(CREATE, VALID)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == ["You already have 1 capsules being generated; wait for one to finish (at most 1 at a time)."]
    assert GenerationJob.objects.count() == 1


def test_the_hourly_limit_shows_as_a_form_error(client, owner, settings, make_job):
    settings.GENERATION_JOBS_PER_HOUR = 2
    make_job(owner, status=JobStatus.FAILED)
    make_job(owner, status=JobStatus.SUCCEEDED)
    client.force_login(owner)

    response = client.post(CREATE, VALID)

    assert "the limit is 2" in response.context["form"].non_field_errors()[0]
    assert GenerationJob.objects.count() == 2


def test_another_creators_jobs_do_not_count_against_my_limits(client, owner, other_creator, settings, make_job):
    settings.GENERATION_MAX_CONCURRENT_JOBS = 1
    make_job(other_creator, status=JobStatus.RUNNING)
    client.force_login(owner)

    assert client.post(CREATE, VALID).status_code == 302


# --- The offline notice ----------------------------------------------------------------------------------


def test_offline_mode_says_in_one_sentence_that_exercises_come_from_the_catalog(client, owner, settings):
    settings.LLM_PROVIDER = "catalog"
    client.force_login(owner)
    html = client.get(CREATE).content.decode()

    assert OFFLINE_NOTICE in text(html)
    assert "OPENAI_API_KEY" not in html  # the operator's setting is not the creator's business


def test_staff_also_read_which_setting_connects_a_model(client, owner, settings):
    settings.LLM_PROVIDER = "catalog"
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    client.force_login(owner)
    html = client.get(CREATE).content.decode()

    assert OFFLINE_NOTICE in text(html)
    assert "<code>OPENAI_API_KEY</code>" in html and "README" in html


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_with_a_model_configured_there_is_no_offline_notice(client, owner, settings, provider):
    settings.LLM_PROVIDER = provider
    client.force_login(owner)

    assert "Offline mode" not in client.get(CREATE).content.decode()


# --- Submitting --------------------------------------------------------------------------------------------


def test_a_valid_request_saves_a_queued_job_and_opens_its_page(client, owner):
    client.force_login(owner)
    response = client.post(CREATE, VALID)

    job = GenerationJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("generation:job_detail", kwargs={"job_id": job.pk})
    assert (job.creator, job.capsule_type, job.language, job.difficulty, job.prompt, job.provider) == (
        owner, "CODE", "python", "easy", "count the words in a sentence", "catalog"
    )  # fmt: skip
    assert job.status == JobStatus.QUEUED  # the task is queued when the transaction commits


def test_the_prompt_may_be_left_empty(client, owner):
    client.force_login(owner)

    assert client.post(CREATE, {**VALID, "prompt": ""}).status_code == 302
    assert GenerationJob.objects.get().prompt == ""


@pytest.mark.parametrize(
    ("capsule_type", "language", "difficulty"),
    [("CODE", "python", "easy"), ("DATABASE", "sql", "medium"), ("TERMINAL", "bash", "hard")],
)
def test_offline_a_submitted_request_becomes_a_validated_capsule_of_its_creator(
    client, owner, django_capture_on_commit_callbacks, capsule_type, language, difficulty
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):  # the commit enqueues; sync mode runs it now
        response = client.post(CREATE, {"type": capsule_type, "language": language, "difficulty": difficulty, "prompt": ""})

    job = GenerationJob.objects.get()
    assert job.status == JobStatus.SUCCEEDED, job.error
    capsule = job.result_capsule
    assert (capsule.creator, capsule.capsule_type, capsule.language, capsule.status) == (owner, capsule_type, language, "validated")
    assert list(job.steps.values_list("agent", flat=True)[:3]) == ["pedagogist", "coder", "judge"]
    page = client.get(response.url).content.decode()
    assert reverse("capsules:detail", kwargs={"capsule_id": capsule.pk}) in page
    assert Capsule.objects.count() == 1


def test_the_form_page_lists_the_creators_latest_jobs_only(client, owner, other_creator, make_job):
    mine = make_job(owner, prompt="my own binary search")
    make_job(other_creator, prompt="someone else's request")
    client.force_login(owner)

    html = client.get(CREATE).content.decode()

    assert reverse("generation:job_detail", kwargs={"job_id": mine.pk}) in html
    assert "my own binary search" in html
    assert "someone else" not in html
