from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0005_agent_template_state_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='location',
            name='disconnected_reason',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=300),
        ),
    ]
