"""Launching a letter: draft -> collecting -> live -> closed, invitations to sign while it is
collecting, and press previews under embargo.

The state lives on letter.Letter; the service is here because a change of who may see the
letter is a change of its public list (`public_list_changed` drops every cached page, count and
download at once), and letter/ imports nothing from this app.
"""

from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from letter.models import Invitation, Letter, LetterStateChange, PressPreview
from letter.selectors import forget_letter

from ..selectors.cache import public_list_changed
from .signing import signature_create

State = Letter.State

# Where each state may go. Once live, a letter has been public: it cannot go back to collecting
# (its names were seen), only close, and a closed letter may reopen.
TRANSITIONS = {
    State.DRAFT: {State.COLLECTING, State.LIVE},
    State.COLLECTING: {State.DRAFT, State.LIVE},
    State.LIVE: {State.CLOSED},
    State.CLOSED: {State.LIVE},
}
SCHEDULE = "schedule"  # the actor label of a change made by the go-live time


def _label(actor) -> str:
    if actor is None:
        return SCHEDULE
    return getattr(actor, "email", "") or actor.get_username()


def letter_set_state(*, letter: Letter, state: str, actor=None, expected: str | None = None) -> tuple[Letter, bool]:
    """Move `letter` to `state`, audited (LetterStateChange), and show it at once: the cached
    letter and every cached public page of its list are dropped after the commit.

    Returns (letter, changed). Already in `state` (a double click, a retry): nothing happens.
    With `expected`, nothing happens either unless the letter is still in that state (the
    scheduler passes COLLECTING, so a letter closed by hand meanwhile is left alone). A move
    TRANSITIONS does not allow raises ValidationError. `actor` is the user, None for the schedule.
    """
    state = State(state)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state == state or (expected is not None and locked.state != expected):
            return locked, False
        if state not in TRANSITIONS[locked.state]:
            raise ValidationError(
                gettext("A %(before)s letter cannot become %(after)s.")
                % {"before": locked.get_state_display().lower(), "after": State(state).label.lower()}
            )
        if state == State.LIVE and locked.current_version_id is None:
            raise ValidationError(gettext("The letter has no text yet."))
        before = locked.state
        locked.state = state
        locked.save(update_fields=["state", "updated_at"])
        LetterStateChange.objects.create(
            letter=locked, before=before, after=state, actor=actor, actor_label=_label(actor)
        )
        transaction.on_commit(partial(forget_letter, locked.slug))
        transaction.on_commit(partial(public_list_changed, locked.pk))
    return locked, True


def letters_publish_due(*, now: datetime | None = None) -> list[Letter]:
    """Make live every collecting letter whose go_live_at has come (the beat task, every minute,
    and `publish_scheduled`). Safe to run twice or in two places at once. Returns those it made live."""
    made_live = []
    for letter in Letter.objects.due(now=now):
        letter, changed = letter_set_state(letter=letter, state=State.LIVE, actor=None, expected=State.COLLECTING)
        if changed:
            made_live.append(letter)
    return made_live


# --- Invitations ---------------------------------------------------------------------------------


class InvitationRefused(Exception):
    """An invitation link that cannot be used (revoked, used up); `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_create(*, letter: Letter, label: str, max_uses: int | None, actor) -> Invitation:
    """A new invitation link to sign `letter`: max_uses=1 for one invitee, None for a shared link."""
    if letter.state not in (State.DRAFT, State.COLLECTING):
        raise ValidationError(gettext("Invitations are for letters that are not public yet."))
    if max_uses is not None and max_uses < 1:
        raise ValidationError(gettext("A link must allow at least one use."))
    return Invitation.objects.create(letter=letter, label=label.strip(), max_uses=max_uses, created_by=actor)


def invitation_revoke(*, invitation_id: int, actor) -> bool:
    """Stop an invitation link working. Returns whether it was still active."""
    return bool(Invitation.objects.filter(pk=invitation_id, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def invitation_check(invitation: Invitation) -> None:
    """Raise InvitationRefused unless the link can still be used."""
    if invitation.revoked_at is not None:
        raise InvitationRefused(gettext("This invitation link has been withdrawn by the organizers."))
    if invitation.used_up:
        raise InvitationRefused(gettext("This invitation link has been used as many times as it allows."))


def signature_create_invited(*, invitation: Invitation, **fields) -> tuple:
    """Sign the invitation's letter through the invitation (`signature_create`'s fields): the
    same confirmation and moderation as any signature. A new signature counts one use of the
    link, claimed in the same transaction with a guard, so two signers racing for its last use
    cannot both get in (the loser's signature is rolled back and InvitationRefused raised). A
    repeat signer counts nothing and gets the same answer as anyone else."""
    with transaction.atomic():
        signature, created = signature_create(letter=invitation.letter, **fields)
        if created:
            claimed = (
                Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True)
                .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
                .update(uses=F("uses") + 1)
            )
            if not claimed:
                invitation.refresh_from_db()
                invitation_check(invitation)  # raises, saying why
                raise InvitationRefused(gettext("This invitation link cannot be used any more."))
    return signature, created


# --- Press previews ------------------------------------------------------------------------------


def press_preview_create(*, letter: Letter, label: str, expires_at: datetime, actor) -> PressPreview:
    """A read-only, expiring link showing the letter and its list as they will appear."""
    if expires_at <= timezone.now():
        raise ValidationError(gettext("The link must expire in the future."))
    return PressPreview.objects.create(letter=letter, label=label.strip(), expires_at=expires_at, created_by=actor)


def press_preview_expire(*, preview_id: int, actor) -> bool:
    """End a preview link now. Returns whether it was still valid."""
    now = timezone.now()
    return bool(PressPreview.objects.filter(pk=preview_id, expires_at__gt=now).update(expires_at=now))


def letter_schedule(*, letter: Letter, go_live_at: datetime | None, actor) -> Letter:
    """Set (or clear, with None) the moment a collecting letter goes live by itself. A time
    already past makes it live at the scheduler's next run."""
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.state not in (State.DRAFT, State.COLLECTING):
            raise ValidationError(gettext("Only a letter that is not public yet can be scheduled."))
        locked.go_live_at = go_live_at
        locked.save(update_fields=["go_live_at", "updated_at"])
    return locked
