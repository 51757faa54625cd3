"""Settings of identity and privacy, read from the environment like the rest (docs/identity.md,
docs/two-factor.md, docs/personal-data.md). Star-imported at the end of settings.py; each
section is empty, and changes nothing, until its variables are set."""

import environ

env = environ.Env()

# Tried in order; the directory's and the provider's backends are added below when configured.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a login while its account or address is locked
    "django.contrib.auth.backends.ModelBackend",
]

# --- directory sign-in (LDAP / Active Directory) ---------------------------------------------

# --- OpenID Connect sign-in ------------------------------------------------------------------

# --- local passwords ---------------------------------------------------------------------------

# --- the second factor -------------------------------------------------------------------------

# --- sessions and the audit log ----------------------------------------------------------------

# --- personal data: retention ------------------------------------------------------------------
