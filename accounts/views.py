"""Sign-in, sign-out and two-factor pages."""

from __future__ import annotations

import base64
import io
import uuid
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import Conflict
from core.pages import apply_errors, domain_errors_as_pages

from . import security
from .actions import (
    do_change_own_password,
    do_confirm_totp_device,
    do_end_api_tokens,
    do_issue_enrolment_code,
    do_revoke_api_token,
    do_start_totp_enrolment,
    do_use_initial_link,
    find_enrolment_code,
    initial_link_user,
)
from .models import ApiToken, EnrolmentCode, User


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """Shown after too many failed sign-ins from one address for one username.

    Same page whether or not the username exists, so it reveals nothing about accounts.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"detail": _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}},
            status=429,
        )
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=gettext_lazy("Enrolment code from your security administrator"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


ENROLMENT_KEY = "laurel_enrolment_code"


def _accepted_code(request: HttpRequest, user: User) -> EnrolmentCode | None:
    """The enrolment code this session has shown, if it is still unused and unexpired."""
    pk = request.session.get(ENROLMENT_KEY)
    if pk is None:
        return None
    return EnrolmentCode.objects.filter(pk=pk, user=user, used_at__isnull=True, expires_at__gt=timezone.now()).first()


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code; a user without a confirmed device first enrols one here, with an enrolment code."""
    user = cast(User, request.user)
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    enrolling = device is None
    context: dict[str, Any] = {"enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        code = _accepted_code(request, user)
        if code is None:
            code_form = EnrolmentCodeForm(request.POST or None)
            if request.method == "POST" and code_form.is_valid():
                found = find_enrolment_code(user, code_form.cleaned_data["enrolment_code"])
                if found is not None:
                    request.session[ENROLMENT_KEY] = found.pk
                    return redirect(request.get_full_path())
                refusal = _(
                    "That enrolment code is not valid or has expired. Ask your security administrator for a new one."
                )
                code_form.add_error("enrolment_code", refusal)
            return render(request, "registration/two_factor.html", {**context, "code_form": code_form})
        device = do_start_totp_enrolment(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        if enrolling and code is not None and device.verify_token(token):
            try:
                do_confirm_totp_device(device, actor=user, enrolment_code=code)
            except Conflict as exc:
                request.session.pop(ENROLMENT_KEY, None)
                messages.error(request, exc.detail)
                return redirect(request.get_full_path())
            request.session.pop(ENROLMENT_KEY, None)
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is set up."))
            return redirect(_safe_next(request))
        matched = None if enrolling else match_token(user, token)
        if matched is not None:
            otp_login(request, matched)
            return redirect(_safe_next(request))
        form.add_error("token", _("That code is not valid. Check your device's clock and try again."))
    context["form"] = form
    if enrolling:
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        buffer = io.BytesIO()
        image.save(buffer)
        context["qr_data_uri"] = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "registration/two_factor.html", context)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: when issued, when they expire, when last used; revoke any."""
    user = cast(User, request.user)
    if request.method == "POST":
        ref = _uuid_or_none(request.POST.get("token", ""))
        token = ApiToken.objects.filter(user=user, ref=ref).first() if ref else None
        if token is None:
            raise Http404
        do_revoke_api_token(token, actor=user)
        messages.success(request, _("The token is revoked: it no longer works."))
        return redirect("accounts:tokens")
    rows = ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
    return render(request, "accounts/tokens.html", {"tokens": rows})


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class SecurityForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)


@login_required
def security_administration(request: HttpRequest) -> HttpResponse:
    """For security administrators: issue a user's enrolment code, or end all of a user's API tokens."""
    actor = cast(User, request.user)
    if not security.is_security_administrator(actor):
        raise Http404
    form = SecurityForm(request.POST or None)
    issued: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"]).first()
        if user is None or not security.administers(actor, user):
            form.add_error("username", _("No such user in your jurisdiction."))
        elif request.POST.get("action") == "end_tokens":
            count = do_end_api_tokens(user, reason="admin_revoked", actor=actor)
            messages.success(
                request, _("%(count)d API tokens of %(user)s ended.") % {"count": count, "user": user.username}
            )
            return redirect("accounts:security")
        else:
            code, plain = do_issue_enrolment_code(user, actor=actor)
            issued = {"user": user, "code": plain, "expires_at": code.expires_at}
            form = SecurityForm()
    return render(request, "accounts/security.html", {"form": form, "issued": issued})


# --- first sign-in and password changes ---------------------------------------------------------


@domain_errors_as_pages
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link: the new member of staff chooses a password and is signed in.

    Opening the link (GET) spends nothing, so a mail or chat preview cannot use it up; the
    link works once, on submitting the form.
    """
    user = initial_link_user(token)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signed_in = do_use_initial_link(token, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, signed_in, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your password is set. Welcome, %(name)s.") % {"name": signed_in.first_name})
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/welcome.html", {"form": form, "staff": user})


@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    """Change one's own password; required (no current password asked) after an administrator's reset."""
    user = cast(User, request.user)
    required = user.must_change_password
    form: forms.Form = (
        SetPasswordForm(user, request.POST or None) if required else PasswordChangeForm(user, request.POST or None)
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = do_change_own_password(user, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, changed)
            messages.success(request, _("Your password has been changed."))
            return redirect(_safe_next(request))
    return render(request, "registration/change_password.html", {"form": form, "required": required})
