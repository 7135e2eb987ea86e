"""Files shipped with the policy base (README "Policy base")."""

from pathlib import Path

# Summaries (摘要) of the articles the product cites, in the product's own words: never the official text.
SHIPPED_ARTICLES = Path(__file__).resolve().parent / "articles.csv"
