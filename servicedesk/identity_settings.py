"""Settings of identity and privacy, read from the environment like the rest (docs/identity.md,
docs/two-factor.md, docs/personal-data.md). Star-imported at the end of settings.py; each
section is empty, and changes nothing, until its variables are set."""

import environ

env = environ.Env()

# Tried in order; the directory's and the provider's backends are added below when configured.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a login while its account or address is locked
    "identity.backends.LocalPasswordBackend",  # Django's password check, refused per account and role
]

# --- directory sign-in (LDAP / Active Directory) ---------------------------------------------
# docs/identity.md has the table and an OpenLDAP and an Active Directory example. Empty
# LDAP_SERVER_URI: no directory. django-auth-ldap's AUTH_LDAP_* settings follow from these.
LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="")  # ldap://dc1.example.com or ldaps://…
LDAP_BIND_DN = env.str("LDAP_BIND_DN", default="")  # the account that searches; empty: anonymous
LDAP_BIND_PASSWORD = env.str("LDAP_BIND_PASSWORD", default="")
LDAP_START_TLS = env.bool("LDAP_START_TLS", default=False)
LDAP_CA_FILE = env.str("LDAP_CA_FILE", default="")  # PEM file of the CA that signed the server's certificate
LDAP_TIMEOUT = env.int("LDAP_TIMEOUT", default=5)  # seconds, to connect and for each operation
LDAP_USER_SEARCH_BASE = env.str("LDAP_USER_SEARCH_BASE", default="")
LDAP_USER_FILTER = env.str("LDAP_USER_FILTER", default="(uid=%(user)s)")  # AD: (sAMAccountName=%(user)s)
LDAP_GROUP_SEARCH_BASE = env.str("LDAP_GROUP_SEARCH_BASE", default="")
LDAP_GROUP_MEMBERSHIP = env.str("LDAP_GROUP_MEMBERSHIP", default="groupOfNames")  # or memberOf (AD)
LDAP_USERNAME_ATTRIBUTE = env.str("LDAP_USERNAME_ATTRIBUTE", default="uid")  # AD: sAMAccountName
LDAP_FIRST_NAME_ATTRIBUTE = env.str("LDAP_FIRST_NAME_ATTRIBUTE", default="givenName")
LDAP_LAST_NAME_ATTRIBUTE = env.str("LDAP_LAST_NAME_ATTRIBUTE", default="sn")
LDAP_EMAIL_ATTRIBUTE = env.str("LDAP_EMAIL_ATTRIBUTE", default="mail")
LDAP_PHONE_ATTRIBUTE = env.str("LDAP_PHONE_ATTRIBUTE", default="telephoneNumber")
LDAP_ORGANISATION_ATTRIBUTE = env.str("LDAP_ORGANISATION_ATTRIBUTE", default="")  # empty: groups only
LDAP_DISABLED_GROUP = env.str("LDAP_DISABLED_GROUP", default="")  # DN of a group whose members are refused


def ldap_auth_settings(conf: dict) -> dict:
    """django-auth-ldap's AUTH_LDAP_* settings from the LDAP_* ones in ``conf`` (the tests
    call it too). It never writes the user (identity.ldap does, through the mapping rules)."""
    import ldap
    from django_auth_ldap.config import GroupOfNamesType, LDAPSearch

    options = {ldap.OPT_NETWORK_TIMEOUT: conf["LDAP_TIMEOUT"], ldap.OPT_TIMEOUT: conf["LDAP_TIMEOUT"]}
    options[ldap.OPT_REFERRALS] = 0  # Active Directory's referrals would need another bind
    if conf["LDAP_CA_FILE"]:
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_CACERTFILE] = conf["LDAP_CA_FILE"]
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the TLS options above to this connection
    group_base = conf["LDAP_GROUP_SEARCH_BASE"] or conf["LDAP_USER_SEARCH_BASE"]
    return {
        "AUTH_LDAP_SERVER_URI": conf["LDAP_SERVER_URI"],
        "AUTH_LDAP_BIND_DN": conf["LDAP_BIND_DN"],
        "AUTH_LDAP_BIND_PASSWORD": conf["LDAP_BIND_PASSWORD"],
        "AUTH_LDAP_START_TLS": conf["LDAP_START_TLS"],
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(
            conf["LDAP_USER_SEARCH_BASE"], ldap.SCOPE_SUBTREE, conf["LDAP_USER_FILTER"]
        ),
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(group_base, ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)"),
        "AUTH_LDAP_GROUP_TYPE": GroupOfNamesType(),
        # the account is written by identity.services.directory_sign_in only
        "AUTH_LDAP_ALWAYS_UPDATE_USER": False,
        "AUTH_LDAP_USER_ATTR_MAP": {},
        "AUTH_LDAP_MIRROR_GROUPS": False,
        "AUTH_LDAP_FIND_GROUP_PERMS": False,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
    }


