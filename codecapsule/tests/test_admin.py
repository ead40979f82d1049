"""ReadOnlyAdmin (codecapsule/admin.py): audit trails and system-written records are shown in the admin, never
added, changed or deleted there, whether as a model's own admin or as an inline."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from capsules.admin import ModerationActionInline
from capsules.models import Capsule, ModerationAction
from codecapsule.admin import ReadOnlyAdmin
from feedback.models import CreatorEdit, FineTuneJob, NetCorrection
from generation.admin import AgentStepInline
from generation.models import GenerationJob

READ_ONLY_MODELS = [ModerationAction, CreatorEdit, NetCorrection, FineTuneJob, GenerationJob]


@pytest.fixture
def staff_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda model: model.__name__)
def test_a_read_only_model_admin_refuses_every_write_even_to_a_superuser(model, staff_request):
    model_admin = admin.site._registry[model]

    assert isinstance(model_admin, ReadOnlyAdmin)
    assert model_admin.has_view_permission(staff_request)
    assert not model_admin.has_add_permission(staff_request)
    assert not model_admin.has_change_permission(staff_request)
    assert not model_admin.has_delete_permission(staff_request)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("inline", "parent"), [(ModerationActionInline, Capsule), (AgentStepInline, GenerationJob)], ids=["moderation", "agent-steps"]
)
def test_a_read_only_inline_refuses_every_write_with_its_parent_given(inline, parent, staff_request):
    inline_admin = inline(parent, admin.site)

    assert not inline_admin.has_add_permission(staff_request, None)
    assert not inline_admin.has_change_permission(staff_request, None)
    assert not inline_admin.has_delete_permission(staff_request, None)
