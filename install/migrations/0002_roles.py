"""Every role reads what the install app keeps (README, "Roles": a Viewer reads everything);
a Manager also marks templates for new locations.

Deliveries hold no secret: HighLevel's events carry ids and names, never tokens.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Viewer", "Manager", "Approver")


def grant(apps, schema_editor):
    from django.apps import apps as global_apps

    create_permissions(global_apps.get_app_config("install"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    viewing = list(Permission.objects.filter(content_type__app_label="install", codename__startswith="view_"))
    for name in ROLES:
        Group.objects.get_or_create(name=name)[0].permissions.add(*viewing)
    managing = Permission.objects.filter(content_type__app_label="install",
                                         codename__in=["add_provisioningrule", "change_provisioningrule"])
    Group.objects.get_or_create(name="Manager")[0].permissions.add(*managing)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="install").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("install", "0001_initial"),
        ("backoffice", "0001_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
