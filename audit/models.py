"""The journal entry: one row per change, chained to the previous row by SHA-256."""

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Entry(models.Model):
    """One journal entry. Rows are never updated or deleted (a PostgreSQL trigger refuses it).

    ``hash`` = SHA-256(prev_hash + canonical JSON of the entry's own fields); ``seq`` runs
    1, 2, 3… without gaps, so an edit, a deletion or a reordering breaks the chain.
    """

    seq = models.BigIntegerField(primary_key=True, verbose_name=_("sequence"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    # Plain values, not a foreign key: deleting a user must never rewrite the journal.
    actor_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("actor id"))
    actor_name = models.CharField(max_length=150, blank=True, verbose_name=_("actor"))
    action = models.CharField(max_length=100, db_index=True, verbose_name=_("action"))
    target_type = models.CharField(max_length=100, blank=True, verbose_name=_("target type"))
    target_id = models.CharField(max_length=64, blank=True, verbose_name=_("target id"))
    target_repr = models.CharField(max_length=255, blank=True, verbose_name=_("target"))
    before = models.JSONField(null=True, blank=True, verbose_name=_("before"))
    after = models.JSONField(null=True, blank=True, verbose_name=_("after"))
    data = models.JSONField(null=True, blank=True, verbose_name=_("data"))
    prev_hash = models.CharField(max_length=64, verbose_name=_("previous hash"))
    hash = models.CharField(max_length=64, unique=True, verbose_name=_("hash"))

    class Meta:
        ordering = ["seq"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_repr}"
