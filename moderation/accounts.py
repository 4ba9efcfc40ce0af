"""Moderator accounts: created by `add_moderator`, never by sign-up; the guard on their pages."""

from datetime import UTC, datetime
from functools import wraps

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import ResetPasswordForm, default_token_generator
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from freefable.ratelimits import client_ip

MODERATORS_GROUP = "Moderators"
PERMISSION = "signatures.moderate_signature"


class AccountAdapter(DefaultAccountAdapter):
    """Moderator accounts only: nobody signs up, `add_moderator` creates them."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """The same client address as every other rate limit on the site (a bad or short
        X-Forwarded-For counts as no header instead of failing the login)."""
        return client_ip(request)


class VerifiedOnlyResetPasswordForm(ResetPasswordForm):
    """Password reset only through an address the account has verified. allauth also finds
    accounts by an address added but never verified, which would let whoever added it (from a
    stolen session) take the account over by resetting the password through it."""

    def clean_email(self):
        email = super().clean_email()
        self.users = [
            user
            for user in self.users
            if EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
        ]
        return email


def password_link(user) -> str:
    """An absolute link to set a new password (allauth's reset-from-key page); one use."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL + path


@transaction.atomic
def moderator_add(*, email: str):
    """Create or update the moderator with this email and put it in the Moderators group.

    Returns (user, created). A new account has no usable password until its owner sets one.
    """
    email = email.strip()
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(username=email.lower()[:150], email=email, is_active=True)
        user.set_unusable_password()
        user.save()
    elif not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    # allauth keeps its own record of the address; it must be verified and primary for login
    # and password reset to find the account.
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        address = EmailAddress.objects.create(user=user, email=email)
    if not (address.verified and address.primary):
        EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    return user, created


def has_two_factor(user) -> bool:
    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP])


def passed_two_factor(request) -> bool:
    """Did *this session* pass the second factor? Having one on the account is not enough: a
    session opened with the password alone must not act as a moderator. It passed when it
    entered a code (at login or since), or set two-factor up after it logged in (which takes a
    valid code too)."""
    records = get_authentication_records(request, request.user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    if not records:
        return False
    logged_in = datetime.fromtimestamp(min(record.get("at", 0) for record in records), tz=UTC)
    return Authenticator.objects.filter(
        user=request.user, type=Authenticator.Type.TOTP, created_at__gte=logged_in
    ).exists()


def moderator_required(view):
    """Log in, hold the moderate_signature permission, and (when required) use two-factor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        if has_two_factor(request.user):
            if not passed_two_factor(request):
                # Logged in some other way than allauth's two-step login (an old admin session,
                # a password-only backend): ask for the code before anything else.
                messages.info(request, _("Enter a code from your authenticator app to continue."))
                return redirect_to_login(request.get_full_path(), login_url=reverse("mfa_reauthenticate"))
        elif settings.MODERATORS_REQUIRE_MFA:
            messages.info(request, _("Set up two-factor authentication to open the moderation queue."))
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper
