"""Checkpoints of the transparency log in the C2SP tlog-checkpoint format, signed as C2SP
signed notes with Ed25519; no Django in it (`verify_list` runs it on a journalist's machine).
The tree they commit to is in tlog.py."""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .tlog import HASH_SIZE

# --- Signed notes (C2SP signed-note) and checkpoints (C2SP tlog-checkpoint) --------------------

ED25519 = 0x01  # signature type byte of Ed25519 note signatures
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note or key that is malformed, or whose signature does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"not base64: {text[:40]!r}") from exc


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(key name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key text: <name>+<hex key ID>+<base64(0x01 || public key)>."""
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([ED25519]) + self.public_key).decode()}"

    @classmethod
    def from_vkey(cls, text: str) -> "Verifier":
        parts = text.strip().split("+", 2)  # base64 may contain '+' too
        if len(parts) != 3:
            raise NoteError("a verifier key has three parts: name+keyid+key")
        name, hex_id, encoded = parts
        _check_key_name(name)
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported")
        verifier = cls(name, raw[1:])
        if hex_id.lower() != verifier.key_id.hex():
            raise NoteError("the verifier key's ID does not match its name and key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes  # the 32-byte Ed25519 private key

    def __post_init__(self):
        _check_key_name(self.name)
        if len(self.seed) != 32:
            raise NoteError("an Ed25519 private key is 32 bytes")

    @classmethod
    def from_setting(cls, text: str, name: str) -> "Signer":
        """From base64 of the 32-byte private key, or Go's note format
        PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || key)> (whose name then wins)."""
        text = text.strip()
        if text.startswith("PRIVATE+KEY+"):
            parts = text.split("+", 4)  # base64 may contain '+' too
            if len(parts) != 5:
                raise NoteError("a PRIVATE+KEY signer key has five parts")
            raw = _b64decode(parts[4])
            if len(raw) != 33 or raw[0] != ED25519:
                raise NoteError("only Ed25519 signer keys are supported")
            return cls(parts[2], raw[1:])
        return cls(name, _b64decode(text))

    @property
    def verifier(self) -> Verifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return Verifier(self.name, public)

    def sign_note(self, text: str) -> str:
        """The signed note: the text (ending in a newline), a blank line, one signature line."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("a note's text ends in a newline and, here, has no blank line")
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode())
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n\u2014 {self.name} {encoded}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text, once a signature by `verifier` checks out; NoteError otherwise.

    As C2SP signed-note says: signatures by other keys are ignored, a failing signature by the
    known key rejects the note, and a note with no signature by it is rejected."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note contains no control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("no signature block: the text, a blank line, then signature lines")
    text, lines = note[: split + 1], note[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    verified = False
    for line in lines:
        if not line.startswith("\u2014 "):
            raise NoteError(f"a signature line starts with an em dash and a space: {line[:40]!r}")
        name, _, encoded = line[2:].partition(" ")
        raw = _b64decode(encoded)
        if len(raw) < 5:
            raise NoteError("a signature is a 4-byte key ID and the signature")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue  # someone else's signature (a witness, a rotated key)
        if not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"the signature by {name} does not verify")
        verified = True
    if not verified:
        raise NoteError(f"not signed by the key {verifier.name}+{verifier.key_id.hex()}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @property
    def text(self) -> str:
        """The checkpoint's note text: origin, tree size, base64 root hash, each on a line."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
            raise NoteError("a checkpoint is origin, size and root hash, each on its own line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isascii() or not size.isdigit() or (size.startswith("0") and size != "0"):
            raise NoteError(f"the tree size is a decimal number without leading zeros: {size!r}")
        decoded = _b64decode(root)
        if len(decoded) != HASH_SIZE:
            raise NoteError("the root hash is 32 bytes")
        return cls(origin, int(size), decoded)


def checkpoint_open(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint in a signed note, once its signature by `verifier` checks out."""
    return Checkpoint.from_text(open_note(note, verifier))
