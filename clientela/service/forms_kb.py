"""HTML forms of the knowledge base; ``knowledge`` does the real validation and its refusals
come back on the fields (``ServiceForm.apply``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.service.forms import ServiceForm
from clientela.service.knowledge import MAX_BODY
from clientela.service.models_kb import Article, ArticleCategory, ArticleKind, Audience

LANGUAGE_CHOICES = [("en", _("English")), ("pt-br", _("Portuguese (Brazil)"))]


class ArticleForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ArticleKind.choices)
    title = forms.CharField(
        label=_("Title"), max_length=300, help_text=_("For a FAQ: the question.")
    )
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False)
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("For a FAQ: the answer. Plain text; a blank line starts a paragraph."),
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=1000, required=False, help_text=_("Separated by commas.")
    )
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["category"]
        field.choices = [("", "—"), *ArticleCategory.objects.values_list("pk", "name")]

    @classmethod
    def initial_for(cls, article: Article | None, language: str) -> dict[str, Any]:
        if article is None:
            return {
                "kind": ArticleKind.ARTICLE,
                "audience": Audience.INTERNAL,
                "language": language,
            }
        names = ("kind", "title", "summary", "body", "audience", "language")
        initial = {name: getattr(article, name) for name in names}
        return initial | {"category": article.category_id, "tags": ", ".join(article.tags)}

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(
        label=_("What was missing? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CategoryForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=10_000, initial=0)
