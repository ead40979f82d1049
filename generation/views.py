"""Creator pages of generation: the forced-choice form, the live job page, the job list, and staff metrics.

Every job view calls `selectors.get_job_for_owner` first (404 for anyone but the job's creator). The job page
polls itself with htmx every second: a poll that carries the current fingerprint gets 204 (htmx swaps
nothing), a changed job gets the progress partial, and a finished job's partial has no trigger, so polling
stops. Without JavaScript the page refreshes itself (<meta refresh> inside <noscript>) until the job ends.

A job the offline catalog had no exercise for (status no_match) offers the closest exercises, each with a
button (`job_take_suggestion`, POST) that starts a job for exactly that exercise, and a link back to the
form prefilled with the request (`refine_url`) to change it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from codecapsule.errors import ApplicationError
from codecapsule.http import AuthenticatedHttpRequest, render_page_or_fragment, wants_fragment
from generation import selectors
from generation.forms import GenerationForm
from generation.llm import llm_provider
from generation.models import GenerationJob
from generation.services import (
    generation_job_create,
    generation_job_reap_if_lost,
    generation_job_retry,
    generation_job_take_suggestion,
)

# How many of the creator's latest jobs the form page lists under the form.
RECENT_JOBS_ON_FORM = 5
# The request fields the form can be prefilled with (`?type=CODE&language=python&...`, the refine link).
PREFILL_FIELDS = ("type", "language", "difficulty", "prompt")


def _offline() -> bool:
    return llm_provider() == "catalog"


@login_required
@require_http_methods(["GET", "POST"])
def generation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = GenerationForm(request.POST)
    else:  # a refine link prefills the form; the values are only initial, validated when posted
        form = GenerationForm(initial={name: request.GET[name] for name in PREFILL_FIELDS if name in request.GET})
    if request.method == "POST" and form.is_valid():
        try:
            job = generation_job_create(creator=request.user, **form.service_arguments())
        except ApplicationError as exc:  # ValidationFailed (field errors) or TooManyJobs (429 in the API)
            form.add_service_error(exc)
        else:
            return redirect("generation:job_detail", job_id=job.pk)
    recent = selectors.job_list(queryset=selectors.jobs_owned_by(request.user))[:RECENT_JOBS_ON_FORM]
    context = {
        "form": form,
        "offline": _offline(),
        "recent_jobs": recent,
        "max_heals": settings.GENERATION_MAX_HEALS,
    }
    return render(request, "generation/create.html", context)


@login_required
@require_GET
def generation_languages(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The language field for the chosen type (htmx swaps it in when the type changes)."""
    form = GenerationForm(initial={"type": request.GET.get("type", ""), "language": request.GET.get("language", "")})
    form.narrow_language_options()
    response = render(request, "generation/create.html#language_field", {"form": form})
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = selectors.job_list(queryset=selectors.jobs_owned_by(request.user))
    # The same page size as the capsule list.
    page = Paginator(jobs, settings.CAPSULE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "generation/job_list.html", {"page": page})


@login_required
@require_GET
def job_detail(request: AuthenticatedHttpRequest, job_id: UUID) -> HttpResponse:
    job = selectors.get_job_for_owner(request.user, job_id)
    job = generation_job_reap_if_lost(job=job)  # a dead worker's job shows as failed, not running forever
    progress = selectors.job_progress_view(job)
    context: dict[str, Any] = {
        "job": job,
        "progress": progress,
        "offline": job.provider == "catalog",
        "offline_notice": job.provider == "catalog" and _offline(),  # not once a model has been connected since
        "refine_url": refine_url(job),
    }
    if wants_fragment(request) and request.GET.get("v") == progress.fingerprint:
        response = HttpResponse(status=204)  # nothing changed: htmx swaps nothing and keeps polling
        patch_vary_headers(response, ("HX-Request",))
    else:
        response = render_page_or_fragment(request, "generation/job_detail.html", "poll_response", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def job_retry(request: AuthenticatedHttpRequest, job_id: UUID) -> HttpResponse:
    job = selectors.get_job_for_owner(request.user, job_id)
    try:
        retry = generation_job_retry(job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("generation:job_detail", job_id=job.pk)
    messages.success(request, "Trying again with the same request.")
    return redirect("generation:job_detail", job_id=retry.pk)


def refine_url(job: GenerationJob) -> str:
    """The form, prefilled with the job's request, to change it."""
    query = QueryDict(mutable=True)
    query.update({"type": job.capsule_type, "language": job.language, "difficulty": job.difficulty, "prompt": job.prompt})
    return f"{reverse('generation:create')}?{query.urlencode()}"


@login_required
@require_POST
def job_take_suggestion(request: AuthenticatedHttpRequest, job_id: UUID) -> HttpResponse:
    """Start a job for exactly one of the exercises a no-match job offered (404 for anyone but its creator)."""
    job = selectors.get_job_for_owner(request.user, job_id)
    try:
        taken = generation_job_take_suggestion(job=job, actor=request.user, title=request.POST.get("title", ""))
    except ApplicationError as exc:  # not offered by this job, not a no-match job, or the creator's limits
        messages.error(request, exc.message)
        return redirect("generation:job_detail", job_id=job.pk)
    messages.success(request, f"Taking the catalog exercise “{taken.catalog_pick}”.")
    return redirect("generation:job_detail", job_id=taken.pk)


@login_required
@require_GET
def metrics(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Generation metrics are for staff.")
    days = selectors.metrics_days(request.GET.get("days"))
    context = {
        "metrics": selectors.generation_metrics(days=days),
        "periods": selectors.METRICS_PERIODS,
        "days": days,
        "max_heals": settings.GENERATION_MAX_HEALS,
    }
    return render(request, "generation/metrics.html", context)
