import django_filters

from .models import PolicyArticle


class PolicyArticleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        max_length=100, label="Words to find in the document number or title, the article number, title or text."
    )
    include_repealed = django_filters.BooleanFilter(label="Also list superseded, repealed and future versions.")

    class Meta:
        model = PolicyArticle
        fields: list[str] = []
