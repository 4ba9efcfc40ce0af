"""Writes to signatures, by concern: signing.py (signers), outbox.py (their emails), digests.py."""
