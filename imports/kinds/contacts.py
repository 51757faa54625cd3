"""Customer contacts: users with the customer role in an organisation, matched by username, or
by email address when the row has no username."""

from typing import Any

from django.conf import settings
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as account_services
from accounts.models import User
from imports.kinds.base import UPDATE, Column, Kind, Plan, RowError, Verdict, as_bool
from imports.kinds.common import Seen, Writes, judge, need, text
from imports.kinds.customers import organisations_by_code

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _new_contact() -> User:
    user = User(role=User.Role.CUSTOMER, is_staff=False, is_superuser=False)
    user.set_unusable_password()  # they set one by "forgot password", or an admin gives one
    return user


class Contacts(Kind):
    name = "contacts"
    label = gettext_lazy("Customer contacts")
    columns = [
        Column(
            "username",
            gettext_lazy("Sign-in name: the key (empty: the email address is the key and the sign-in name)."),
            "li.wei",
            False,
            True,
        ),
        Column(
            "email", gettext_lazy("Email address (required without a username)."), "li.wei@acme.example", False, True
        ),
        Column("organisation", gettext_lazy("The organisation's code."), "acme", True),
        Column("first_name", gettext_lazy("First name."), "Wei"),
        Column("last_name", gettext_lazy("Last name."), "Li"),
        Column("phone", gettext_lazy("Phone number."), "+86 138 0000 0000"),
        Column("job_title", gettext_lazy("Job title."), "IT manager"),
        Column("language", gettext_lazy("Language of the emails: en or zh-hans (empty: the desk's)."), "zh-hans"),
        Column("active", gettext_lazy("Active: yes or no (empty: yes for a new row)."), "yes"),
    ]

    def plan(self, rows, *, actor, present) -> Plan:
        if "username" not in present and "email" not in present:
            raise RowError(_("The file needs a username or an email column."))
        usernames = {row.get("username", "") or row.get("email", "") for _line, row in rows} - {""}
        emails = {row.get("email", "").lower() for _line, row in rows if not row.get("username")} - {""}
        by_username = {user.username: user for user in User.objects.filter(username__in=usernames)}
        by_email: dict[str, list[User]] = {}
        for user in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=emails, role=User.Role.CUSTOMER
        ):
            by_email.setdefault(user.email.lower(), []).append(user)
        organisations = organisations_by_code(row.get("organisation", "") for _line, row in rows)
        keys, writes, verdicts = Seen(), Writes(User, history=False), []
        deactivated: list[User] = []
        for line, row in rows:
            username, email = row.get("username", ""), row.get("email", "")
            verdict = Verdict(line, key=username or email)
            verdicts.append(verdict)
            try:
                if not username and not email:
                    raise RowError(_("Give a username or an email address."))
                organisation = organisations.get(need(row, "organisation"))
                if organisation is None:
                    raise RowError(_("Unknown organisation code %(code)s.") % {"code": row["organisation"]})
                user = by_username.get(username or email)
                if not username:
                    found = by_email.get(email.lower(), [])
                    if len(found) > 1:
                        raise RowError(
                            _("Several contacts have the email address %(email)s: give the username.")
                            % {"email": email}
                        )
                    user = user or (found[0] if found else None)
                keys.check(
                    user.pk if user else (username or email).casefold(),
                    line,
                    _("The contact %(key)s") % {"key": username or email},
                )
                if user is not None and not user.is_customer:
                    raise RowError(_("%(username)s is a staff user, not a customer contact.") % {"username": user})
                if user is not None and user.organisation_id != organisation.pk:
                    raise RowError(
                        _("%(username)s is a contact of another organisation: a contact does not move.")
                        % {"username": user.username}
                    )
                values: dict[str, Any] = {"organisation": organisation}
                if user is None:
                    values["username"] = username or email
                for column in ("email", "first_name", "last_name", "phone", "job_title"):
                    text(row, column, present, values)
                if "language" in present:
                    language = row["language"].lower()
                    if language and language not in LANGUAGE_CODES:
                        raise RowError(
                            _("language: “%(value)s” is not one of %(allowed)s.")
                            % {"value": row["language"], "allowed": ", ".join(sorted(LANGUAGE_CODES))}
                        )
                    values["language"] = language
                if "active" in present:
                    values["is_active"] = as_bool(row["active"] or "yes", "active")
            except RowError as error:
                verdict.error(str(error))
                continue
            was_active = user is not None and user.is_active
            contact = judge(
                verdict,
                instance=user,
                make=_new_contact,
                values=values,
                writes=writes,
                exclude=["password", "organisation", "last_login", "date_joined"],
            )
            if was_active and not contact.is_active and verdict.verdict == UPDATE:
                deactivated.append(contact)

        def apply() -> None:
            writes.write(actor)
            for contact in deactivated:  # as ``user_update`` does: a deactivated user's API tokens stop
                account_services.api_tokens_revoke_all(user=contact)

        return Plan(verdicts, apply)
