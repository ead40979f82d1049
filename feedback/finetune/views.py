"""Staff pages of fine-tuning: start a job, follow it, choose its model for the Coder.

Every view calls `get_finetune_job_for_staff` / `ensure_staff` first: 403 for anyone but staff (the jobs train
on every creator's capsules). The job page asks the provider for news on every view while the job is
unfinished and polls itself with htmx every FINE_TUNE_PAGE_POLL_SECONDS; a finished job's partial has no
trigger, so polling stops. Without JavaScript it shows a refresh link instead.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from codecapsule.errors import ApplicationError
from codecapsule.http import AuthenticatedHttpRequest, render_page_or_fragment
from feedback.finetune import selectors, services
from feedback.training.exports import training_export_open

# How often the job page asks for news while a job runs: the provider's events come every few seconds to
# minutes; a person watching wants to see them without hammering the provider (each poll is two API calls).
FINE_TUNE_PAGE_POLL_SECONDS = 10


def _panel_url() -> str:
    return reverse("feedback:dashboard") + "#fine-tuning"


@login_required
@require_POST
def finetune_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.ensure_staff(request.user)
    base_model = request.POST.get("base_model", "").strip() or None
    try:
        job = services.finetune_start(actor=request.user, base_model=base_model)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_panel_url())
    messages.success(request, f"Fine-tuning job {job.provider_job_id} started with {job.examples} examples.")
    return redirect("feedback:finetune_detail", job_id=job.pk)


@login_required
@require_GET
def finetune_detail(request: AuthenticatedHttpRequest, job_id: UUID) -> HttpResponse:
    job = selectors.get_finetune_job_for_staff(request.user, job_id)
    poll_error = ""
    if not job.is_finished or not job.events:
        try:
            job = services.finetune_poll(job=job)
        except ApplicationError as exc:
            poll_error = exc.message
    context = {
        "job": job,
        "events": selectors.job_events_view(job),
        "poll_error": poll_error,
        "poll_seconds": FINE_TUNE_PAGE_POLL_SECONDS,
        "coder_job": selectors.coder_model_in_use(),
    }
    response = render_page_or_fragment(request, "feedback/finetune_detail.html", "status", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def finetune_use(request: AuthenticatedHttpRequest, job_id: UUID) -> HttpResponse:
    job = selectors.get_finetune_job_for_staff(request.user, job_id)
    use = request.POST.get("use", "1") != "0"
    try:
        job = services.finetune_use(job=job, actor=request.user, use=use)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if use:
            messages.success(request, f"The Coder now uses {job.fine_tuned_model}.")
        else:
            messages.success(request, "The Coder uses its configured model again.")
    if request.POST.get("next") == "detail":
        return redirect("feedback:finetune_detail", job_id=job.pk)
    return redirect(_panel_url())


@login_required
@require_GET
def finetune_training_data(request: AuthenticatedHttpRequest, job_id: UUID) -> FileResponse:
    """Staff download the exact JSONL a job was trained on. Streamed from file storage through this process, so
    the bucket stays private and any web machine can serve it."""
    job = selectors.get_finetune_job_for_staff(request.user, job_id)
    try:
        handle = training_export_open(job.training_export)
    except FileNotFoundError:
        raise Http404("This job's training data is not in file storage.") from None
    response = FileResponse(handle, content_type="application/jsonl", as_attachment=True,
                            filename=f"training-data-{job.provider_job_id}.jsonl")  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return response
