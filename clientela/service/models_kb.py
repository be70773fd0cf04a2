"""The knowledge base: articles and FAQs, versioned, internal or public, with reader feedback.

Every edit of an article's text keeps the previous text as an ``ArticleVersion``. Search works
on ``search_title`` (the title) and ``search_stems`` (summary, body and tags), reduced to
word stems in the article's language (``kb_search.py``) and indexed by each database's
full-text engine: an FTS5 table on SQLite, a GIN index on PostgreSQL (migration 0004).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleCategory(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")

    def __str__(self) -> str:
        return self.name


class ArticleKind(models.TextChoices):
    ARTICLE = "article", _("How-to article")
    FAQ = "faq", _("FAQ")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Audience(models.TextChoices):
    INTERNAL = "internal", _("Internal (agents only)")
    PUBLIC = "public", _("Public (customers too)")


class Article(models.Model):
    kind = models.CharField(
        _("kind"), max_length=7, choices=ArticleKind, default=ArticleKind.ARTICLE
    )
    title = models.CharField(_("title"), max_length=300)  # a FAQ's question
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("text"))  # a FAQ's answer; plain text with blank-line paragraphs
    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=9, choices=ArticleStatus, default=ArticleStatus.DRAFT
    )
    audience = models.CharField(
        _("audience"), max_length=8, choices=Audience, default=Audience.INTERNAL
    )
    language = models.CharField(_("language"), max_length=5, default="en")  # "en" or "pt-br"
    version = models.PositiveIntegerField(_("version"), default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # a FAQ made from an answered ticket keeps where it came from
    source_ticket = models.ForeignKey(
        "service.Ticket",
        verbose_name=_("made from ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)
    views = models.PositiveIntegerField(default=0, editable=False)
    search_title = models.TextField(blank=True, editable=False)
    search_stems = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["status", "audience", "kind"])]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """The text of an article as it was before an edit."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=300)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="article_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"


class ArticleFeedback(models.Model):
    """One "was this helpful?" answer; at most one per user per article (anonymous: per visit)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "service.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=models.Q(user__isnull=False),
                name="article_feedback_once_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'}"
