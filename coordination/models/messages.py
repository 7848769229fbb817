"""Messages: threads between the family and team members who have the messages scope.

Who sees which thread is decided by ``children.access.visible_threads``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child

__all__ = ["Message", "Thread", "ThreadRead"]


class Thread(ChildItem):
    """A conversation about the child with one or more team members [Communication]."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("message")
        THANK_YOU = "thank_you", _("thank-you note")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="threads")
    subject = models.CharField(_("subject"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MESSAGE)
    participants = models.ManyToManyField(
        CareTeamMember, related_name="threads", verbose_name=_("to"), blank=True
    )
    last_message_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [models.Index(fields=["child", "-last_message_at"])]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.subject

    @property
    def is_thank_you(self) -> bool:
        return self.kind == self.Kind.THANK_YOU


class Message(ChildItem):
    """One message in a thread. ``author_name`` stays when the author's account goes."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="messages")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    author_name = models.CharField(_("from"), max_length=200)
    body = models.TextField(_("message"), max_length=10000)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"])]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"


class ThreadRead(models.Model):
    """When a person last opened a thread: what came after is unread for them."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_read_mark_per_thread_user")
        ]
        verbose_name = _("read mark")
        verbose_name_plural = _("read marks")

    def __str__(self) -> str:
        return f"{self.user} read {self.thread} at {self.last_read_at}"
