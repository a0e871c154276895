from django.db import models


class StreamCounter(models.Model):
    """The last seq of a stream. Updating it inside the publishing transaction serialises
    publishers of one stream, so seq is gap-free and in commit order."""

    stream = models.CharField(max_length=80, primary_key=True)
    seq = models.BigIntegerField(default=0)


class StreamEvent(models.Model):
    """The replay log: every published event, kept for at least 24 h and 10,000 per stream."""

    id = models.BigAutoField(primary_key=True)
    stream = models.CharField(max_length=80)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=64)
    data = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="stream_event_seq_unique")]
        ordering = ["stream", "seq"]
