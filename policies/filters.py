import django_filters
from django_filters.widgets import BooleanWidget

from .models import PolicyArticle


class PolicyArticleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        max_length=100, label="Words to find in the document number or title, the article number, title or text."
    )
    include_repealed = django_filters.BooleanFilter(
        label="Also list superseded, repealed and future versions (1 or true).", widget=BooleanWidget
    )

    class Meta:
        model = PolicyArticle
        fields: list[str] = []
