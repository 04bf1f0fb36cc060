"""The Rithum acknowledge-confirmation job kind follows the one naming style: <area>.<action>."""

from django.db import migrations

OLD, NEW = "orders.acknowledge_confirm", "orders.confirm_acknowledgement"


def rename(apps, schema_editor, old=OLD, new=NEW):
    apps.get_model("integration_server", "OutboundJob").objects.filter(kind=old).update(kind=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplaces", "0010_i16a_pull_health"),
        ("integration_server", "0006_i11b_job_db_defaults"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
