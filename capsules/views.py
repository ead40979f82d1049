"""Creator dashboard pages: capsule list, detail, new, edit and delete.

Every view calls its access helper first (selectors.get_capsule_for_reader / get_capsule_for_owner, or
capsules_owned_by for the list). htmx requests get a fragment of the same template
(`page.html#partial`) instead of a view per fragment; every page also works as plain HTML forms and links.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from capsules import selectors, services
from capsules.forms import CAPSULE_FORMS, CapsuleFilterForm, CapsuleForm
from capsules.hooks import INCONCLUSIVE_CATEGORY, EditPath
from capsules.models import Capsule, CapsuleStatus, CapsuleType
from capsules.schemas import describe_tier, learner_safe_config
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from codecapsule.admission import creator_judgement
from codecapsule.errors import ApplicationError
from codecapsule.http import AuthenticatedHttpRequest, HtmxHttpRequest, render_page_or_fragment
from codecapsule.markdown import render_markdown
from codecapsule.net import client_address


@login_required
def capsule_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    owned = selectors.capsules_owned_by(request.user)
    filters = CapsuleFilterForm(request.GET)
    capsules = selectors.capsule_list(queryset=owned, **filters.selector_filters())
    page = Paginator(capsules, settings.CAPSULE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "has_any": page.paginator.count > 0 or owned.exists()}
    return render_page_or_fragment(request, "capsules/capsule_list.html", "results", context)


def capsule_detail(request: HtmxHttpRequest, capsule_id: UUID) -> HttpResponse:
    capsule = selectors.get_capsule_for_reader(request.user, capsule_id)
    is_owner = request.user.is_authenticated and capsule.creator_id == request.user.pk
    context: dict[str, Any] = {
        "capsule": capsule,
        "is_owner": is_owner,
        "statement_html": render_markdown(capsule.problem_statement_md),
        # Readers who do not own the capsule get the one learner-safe view.
        "config": capsule.config_data if is_owner else learner_safe_config(capsule.capsule_type, capsule.config_data),
    }
    context["tier_description"] = describe_tier(capsule.runtime_tier)
    # Hints are Markdown, as learners see them (render_markdown sanitises: creators and LLMs write them).
    context["hints_html"] = [render_markdown(hint) for hint in context["config"].get("hints", [])]
    if is_owner:
        context.update(_owner_extras(capsule))
    return render(request, "capsules/capsule_detail.html", context)


def _owner_extras(capsule: Capsule) -> dict[str, Any]:
    extras: dict[str, Any] = {
        "report": capsule.validation_report,
        # A browser tier's check against its engine (judges/reports.py BrowserAgreement), in words for the creator.
        "browser_agreement": (capsule.validation_report or {}).get("browser"),
        # A generated capsule's statement check: did a solution written from the statement alone pass every test?
        "statement_check": (capsule.validation_report or {}).get("statement_check"),
        "report_json": None,
        "seed_sql": None,
        "problems": report_problems(capsule.validation_report),
        "embed": embed_details(capsule),
    }
    if capsule.validation_report is not None:
        extras["report_json"] = json.dumps(capsule.validation_report, indent=2, sort_keys=True)
    if capsule.capsule_type == CapsuleType.DATABASE:
        try:
            extras["seed_sql"] = seed_sql_read(url=capsule.config_data.get("seed_sql_url", ""))
        except SeedSqlMissing:
            extras["seed_sql_missing"] = True
    return extras


@login_required
@require_http_methods(["GET", "POST"])
def capsule_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    capsule_type = request.GET.get("type", "")
    if capsule_type not in CAPSULE_FORMS:
        return render(request, "capsules/capsule_new.html", {"types": CapsuleType.choices})
    form_class = CAPSULE_FORMS[capsule_type]
    if request.htmx and "add_row" in request.GET:
        return _new_row(request, form_class)
    form = form_class(request.POST if request.method == "POST" else None)
    if _wants_check(request):
        return _check_response(request, form, capsule=None)
    if form.ready_to_save:
        try:
            with creator_judgement(user_id=request.user.pk, address=client_address(request)):
                capsule = services.capsule_create(creator=request.user, data=form.capsule_data())
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            _announce_save(request, capsule, created=True)
            return redirect("capsules:detail", capsule_id=capsule.pk)
    return render(request, "capsules/capsule_form.html", {"form": form, "capsule": None})


@login_required
@require_http_methods(["GET", "POST"])
def capsule_edit(request: AuthenticatedHttpRequest, capsule_id: UUID) -> HttpResponse:
    capsule = selectors.get_capsule_for_owner(request.user, capsule_id)
    form_class = CAPSULE_FORMS[capsule.capsule_type]
    if request.htmx and "add_row" in request.GET:
        return _new_row(request, form_class)
    form = form_class(request.POST if request.method == "POST" else None, capsule=capsule)
    if _wants_check(request):
        return _check_response(request, form, capsule=capsule)
    if form.ready_to_save:
        try:
            with creator_judgement(user_id=request.user.pk, address=client_address(request)):
                capsule = services.capsule_update(capsule=capsule, actor=request.user, data=form.capsule_data(), source=EditPath.DASHBOARD)
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            _announce_save(request, capsule, created=False)
            return redirect("capsules:detail", capsule_id=capsule.pk)
    return render(request, "capsules/capsule_form.html", {"form": form, "capsule": capsule})


# --- Saving honestly, and checking without saving ------------------------------------------------------------



def report_problems(report: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """Every problem of a stored report: its `problems`, or for a report stored before the judge listed them all,
    its one category and message."""
    if not report or report.get("passed"):
        return []
    if report.get("problems"):
        return list(report["problems"])
    return [{"category": report.get("category"), "message": report.get("message", "")}]


def _problem_count(count: int) -> str:
    return f"{count} problem{'' if count == 1 else 's'}"


def _announce_save(request: HtmxHttpRequest, capsule: Capsule, *, created: bool) -> None:
    """Say what the save did, honestly: a capsule the judge refused is a warning naming how many problems it has
    (listed on the capsule page), never a green "Saved"."""
    report = capsule.validation_report or {}
    verb = "Created" if created else "Saved"
    if report.get("passed"):
        messages.success(request, f"{verb} “{capsule.title}” — validated: the judge ran it and it passes.")
    elif report.get("category") == INCONCLUSIVE_CATEGORY:
        messages.warning(request, f"{verb} “{capsule.title}”, but the judge could not run it: {report.get('message', '')}")
    elif report:
        status = "as draft" if capsule.status == CapsuleStatus.DRAFT else f"({capsule.get_status_display().lower()})"
        count = len(report_problems(report))
        messages.warning(request, f"{verb} {status} — {_problem_count(count)}: see {'it' if count == 1 else 'them'} below.")
    else:
        messages.info(request, f"{verb} “{capsule.title}”. It is a draft until it has been validated.")


def _wants_check(request: HtmxHttpRequest) -> bool:
    """The form's Check button: judge the posted (unsaved) capsule and show the whole report."""
    return request.method == "POST" and "check" in request.POST


