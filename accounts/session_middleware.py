"""Notes each signed-in browser session's use (``accounts.services.sessions``): its last-seen
time at most once a minute, and its row following the session when its key changes (a
password change cycles it). After ``AuthenticationMiddleware``; adds no query to a request
unless a minute has passed, and none to a request that did not use its session."""

from django.contrib.auth import SESSION_KEY

from accounts.services import sessions


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        key_before = getattr(session, "session_key", None)
        response = self.get_response(request)
        if session is None or not getattr(session, "accessed", False):
            return response
        user_id = session.get(SESSION_KEY)
        key = session.session_key
        if user_id and key:
            if key_before and key_before != key:
                sessions.session_rekey(old_key=key_before, new_key=key)
            sessions.session_touch(request=request, user_id=user_id)
        return response
