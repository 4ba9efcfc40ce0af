"""Writes to signatures, by concern: signing.py (signers), outbox.py (their emails), insert.py, log.py (the transparency log), downloads.py."""
