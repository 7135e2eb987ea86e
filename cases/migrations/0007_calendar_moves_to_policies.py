"""The working-day calendar moves to the policy base (``policies.CalendarDay``): the rows entered here
are copied there as administrators' entries, except those that only repeat what the
``chinese-calendar`` package already says for a year it covers; then the old table goes."""

from django.db import migrations


def copy_days(apps, schema_editor):
    Old = apps.get_model("cases", "CalendarDay")
    New = apps.get_model("policies", "CalendarDay")
    try:
        from chinese_calendar import constants

        package = {day: False for day in constants.holidays} | {day: True for day in constants.workdays}
        years = {day.year for day in package}
    except ImportError:  # pragma: no cover - the package is a requirement
        package, years = {}, set()
    for old in Old.objects.all():
        if old.date.year in years and package.get(old.date, old.date.weekday() < 5) == old.is_working:
            continue  # the package says the same: nothing to override
        New.objects.update_or_create(
            date=old.date, defaults={"is_working": old.is_working, "name": old.name, "source": "entered"}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_merge_branches"),
        ("policies", "0002_holiday_calendar"),
    ]

    operations = [
        migrations.RunPython(copy_days, migrations.RunPython.noop),
        migrations.DeleteModel(name="CalendarDay"),
    ]
