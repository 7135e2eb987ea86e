
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('policies', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='date')),
                ('is_working', models.BooleanField(verbose_name='working day')),
                ('name', models.CharField(blank=True, max_length=64, verbose_name='name')),
                ('source', models.CharField(choices=[('file', "Loaded from the State Council's notice"), ('entered', 'Entered by an administrator')], default='entered', max_length=10, verbose_name='source')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'calendar day',
                'verbose_name_plural': 'calendar days',
                'ordering': ['date'],
            },
        ),
        migrations.CreateModel(
            name='CalendarYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(unique=True, verbose_name='year')),
                ('file_name', models.CharField(blank=True, max_length=200, verbose_name='file')),
                ('days', models.PositiveIntegerField(default=0, verbose_name='days')),
                ('loaded_at', models.DateTimeField(auto_now=True, verbose_name='loaded at')),
            ],
            options={
                'verbose_name': 'calendar year',
                'verbose_name_plural': 'calendar years',
                'ordering': ['year'],
            },
        ),
    ]
