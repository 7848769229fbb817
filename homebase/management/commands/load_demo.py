from typing import Any

from django.core.management.base import BaseCommand

from homebase.demo import PASSWORD, SIGN_INS, demo_exists, load_demo


class Command(BaseCommand):
    help = "Load the demo family once (idempotent) and print the demo sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            self.stdout.write("Demo family already loaded.")
        else:
            load_demo()
            self.stdout.write(self.style.SUCCESS("Demo family loaded."))
        self.stdout.write(f"\nDemo sign-ins (password for all: {PASSWORD}):")
        for email, who in SIGN_INS:
            self.stdout.write(f"  {email:34} {who}")
