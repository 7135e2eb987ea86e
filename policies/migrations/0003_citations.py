
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jurisdictions', '0002_dated_memberships_staff_profiles_three_administrators'),
        ('policies', '0002_holiday_calendar'),
    ]

    operations = [
        migrations.CreateModel(
            name='Citation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('province_code', models.CharField(db_index=True, editable=False, max_length=2)),
                ('city_code', models.CharField(blank=True, db_index=True, editable=False, max_length=4)),
                ('county_code', models.CharField(blank=True, db_index=True, editable=False, max_length=6)),
                ('document_type', models.CharField(max_length=40, verbose_name='kind of document')),
                ('document_id', models.CharField(max_length=40, verbose_name='document')),
                ('label', models.CharField(blank=True, max_length=100, verbose_name='document number')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('cited_on', models.DateField(verbose_name='signed on')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='citations', to='policies.policyarticle', verbose_name='article version')),
                ('division', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='jurisdictions.division', verbose_name='division')),
            ],
            options={
                'verbose_name': 'citation',
                'verbose_name_plural': 'citations',
                'ordering': ['document_type', 'document_id', 'position'],
                'indexes': [models.Index(fields=['document_type', 'document_id'], name='policy_citation_document')],
                'constraints': [models.UniqueConstraint(fields=('document_type', 'document_id', 'article'), name='policy_citation_once')],
            },
        ),
    ]
