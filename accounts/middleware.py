"""Session limits and the two-factor gate."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

AUTH_AT_KEY = "laurel_authenticated_at"
# When the session last showed activity (written at most once a minute).
SEEN_AT_KEY = "laurel_seen_at"

# Paths a signed-in user may reach before passing two-factor (or that need no session).
_OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/welcome/",
    "/accounts/password/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/letters/verify/",
)


class SessionLimitsMiddleware:
    """End a session 8 hours after sign-in, however active, and after 30 idle minutes.

    The session is not saved on every request (``SESSION_SAVE_EVERY_REQUEST`` is off): the
    time of the last activity is written at most once every ``LAUREL_SESSION_TOUCH_SECONDS``,
    and that write also moves the stored session's expiry (``SESSION_COOKIE_AGE``) on. Both
    limits therefore hold to within that many seconds, and most requests write nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            started = session.get(AUTH_AT_KEY)
            seen = session.get(SEEN_AT_KEY)
            now = time.time()
            if started is None:
                session[AUTH_AT_KEY] = now
            elif now - float(started) > settings.LAUREL_SESSION_ABSOLUTE_SECONDS:
                return self._ended(request, _("Your session has ended after 8 hours. Please sign in again."))
            if seen is not None and now - float(seen) > settings.SESSION_COOKIE_AGE:
                return self._ended(request, _("Your session has ended after 30 idle minutes. Please sign in again."))
            if seen is None or now - float(seen) >= settings.LAUREL_SESSION_TOUCH_SECONDS:
                session[SEEN_AT_KEY] = now  # saved with a new expiry at the end of the request
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        messages.info(request, message)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Session expired.")}, status=401)
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")


class RequireTwoFactorMiddleware:
    """Users whose roles need TOTP reach nothing but the sign-in pages until verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
            and user.needs_two_factor()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Two-factor verification is required.")}, status=403)
            return redirect(reverse("accounts:two_factor") + f"?next={request.path}")
        return self.get_response(request)


class RequirePasswordChangeMiddleware:
    """A user whose password was set by someone else chooses their own before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Choose your own password first (sign in on the web).")}, status=403)
            return redirect(reverse("accounts:password") + f"?next={request.path}")
        return self.get_response(request)


class LanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user chose otherwise; the browser's Accept-Language is ignored.

    The users work in Chinese all day, often on machines set up in English, so the
    language is: the switcher's cookie, else the user's saved preference, else zh-Hans.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if not language:
            user = getattr(request, "user", None)
            language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if not language or not check_for_language(language):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
