from pathlib import Path

# The sample standards (示例) shipped with Laurel: docs/benefits.md.
SHIPPED_STANDARDS = Path(__file__).resolve().parent / "standards.csv"
