"""Forms of the knowledge-base pages. They parse and check input; ``services.article_save``
decides and writes."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Project
from training.models import AppliesTo, Article

# commas as typed on an English or a Chinese keyboard
TAG_SEPARATORS = re.compile(r"[,，、;；]")
PRODUCT_LENGTH = AppliesTo._meta.get_field("product").max_length
VERSIONS_LENGTH = AppliesTo._meta.get_field("versions").max_length


def tags_text(article: Article) -> str:
    return ", ".join(tag.name for tag in article.tags.all())


def applies_to_text(article: Article) -> str:
    return "\n".join(
        f"{row.product} | {row.versions}" if row.versions else row.product for row in article.applies_to.all()
    )


class ProjectChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return f"{obj.organisation.name}: {obj.name}"


class ArticleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Article) -> str:
        return f"{obj.title} ({obj.get_language_display()})"


class ArticleForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, e.g. printer, label, paper jam."),
    )
    applies_to = forms.CharField(
        label=_("Products it applies to"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('One product a line, with its versions after a bar: "Label printer | 2.x, 3.0". No versions: all.'),
    )
    projects = ProjectChoiceField(
        label=_("Projects"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these projects' customers see it; none ticked: every customer."),
    )
    translation_of = ArticleChoiceField(
        label=_("Translation of"),
        queryset=Article.objects.none(),
        required=False,
        help_text=_("The same article in the other language, if this one translates it."),
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "body",
            "language",
            "kind",
            "visibility",
            "projects",
            "status",
            "category",
            "tags",
            "applies_to",
            "translation_of",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
        help_texts = {
            "body": _("Plain text: blank lines separate paragraphs, links become clickable."),
            "visibility": _(
                "Public: anyone, signed in or not. Customers: signed-in customers. "
                "Staff only: engineers, managers and administrators."
            ),
            "status": _("Drafts and archived articles are seen by staff only."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        article = self.instance
        self.fields["projects"].queryset = Project.objects.select_related("organisation").order_by(
            "organisation__name", "name", "pk"
        )
        others = Article.objects.order_by("title", "pk")
        if article.pk:
            others = others.exclude(pk=article.pk)
            # the model's tags are objects: the form edits their names
            self.initial["tags"] = tags_text(article)
            self.initial["applies_to"] = applies_to_text(article)
        self.fields["translation_of"].queryset = others
        self.fields["category"].empty_label = _("(none)")

    def clean_body(self) -> str:
        # browsers send textarea lines ending in CRLF: kept as typed, every save would change it
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")

    def clean_tags(self) -> list[str]:
        names = [name.strip() for name in TAG_SEPARATORS.split(self.cleaned_data["tags"])]
        names = [name for name in names if name]
        too_long = [name for name in names if len(name) > 50]
        if too_long:
            raise forms.ValidationError(_("A tag has at most 50 characters: %(tag)s") % {"tag": too_long[0]})
        return list(dict.fromkeys(names))

    def clean_applies_to(self) -> list[dict[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["applies_to"].splitlines(), start=1):
            if not line.strip():
                continue
            product, _bar, versions = (part.strip() for part in line.partition("|"))
            if not product:
                raise forms.ValidationError(_("Line %(number)d names no product.") % {"number": number})
            if max(len(product), len(versions)) > min(PRODUCT_LENGTH, VERSIONS_LENGTH):
                raise forms.ValidationError(
                    _("Line %(number)d is too long: at most %(length)d characters each for product and versions.")
                    % {"number": number, "length": min(PRODUCT_LENGTH, VERSIONS_LENGTH)}
                )
            rows.append({"product": product, "versions": versions})
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("visibility") != Article.Visibility.CUSTOMERS:
            data["projects"] = []  # only articles for customers are limited to projects
        return data

    def _post_clean(self) -> None:
        pass  # the service validates and saves the article

    def article_fields(self) -> dict[str, Any]:
        """What ``services.article_save`` takes, from the valid form."""
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields if name in data}
        return fields
