"""API: tokens for clients (issue, sign out, list and revoke), and who the caller is."""

from django.contrib.auth import authenticate
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import ApiToken, Team, User
from accounts.services import two_factor
from core.throttling import ClientScopedRateThrottle


class TokenInput(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(
        max_length=services.API_TOKEN_NAME_LENGTH,
        required=False,
        allow_blank=True,
        help_text="What the client or device is called in the list of tokens; else its User-Agent.",
    )
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=(
            "For an account with a second factor: the current code of its authenticator app, or one of its "
            "recovery codes (used up). Leave it out for an account without one."
        ),
    )

    def validate(self, attrs):
        # The Django request, not DRF's wrapper: django-axes marks a lockout on it for its middleware.
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None:
            # a sign-in backend that knew the password but refused the account says why (identity.backends)
            refusal = getattr(request, "sign_in_refusal", None)
            raise serializers.ValidationError(refusal or _("Unable to log in with the given username and password."))
        try:
            two_factor.token_second_factor(user=user, code=attrs.get("otp", ""), request=request)
        except two_factor.TwoFactorRefused as error:
            message = error.message
            if error.reason == "missing":
                message = _("This account has a second factor: send the current code of its authenticator app in otp.")
            raise serializers.ValidationError({"otp": [message]}) from error
        attrs["user"] = user
        return attrs


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """Exchange a username and password for a new API token of that user (one per client or
    device; it expires after ``API_TOKEN_TTL`` days). The key is shown here only. An account
    with a second factor also sends a current code in ``otp`` (docs/two-factor.md)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]  # per client address (TRUSTED_PROXY_COUNT)
    throttle_scope = "token"

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, tags=["auth"])
    def post(self, request):
        data = TokenInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        _token, key = services.api_token_create(
            user=data.validated_data["user"],
            name=data.validated_data.get("name", ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response({"token": key})


class LogoutView(APIView):
    """Sign this client out: revoke the token the request came with."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            raise serializers.ValidationError(_("Only a request made with an API token can revoke it."))
        services.api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenOutput(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Whether this request came with this token.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]

    def get_current(self, token: ApiToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


@extend_schema(tags=["auth"])
@extend_schema_view(
    list=extend_schema(summary="The caller's API tokens that still work (never their keys)"),
    destroy=extend_schema(summary="Revoke one of the caller's API tokens"),
)
class MyTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's API tokens; another person's token is a 404."""

    serializer_class = ApiTokenOutput
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, drawn without a user
            return ApiToken.objects.none()
        return selectors.user_api_tokens(user=self.request.user).order_by("-created_at", "-pk")

    def destroy(self, request, *args, **kwargs):
        try:
            services.api_token_revoke_own(user=request.user, token_id=int(kwargs["pk"]))
        except ApiToken.DoesNotExist as error:
            raise Http404 from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "slug", "kind"]


class MeOutput(serializers.ModelSerializer):
    teams = TeamRefOutput(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "organisation",
            "phone",
            "job_title",
            "time_zone",
            "language",
            "teams",
        ]


class MeView(APIView):
    """The signed-in user, with role, organisation and teams."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeOutput}, tags=["auth"])
    def get(self, request):
        user = User.objects.prefetch_related("teams").get(pk=request.user.pk)
        return Response(MeOutput(user).data)