globals().update(ldap_auth_settings(globals()))
if LDAP_SERVER_URI:
    AUTHENTICATION_BACKENDS.append("identity.ldap.DirectoryBackend")

# --- OpenID Connect sign-in ------------------------------------------------------------------
# docs/openid-connect.md has the table and a Keycloak and an Entra ID example. Empty
# OIDC_RP_CLIENT_ID: no single sign-on. mozilla-django-oidc reads the OIDC_* names below; the
# provider's endpoints are given explicitly (its /.well-known/openid-configuration lists them):
# nothing is fetched at start-up.
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="")  # the button: "Sign in with <name>"
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")  # the ID token's iss must equal it (empty: not checked)
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")  # end_session_endpoint
OIDC_END_PROVIDER_SESSION = env.bool("OIDC_END_PROVIDER_SESSION", default=False)  # log out there too
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")  # add groups when the provider needs it
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_ORGANISATION_CLAIM = env.str("OIDC_ORGANISATION_CLAIM", default="")  # an Organisation.code; empty: groups only
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)  # seconds, for each call to the provider
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)  # client_secret_basic
OIDC_CALLBACK_CLASS = "identity.views.OpenIDCallbackView"
OIDC_AUTHENTICATE_CLASS = "identity.views.OpenIDRequestView"
OIDC_OP_LOGOUT_URL_METHOD = "identity.oidc.provider_logout_url"
OIDC_STORE_ID_TOKEN = OIDC_END_PROVIDER_SESSION  # the end-session request's id_token_hint
# Minutes after which a page first checks, silently, that the person is still signed in at the
# provider and applies the mapping again (0: never; the session lasts as any other)
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_RENEW_SESSION_MINUTES", default=0) * 60
if OIDC_RP_CLIENT_ID:
    _needed = ["OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT"]
    _needed += [] if OIDC_RP_SIGN_ALGO.startswith("HS") else ["OIDC_OP_JWKS_ENDPOINT"]
    if _missing := [name for name in _needed if not globals()[name]]:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set: set {', '.join(_missing)} too (docs/openid-connect.md)")
    AUTHENTICATION_BACKENDS.append("identity.oidc.OpenIDConnectBackend")

# --- local passwords ---------------------------------------------------------------------------
# Roles that never sign in with a local password (e.g. engineer,manager,admin once the directory
# or single sign-on holds them); empty: every role may. Accounts the directory or the OpenID
# provider hold never use one, whatever this says.
LOCAL_PASSWORD_DISABLED_ROLES = [
    role.strip().lower() for role in env.list("LOCAL_PASSWORD_DISABLED_ROLES", default=[]) if role.strip()
]

# --- the second factor -------------------------------------------------------------------------
# Roles that must set up an authenticator app before they reach any page (customer, engineer,
# manager, admin); empty: the factor is optional for everyone. docs/two-factor.md recommends
# "admin,manager".
TWO_FACTOR_REQUIRED_ROLES = env.list("TWO_FACTOR_REQUIRED_ROLES", default=[])
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env.str("TWO_FACTOR_ISSUER", default="Service desk")
# django-otp's throttling: after n wrong codes a device waits factor * 2^(n-1) seconds.
OTP_TOTP_THROTTLE_FACTOR = env.int("TWO_FACTOR_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key again

# --- sessions and the audit log ----------------------------------------------------------------

# --- personal data: retention ------------------------------------------------------------------
# Days a closed ticket's attachments and original emails are kept after its closing (privacy app's
# daily beat task); empty or 0: kept forever (the default). docs/personal-data.md suggests 1095.
RETENTION_ATTACHMENT_DAYS = int(env.str("RETENTION_ATTACHMENT_DAYS", default="") or 0)
RETENTION_ORIGINAL_EMAIL_DAYS = int(env.str("RETENTION_ORIGINAL_EMAIL_DAYS", default="") or 0)
