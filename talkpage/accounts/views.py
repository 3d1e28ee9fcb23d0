import unicodedata

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from talkpage.accounts import forms, services, verification
from talkpage.accounts.models import User
from talkpage.accounts.tasks import send_password_reset
from talkpage.lib import ratelimit
from talkpage.lib.http import too_many_requests
from talkpage.lib.network import network_hash
from talkpage.privacy.services import erase_account

BACKEND = "talkpage.accounts.backends.UsernameOrEmailBackend"


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        verdict = ratelimit.hit("network", network_hash(request), "register")
        if not verdict.allowed:
            return too_many_requests(
                request,
                verdict.retry_after,
                "Too many accounts were created from your network. "
                "Please try again later.",
            )
        form = forms.RegistrationForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = form.save()
            except IntegrityError:
                # The name or address was taken between the form's check and
                # now (a double click): checking again says which.
                form = forms.RegistrationForm(request.POST)
                if form.is_valid():
                    raise
            else:
                login(request, user, backend=BACKEND)
                verification.send_verification(user=user)
                messages.success(
                    request,
                    f"Welcome, {user.username}! You are signed in. We have "
                    "mailed you a link to confirm your email address.",
                )
                return redirect(_safe_next(request))
    else:
        form = forms.RegistrationForm()
    return render(
        request,
        "accounts/register.html",
        {"form": form, "next": _safe_next(request, default="")},
        status=400 if form.is_bound else 200,
    )


class SignInView(auth_views.LoginView):
    """Sign-in, throttled per network and, on failures, per account.

    The per-account limit counts only failed attempts and expires on its
    own; "Forgot password?" stays open, so an attacker hammering an account
    cannot keep its owner out.
    """

    form_class = forms.SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        verdict = ratelimit.hit("network", network_hash(request), "login_network")
        if not verdict.allowed:
            return self.throttled(verdict)
        self.account_key = account_throttle_key(request.POST.get("username", ""))
        if self.account_key:
            verdict = ratelimit.peek("account", self.account_key, "login_account")
            if not verdict.allowed:
                return self.throttled(verdict)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # LoginView names the site after the request's Host header.
        context["site_name"] = settings.TALKPAGE_SITE_NAME
        return context

    def form_invalid(self, form):
        if self.account_key:
            ratelimit.hit("account", self.account_key, "login_account")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def throttled(self, verdict: ratelimit.Verdict) -> HttpResponse:
        minutes = max(1, round(verdict.retry_after / 60))
        return too_many_requests(
            self.request,
            verdict.retry_after,
            f"Too many sign-in attempts. Please wait about {minutes} minute(s), "
            "or use “Forgot password?” to set a new password.",
            offer_password_reset=True,
        )


def account_throttle_key(login_name: str) -> str:
    """What the per-account sign-in throttle counts failures against.

    The account itself when the name finds one, so "alice", "ALICE",
    "ａｌｉｃｅ" (which the form folds to "alice") and her email address
    share one budget; otherwise the name as the form would read it.
    """
    name = unicodedata.normalize("NFKC", login_name[:254]).strip()
    if not name:
        return ""
    try:
        return f"user:{User.objects.get_by_login(name).pk}"
    except (User.DoesNotExist, User.MultipleObjectsReturned):
        return f"name:{name.casefold()}"


def lift_account_throttle(user: User) -> None:
    ratelimit.reset("account", f"user:{user.pk}", "login_account")


def _guessing_password(request: HttpRequest) -> HttpResponse | None:
    """Forms that ask for the current password share the account's sign-in
    failure budget: a stolen session must not become a password oracle."""
    verdict = ratelimit.peek("account", f"user:{request.user.pk}", "login_account")
    if verdict.allowed:
        return None
    return too_many_requests(
        request,
        verdict.retry_after,
        "Too many wrong passwords. Please wait, or use “Forgot password?”.",
        offer_password_reset=True,
    )


def _password_checked(request: HttpRequest, form) -> bool:
    valid = form.is_valid()
    if "password" in form.errors:
        ratelimit.hit("account", f"user:{request.user.pk}", "login_account")
    return valid


class SignOutView(auth_views.LogoutView):
    pass


