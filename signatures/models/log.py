"""The transparency log's storage (head, leaves, complete subtrees, checkpoints), and the daily
digests it replaced."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LogHead(models.Model):
    """How many leaves a letter's transparency log has. Every append locks this row, so one
    letter's leaves are numbered by one writer at a time, in commit order."""

    letter = models.OneToOneField("letter.Letter", on_delete=models.CASCADE, primary_key=True, related_name="+")
    size = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"log of letter {self.letter_id}: {self.size} leaves"


class LogLeaf(models.Model):
    """One change to a letter's public list, as an RFC 9162 leaf. A published (or edited) row's
    data is its CSV line; a removal's is "removed,<public id>". Only `data` ever changes: a
    withdrawal erases it and keeps the hash, which is what the tree and its proofs commit to."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("Published or edited")
        REMOVED = "removed", _("Removed from the list")

    # Indexed by the constraint and the indexes below, which start with it.
    letter = models.ForeignKey("letter.Letter", on_delete=models.PROTECT, related_name="+", db_index=False)
    index = models.BigIntegerField()
    leaf_hash = models.BinaryField(max_length=32)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    public_id = models.CharField(max_length=16)
    data = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["letter", "index"], name="one_log_leaf_per_index")]
        indexes = [
            models.Index(fields=["letter", "leaf_hash"], name="log_leaf_hash_idx"),
            models.Index(fields=["letter", "public_id"], name="log_leaf_public_id_idx"),
        ]

    def __str__(self):
        return f"leaf {self.index} of letter {self.letter_id} ({self.kind})"


class LogNode(models.Model):
    """The hash of a complete subtree of a letter's log above the leaves: 2**level leaves from
    index * 2**level. Written once when its last leaf is appended, never changed; any root or
    proof is a few dozen of these."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["letter", "level", "index"], name="one_log_node_per_position")]

    def __str__(self):
        return f"node {self.level}/{self.index} of letter {self.letter_id}"


class Checkpoint(models.Model):
    """A signed checkpoint of a letter's log (C2SP tlog-checkpoint): kept, so that anyone holding
    an old one can ask for a consistency proof from it."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.PROTECT, related_name="checkpoints")
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-tree_size"]
        constraints = [models.UniqueConstraint(fields=["letter", "tree_size"], name="one_checkpoint_per_size")]

    def __str__(self):
        return f"checkpoint {self.tree_size} of letter {self.letter_id}"


class DailyDigest(models.Model):
    """Digests published before the transparency log replaced them (a dated CSV recomputed
    from today's data stopped matching its digest after the first withdrawal). Kept as a record
    of what was published; nothing writes or shows them any more."""

    letter = models.ForeignKey("letter.Letter", on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    count = models.PositiveIntegerField()
    # Public signatures withdrawn during the day: removals are visible, not silent (the names
    # themselves are erased).
    withdrawn = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["letter", "day"], name="one_digest_per_letter_day")]

    def __str__(self):
        return f"{self.letter.slug} {self.day}: {self.sha256[:12]}…"


# --- Organizations and their confirmed email domains -------------------------------------------
