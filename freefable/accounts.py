from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Moderator accounts only: nobody signs up, `add_moderator` creates them."""

    def is_open_for_signup(self, request):
        return False
