"""Sign-in with throttling and an optional second factor; sign-out; password reset."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clientela.platform import auth
from clientela.platform.forms import CodeForm, LoginForm

PENDING_KEY = "clientela_2fa_pending"
PENDING_SECONDS = 300


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "platform/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not user.totp_enabled:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login_verify")


@login_not_required
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step for users with two-factor authentication."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Your sign-in expired; enter your password again."))
        return redirect("login")
    user = get_user_model().objects.get(pk=pending["user"])
    form = CodeForm(request.POST or None)
    ip = auth.client_ip(request)
    if request.method == "POST" and form.is_valid():
        if auth.login_blocked(user.username, ip):
            form.add_error(None, LoginForm.error_messages["locked"])
        else:
            step = auth.totp_matching_step(
                user.totp_secret, form.cleaned_data["code"], user.totp_last_step
            )
            if step is None:
                auth.login_failed(user.username, ip)
                form.add_error("code", _("This code is not valid. Try the next one."))
            else:
                type(user).objects.filter(pk=user.pk).update(totp_last_step=step)
                request.session.pop(PENDING_KEY, None)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                auth.login_succeeded(user.username, ip)
                return redirect(pending.get("next") or "dashboard")
    return render(request, "platform/login_verify.html", {"form": form})


logout_view = auth_views.LogoutView.as_view()


password_reset = login_not_required(
    auth_views.PasswordResetView.as_view(
        template_name="platform/password_reset.html",
        email_template_name="platform/email/password_reset.txt",
        subject_template_name="platform/email/password_reset_subject.txt",
    )
)
password_reset_done = login_not_required(
    auth_views.PasswordResetDoneView.as_view(template_name="platform/password_reset_done.html")
)
password_reset_confirm = login_not_required(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="platform/password_reset_confirm.html"
    )
)
password_reset_complete = login_not_required(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="platform/password_reset_complete.html"
    )
)
password_change = auth_views.PasswordChangeView.as_view(
    template_name="platform/password_change.html", success_url="/account/"
)
