"""Creator accounts, mounted at /accounts/ (un-namespaced names, as settings.LOGIN_URL expects)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from codecapsule import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Django's LogoutView only accepts POST: the navigation's "Log out" is a small form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
