from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views, views_security, views_two_factor

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("preferences/calendar-links/<int:pk>/revoke/", views.calendar_link_revoke, name="calendar_link_revoke"),
    # sessions and security (accounts/views_security.py)
    path("security/", views_security.security, name="security"),
    path("security/sessions/<int:pk>/end/", views_security.session_end, name="session_end"),
    path("security/sessions/end-others/", views_security.sessions_end_others, name="sessions_end_others"),
    path("security/tokens/<int:pk>/revoke/", views_security.token_revoke, name="security_token_revoke"),
    path("users/", views_security.user_list, name="user_list"),
    path("users/<int:user_id>/security/", views_security.user_security, name="user_security"),
    path(
        "users/<int:user_id>/security/sessions/<int:pk>/end/",
        views_security.user_session_end,
        name="user_session_end",
    ),
    path(
        "users/<int:user_id>/security/tokens/<int:pk>/revoke/",
        views_security.user_token_revoke,
        name="user_token_revoke",
    ),
    path(
        "users/<int:user_id>/security/end-all/",
        views_security.user_sign_out_everywhere,
        name="user_sign_out_everywhere",
    ),
    path("audit/", views_security.audit_log, name="audit"),
    path("audit/export/<str:fmt>/", views_security.audit_export, name="audit_export"),
    path("two-factor/", views_two_factor.two_factor_status, name="two_factor"),
    path("two-factor/set-up/", views_two_factor.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/confirm/", views_two_factor.two_factor_confirm, name="two_factor_confirm"),
    path("two-factor/recovery-codes/", views_two_factor.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("two-factor/remove/", views_two_factor.two_factor_remove, name="two_factor_remove"),
    path("two-factor/verify/", views_two_factor.two_factor_verify, name="two_factor_verify"),
    path("users/<int:user_id>/two-factor/reset/", views_two_factor.two_factor_reset, name="two_factor_reset"),
]
