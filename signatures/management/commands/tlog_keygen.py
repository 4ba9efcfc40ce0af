"""python manage.py tlog_keygen [--name NAME]: a new signing key for the transparency log."""

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand

from signatures import notes
from signatures.services.checkpoints import log_key_name


class Command(BaseCommand):
    help = (
        "Print a new Ed25519 key for signing the transparency log's checkpoints, as lines for .env, "
        "and its public verifier key. Nothing is stored: keep the key secret, and keep it, since "
        "every later checkpoint must be signed by the same key for readers to trust it."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--name", help="the key's name (default: TLOG_KEY_NAME, else SITE_URL's host)")

    def handle(self, *args, name=None, **options):
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        signer = notes.Signer(name or log_key_name(), seed)
        self.stdout.write("# The transparency log's signing key: put these lines in .env (never commit it).")
        self.stdout.write(f"TLOG_SIGNING_KEY={base64.b64encode(seed).decode()}")
        self.stdout.write(f"TLOG_KEY_NAME={signer.name}")
        self.stdout.write("# Its verifier key (public; the site serves it at /letters/<slug>/log/key, and")
        self.stdout.write("# journalists can pin it with `manage.py verify_list --key`):")
        self.stdout.write(f"# {signer.verifier.vkey}")
