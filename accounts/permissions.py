"""Permission classes shared by every API (DRF) and mixins for pages."""

from django.contrib.auth.mixins import UserPassesTestMixin
from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffMember(BasePermission):
    """Engineers, managers and admins."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff_member)


class IsAdmin(BasePermission):
    """Administrators (role admin or superuser), checked before any object is looked up: anyone
    else gets 403 for any id (the users' sessions, tokens, audit log, personal data)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


class IsManagerOrAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.can_manage)


class ReadAnyWriteManagers(BasePermission):
    """Any signed-in user reads (within their scope); managers and admins write.

    On a detail route the verdict waits for the scoped lookup, so that a customer writing to
    another organisation's object gets 404 (not found), and to its own 403 (not allowed).
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or request.user.can_manage:
            return True
        return (getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")) in view.kwargs

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or request.user.can_manage


class StaffRequiredMixin(UserPassesTestMixin):
    """Pages for vendor staff only; a customer gets 403, an anonymous user the login page."""

    def test_func(self) -> bool:
        return self.request.user.is_authenticated and self.request.user.is_staff_member


class StaffReadAdminWrite(BasePermission):
    """Configuration (calendars, policies): staff read, admins write, customers neither."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff_member):
            return False
        return request.method in SAFE_METHODS or user.is_admin


class ReadAnyWriteStaff(BasePermission):
    """Everyone signed in reads within their scope; staff write (a customer writing to its own
    organisation's row gets 403, to another's 404)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.is_staff_member or "pk" in view.kwargs

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or request.user.is_staff_member


class StaffReadManagersWrite(BasePermission):
    """Staff read; managers and admins write; customers neither."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff_member):
            return False
        return request.method in SAFE_METHODS or user.can_manage