class ForgotPasswordView(auth_views.PasswordResetView):
    """Sends a reset link; answers the same whatever the address.

    The form builds the link from TALKPAGE_BASE_URL, never from the
    request's Host header. Throttled requests get the same answer too, they
    just send nothing.
    """

    form_class = forms.ForgotPasswordForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password-reset-body.txt"
    html_email_template_name = "emails/password-reset-body.html"
    subject_template_name = "emails/password-reset-subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        address = form.cleaned_data["email"].strip().lower()
        by_network = ratelimit.hit(
            "network", network_hash(self.request), "password_reset_network"
        )
        by_address = ratelimit.hit("address", address, "password_reset_address")
        if not (by_network.allowed and by_address.allowed):
            return redirect(self.get_success_url())
        # The same work whatever the address: the worker looks it up.
        send_password_reset.enqueue(
            email=form.cleaned_data["email"],
            context={
                "site_name": settings.TALKPAGE_SITE_NAME,
                "base_url": settings.BASE_URL,
                "expiry_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )
        return redirect(self.get_success_url())


class ForgotPasswordDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(never_cache, name="dispatch")
class SetNewPasswordView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetNewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    # Signing in here keeps this browser signed in; the new password hash
    # signs out every other session of the user.
    post_reset_login = True
    post_reset_login_backend = BACKEND
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if kwargs.get("token") != self.reset_url_token:
            # This response answers a URL that still holds the token: let no
            # Referer carry it anywhere. The set-password page that follows
            # has no token in its URL and keeps the site's same-origin
            # policy, because under no-referrer browsers post its form with
            # "Origin: null", which CSRF protection rightly refuses.
            response["Referrer-Policy"] = "no-referrer"
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        lift_account_throttle(form.user)
        return response


class SetNewPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@never_cache
def account_settings(request: HttpRequest) -> HttpResponse:
    subscriptions = request.user.subscriptions.select_related("article").order_by(
        "-created_at"
    )
    return render(request, "accounts/settings.html", {"subscriptions": subscriptions})


class ChangePasswordView(auth_views.PasswordChangeView):
    form_class = forms.ChangePasswordForm
    template_name = "accounts/change_password.html"
    success_url = reverse_lazy("accounts:settings")

    def form_valid(self, form):
        # PasswordChangeView keeps this session; others are signed out by the
        # new password hash.
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def change_email(request: HttpRequest) -> HttpResponse:
    form = forms.ChangeEmailForm(request.user, request.POST or None)
    if request.method == "POST" and (refusal := _guessing_password(request)):
        return refusal
    if request.method == "POST" and _password_checked(request, form):
        old_email = request.user.email
        try:
            services.change_email(user=request.user, email=form.cleaned_data["email"])
        except services.EmailTaken:
            form.add_error("email", forms.ChangeEmailForm.TAKEN)
        else:
            verification.address_changed(user=request.user, old_email=old_email)
            messages.success(
                request,
                "Your email address is changed. We have mailed a link to the "
                "new address to confirm it.",
            )
            return redirect("accounts:settings")
    return render(
        request,
        "accounts/change_email.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = forms.DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and (refusal := _guessing_password(request)):
        return refusal
    if request.method == "POST" and _password_checked(request, form):
        delete_comments = form.cleaned_data["comments"] == form.DELETE
        erase_account(user=request.user, delete_comments=delete_comments)
        logout(request)
        messages.success(request, "Your account is deleted.")
        return redirect(reverse("articles:home"))
    return render(
        request,
        "accounts/delete.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link in "confirm your email address": GET shows a button, POST
    verifies (mail scanners open links; they do not press buttons)."""
    try:
        user = verification.account_to_verify(token)
    except verification.BadVerificationLink as error:
        return render(request, "errors/400.html", {"message": str(error)}, status=404)
    if request.method == "POST":
        verification.verify(user=user)
        messages.success(request, "Thank you: your email address is confirmed.")
        return redirect("accounts:settings" if request.user == user else "/")
    return render(request, "accounts/verify_email.html", {"account": user})


@login_required
@require_http_methods(["POST"])
def resend_verification(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.email_verified:
        messages.info(request, "Your email address is already confirmed.")
        return redirect("accounts:settings")
    verdict = ratelimit.hit("address", user.email.lower(), "confirmation_address")
    if not verdict.allowed:
        return too_many_requests(
            request,
            verdict.retry_after,
            "We have sent this address several links already today. Please "
            "look for them (and in your spam folder), or try again tomorrow.",
        )
    verification.send_verification(user=user)
    messages.success(request, f"We have mailed a new link to {user.email}.")
    return redirect("accounts:settings")
