"""Creator dashboard pages: capsule list, detail, new, edit and delete.

Every view calls its access helper first (selectors.get_capsule_for_reader / get_capsule_for_owner, or
capsules_owned_by for the list). htmx requests get a fragment of the same template
(`page.html#partial`) instead of a view per fragment; every page also works as plain HTML forms and links.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from capsules import selectors, services
from capsules.forms import CAPSULE_FORMS, CapsuleFilterForm, CapsuleForm
from capsules.models import Capsule, CapsuleType
from capsules.schemas import learner_safe_config
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from codecapsule.admission import creator_judgement
from codecapsule.errors import ApplicationError
from codecapsule.markdown import render_markdown
from codecapsule.net import client_address
from codecapsule.views import HtmxHttpRequest


def _fragment_or_page(request: HtmxHttpRequest, template: str, fragment: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only `fragment` of it for an htmx request (not for htmx's history restore,
    which needs a whole page). Vary on HX-Request so a cache never serves one for the other."""
    if request.htmx and not request.htmx.history_restore_request:
        template = f"{template}#{fragment}"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def capsule_list(request: HtmxHttpRequest) -> HttpResponse:
    owned = selectors.capsules_owned_by(request.user)
    filters = CapsuleFilterForm(request.GET)
    capsules = selectors.capsule_list(queryset=owned, **filters.selector_filters())
    page = Paginator(capsules, settings.CAPSULE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "has_any": page.paginator.count > 0 or owned.exists()}
    return _fragment_or_page(request, "capsules/capsule_list.html", "results", context)


def capsule_detail(request: HtmxHttpRequest, capsule_id: UUID) -> HttpResponse:
    capsule = selectors.get_capsule_for_reader(request.user, capsule_id)
    is_owner = request.user.is_authenticated and capsule.creator_id == request.user.pk
    context: dict[str, Any] = {
        "capsule": capsule,
        "is_owner": is_owner,
        "statement_html": render_markdown(capsule.problem_statement_md),
        # Readers who do not own the capsule get the one learner-safe view (DESIGN.md §4).
        "config": capsule.config_data if is_owner else learner_safe_config(capsule.capsule_type, capsule.config_data),
    }
    if is_owner:
        context.update(_owner_extras(capsule))
    return render(request, "capsules/capsule_detail.html", context)


def _owner_extras(capsule: Capsule) -> dict[str, Any]:
    extras: dict[str, Any] = {"report": capsule.validation_report, "report_json": None, "seed_sql": None}
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
def capsule_new(request: HtmxHttpRequest) -> HttpResponse:
    capsule_type = request.GET.get("type", "")
    if capsule_type not in CAPSULE_FORMS:
        return render(request, "capsules/capsule_new.html", {"types": CapsuleType.choices})
    form_class = CAPSULE_FORMS[capsule_type]
    if request.htmx and "add_row" in request.GET:
        return _new_row(request, form_class)
    form = form_class(request.POST if request.method == "POST" else None)
    if form.ready_to_save:
        try:
            with creator_judgement(user_id=request.user.pk, address=client_address(request)):
                capsule = services.capsule_create(creator=request.user, data=form.capsule_data())
        except ApplicationError as exc:
            form.add_service_errors(exc.fields or {"__all__": exc.message})
        else:
            messages.success(request, f"Created “{capsule.title}”. It is a draft until it has been validated.")
            return redirect("capsules:detail", capsule_id=capsule.pk)
    return render(request, "capsules/capsule_form.html", {"form": form, "capsule": None})


@login_required
@require_http_methods(["GET", "POST"])
def capsule_edit(request: HtmxHttpRequest, capsule_id: UUID) -> HttpResponse:
    capsule = selectors.get_capsule_for_owner(request.user, capsule_id)
    form_class = CAPSULE_FORMS[capsule.capsule_type]
    if request.htmx and "add_row" in request.GET:
        return _new_row(request, form_class)
    form = form_class(request.POST if request.method == "POST" else None, capsule=capsule)
    if form.ready_to_save:
        try:
            with creator_judgement(user_id=request.user.pk, address=client_address(request)):
                capsule = services.capsule_update(capsule=capsule, actor=request.user, data=form.capsule_data(), source="dashboard")
        except ApplicationError as exc:
            form.add_service_errors(exc.fields or {"__all__": exc.message})
        else:
            messages.success(request, f"Saved “{capsule.title}”.")
            return redirect("capsules:detail", capsule_id=capsule.pk)
    return render(request, "capsules/capsule_form.html", {"form": form, "capsule": capsule})


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
def capsule_delete(request: HtmxHttpRequest, capsule_id: UUID) -> HttpResponse:
    capsule = selectors.get_capsule_for_owner(request.user, capsule_id)
    if request.method == "POST":
        services.capsule_delete(capsule=capsule, actor=request.user)
        messages.success(request, f"Deleted “{capsule.title}”.")
        return redirect("capsules:list")
    return render(request, "capsules/capsule_confirm_delete.html", {"capsule": capsule})
