"""The policy and regulation base: documents (laws, regulations, policy documents) and versioned articles.

An article version is never edited: a new text (or a new repeal date) is a new version beside the old
ones (``policies.actions.do_load_policy_articles``), so what a decision cited stays readable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jurisdictions.models import Located


class Kind(models.TextChoices):
    LAW = "law", _("Law")
    REGULATION = "regulation", _("Regulation")
    POLICY = "policy", _("Policy document")


class PolicyDocument(models.Model):
    title = models.CharField(_("title"), max_length=200, unique=True)
    number = models.CharField(_("document number"), max_length=100, blank=True)  # 文号
    issuer = models.CharField(_("issuing body"), max_length=200, blank=True)
    kind = models.CharField(_("kind of document"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["title"]
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")

    def __str__(self) -> str:
        return self.title


class PolicyArticle(models.Model):
    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="articles")
    number = models.CharField(_("article number"), max_length=40)  # 第二十二条
    position = models.PositiveIntegerField(null=True, editable=False)  # 22: the order of the articles
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    is_summary = models.BooleanField(_("summary"), default=False)  # 摘要: not the official text
    summary_source = models.CharField(_("source of the summary"), max_length=200, blank=True)
    effective_on = models.DateField(_("effective date"))
    repealed_on = models.DateField(_("repeal date"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document__title", "position", "number", "-version"]
        verbose_name = _("policy article")
        verbose_name_plural = _("policy articles")
        constraints = [
            models.UniqueConstraint(fields=["document", "number", "version"], name="policy_article_version_once"),
            models.CheckConstraint(
                condition=models.Q(is_summary=False) | ~models.Q(summary_source=""),
                name="policy_summary_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} {self.number}"


class DaySource(models.TextChoices):
    FILE = "file", _("Loaded from the State Council's notice")
    ENTERED = "entered", _("Entered by an administrator")


class CalendarDay(models.Model):
    """An exception to the Monday-to-Friday week that overrides the ``chinese-calendar`` package's data:
    a day of a year loaded from a file (``load_holiday_calendar YEAR FILE``) or entered by an
    administrator (an override, or a known day of a year not yet loaded)."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=DaySource.choices, default=DaySource.ENTERED)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_working else '-'} {self.name}"


class CalendarYear(models.Model):
    """A year whose holidays were loaded from a file of the State Council's notice: no longer provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    days = models.PositiveIntegerField(_("days"), default=0)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class Citation(Located):
    """An article *version* cited by a signed document (a decision, a letter), frozen when it is signed:
    a later version, or the article's repeal, never changes what the document cited.

    The document belongs to a higher app (``document_type``: ``"cases.case"``, ``"letters.letter"``,
    ``"petitions.…"``), named by its id and the label people know it by (its number); its division
    scopes who sees the citation (the list of decisions citing a since-repealed article).
    """

    document_type = models.CharField(_("kind of document"), max_length=40)
    document_id = models.CharField(_("document"), max_length=40)
    label = models.CharField(_("document number"), max_length=100, blank=True)
    article = models.ForeignKey(
        PolicyArticle, verbose_name=_("article version"), on_delete=models.PROTECT, related_name="citations"
    )
    position = models.PositiveSmallIntegerField(default=0)
    cited_on = models.DateField(_("signed on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_type", "document_id", "position"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.UniqueConstraint(fields=["document_type", "document_id", "article"], name="policy_citation_once"),
        ]
        indexes = [models.Index(fields=["document_type", "document_id"], name="policy_citation_document")]

    def __str__(self) -> str:
        return f"{self.label or self.document_id} → {self.article_id}"
