"""API authentication routes, mounted under /api/auth/.

`POST /api/auth/token/` trades a username and password for the user's API token (one per user, reused on
every call), to be sent as `Authorization: Token <key>`.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.urls import re_path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from codecapsule.errors import ErrorCode, ValidationFailed, error_responses


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class ObtainTokenView(APIView):
    # Credentials travel in the body: no session (and so no CSRF check) or old token is involved.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Password guessing is slowed per client address; the rate is REST_FRAMEWORK's "auth-token" throttle rate.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(request, **body.validated_data)
        if user is None or not user.is_active:
            raise ValidationFailed(
                "Unable to log in with the username and password given.", code=ErrorCode.INVALID_CREDENTIALS
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


urlpatterns = [
    re_path(r"^token/?$", ObtainTokenView.as_view(), name="api-auth-token"),
]
