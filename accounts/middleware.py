"""Shows each user the site in their own time zone and, unless they chose otherwise in this
browser, their preferred language."""

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tz_name = settings.TIME_ZONE
        if user is not None and user.is_authenticated:
            tz_name = user.time_zone or tz_name
            if user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