def _check_response(request: HtmxHttpRequest, form: CapsuleForm, *, capsule: Capsule | None) -> HttpResponse:
    """Run the gate on the form's data without writing anything (no status, no edit record, no stored report).

    It costs a sandbox job like a save, so it goes through the same admission control. htmx gets the report's
    fragment; a plain form post gets the whole page, the form as posted and the report above its buttons."""
    check: dict[str, Any] = {"report": None, "problems": []}
    if form.is_bound and form.row_action is None and form.is_valid():
        try:
            draft = services.capsule_validate_for_save(data=form.capsule_data())
            with creator_judgement(user_id=request.user.pk, address=client_address(request)):
                _, report = services.capsule_check(draft=draft, existing=capsule)
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            check = {"report": report, "problems": report_problems(report)}
    context = {"form": form, "capsule": capsule, "check": check, "checked": True}
    return render_page_or_fragment(request, "capsules/capsule_form.html", "check_result", context)


# --- The capsule's embed code (owner) ----------------------------------------------------------------------


def embed_details(capsule: Capsule) -> dict[str, Any]:
    """The single-capsule embed: its iframe code (the snippet the playlist share page gives, for one capsule), its
    oEmbed URL, and whether learners can open it yet (only a published public capsule is shown to them)."""
    site_url = settings.SITE_URL
    src = f"{site_url}{reverse('playlists:embed_capsule', kwargs={'capsule_id': capsule.pk})}"
    code = format_html(
        '<iframe src="{}" title="{}" width="100%" height="{}" frameborder="0" style="border:0;max-width:100%" '
        'loading="lazy" allow="clipboard-write"></iframe>\n'
        '<script src="{}" async></script>',
        src,
        f"Interactive exercise: {capsule.title}",
        settings.EMBED_DEFAULT_HEIGHT,
        f"{site_url}{reverse('playlists:embed_script')}",
    )
    oembed = f"{site_url}{reverse('playlists:oembed')}?{urlencode({'url': src, 'format': 'json'})}"
    return {
        "src": src,
        "code": code,
        "oembed_url": oembed,
        "preview_url": reverse("playlists:embed_capsule", kwargs={"capsule_id": capsule.pk}),
        "visible_to_learners": capsule.status == CapsuleStatus.PUBLISHED and capsule.is_public,
    }


def _new_row(request: HtmxHttpRequest, form_class: type[CapsuleForm]) -> HttpResponse:
    """One empty table row for htmx to append, plus the management form's new count (out of band)."""
    index = form_class.next_row_index(request.GET)
    context = {
        "rows_key": form_class.rows_key,
        "row_noun": form_class.row_noun,
        "row": form_class.blank_row(index),
        "index": index,
        "total": index + 1,
    }
    return render(request, "capsules/capsule_form.html#new_row", context)


@login_required
@require_http_methods(["GET", "POST"])
def capsule_delete(request: AuthenticatedHttpRequest, capsule_id: UUID) -> HttpResponse:
    capsule = selectors.get_capsule_for_owner(request.user, capsule_id)
    if request.method == "POST":
        services.capsule_delete(capsule=capsule, actor=request.user)
        messages.success(request, f"Deleted “{capsule.title}”.")
        return redirect("capsules:list")
    return render(request, "capsules/capsule_confirm_delete.html", {"capsule": capsule})
