"""Map the register's benefits recorded before the statute's kinds (docs/benefits.md "Mapping").

- ``state_pension`` of a survivor (烈士遗属, 因公牺牲军人遗属, 病故军人遗属) → ``periodic_pension`` (定期抚恤金);
- any other ``state_pension`` (disabled veterans, disabled militia and civilian workers) → ``disability_pension``
  (残疾抚恤金);
- ``state_subsidy`` → ``living_subsidy`` (定期生活补助).

Only the type changes: the recorded amount stays as recorded until the benefit is re-assessed by a
case (its grade and cause are not on file), so no entitlement or monthly lines are created here.
Reversible: the reverse maps the three types back.
"""

from django.db import migrations

SURVIVORS = ["martyr_survivor", "killed_on_duty_survivor", "died_of_illness_survivor"]


def forwards(apps, schema_editor):
    Benefit = apps.get_model("subjects", "Benefit")
    Benefit.objects.filter(benefit_type="state_pension", subject__category__in=SURVIVORS).update(
        benefit_type="periodic_pension"
    )
    Benefit.objects.filter(benefit_type="state_pension").update(benefit_type="disability_pension")
    Benefit.objects.filter(benefit_type="state_subsidy").update(benefit_type="living_subsidy")


def backwards(apps, schema_editor):
    Benefit = apps.get_model("subjects", "Benefit")
    Benefit.objects.filter(benefit_type__in=["periodic_pension", "disability_pension"], entitlement__isnull=True).update(
        benefit_type="state_pension"
    )
    Benefit.objects.filter(benefit_type="living_subsidy", entitlement__isnull=True).update(benefit_type="state_subsidy")


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0001_initial"),
        ("subjects", "0008_statutory_benefit_types"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
