"""Site-wide pages: the landing page for visitors and creator sign-up."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from codecapsule.http import HtmxHttpRequest


class SignupForm(UserCreationForm):
    """Username, email and the password twice; the password goes through AUTH_PASSWORD_VALIDATORS."""

    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Used only to reach you about your account.",
    )

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]  # django-stubs does not declare Meta
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


def home(request: HtmxHttpRequest) -> HttpResponse:
    """Visitors see what CodeCapsule is; a signed-in creator goes straight to their capsules."""
    if request.user.is_authenticated:
        return redirect("capsules:list")
    return render(request, "capsules/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HtmxHttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("capsules:list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Several auth backends may be configured later (token auth is DRF's, not Django's); name ours.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to CodeCapsule, {user.username}. Create your first capsule below.")
        return redirect("capsules:list")
    return render(request, "registration/signup.html", {"form": form})
