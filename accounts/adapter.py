from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Store emails in lower case so that invitations match the account."""

    def clean_email(self, email: str) -> str:
        return super().clean_email(email).lower()
