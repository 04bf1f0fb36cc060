"""Joins the two 0005 branches (i10a, i11b) into one line; changes nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integration_server", "0005_i10a_connection_change"),
        ("integration_server", "0005_i11b_job_db_defaults"),
    ]

    operations = []
