"""The three roles as groups (see backoffice.permissions and README, "Roles").

Viewer reads everything; Manager changes locations and templates, syncs, runs rollouts and
asks for deletions; Approver decides on deletions. Nobody but a superuser does both of the
last two, so the four-eyes rule of audit.deletion holds by role as well as by person.
The lists are written out here, not imported, so this migration means the same thing forever.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("agents", "audit")

MANAGER_EXTRA = [
    "agents.add_location", "agents.change_location", "agents.sync_location",
    "agents.add_agencyconnection", "agents.change_agencyconnection",
    "agents.add_agenttemplate", "agents.change_agenttemplate",
    "agents.add_actiontemplate", "agents.change_actiontemplate", "agents.delete_actiontemplate",
    "agents.run_rollout",
    "audit.request_deletion",
    "audit.fetch_generation",
    "audit.export_auditevent",
]
APPROVER_EXTRA = [
    "audit.approve_deletion",
    "audit.restore_agent",
    "audit.export_auditevent",
]


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate); the groups need them now.
    from django.apps import apps as global_apps

    for label in APPS + ("auth", "contenttypes"):
        create_permissions(global_apps.get_app_config(label), apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(names):
        found = []
        for name in names:
            app_label, codename = name.split(".")
            found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return found

    viewing = list(Permission.objects.filter(content_type__app_label__in=APPS, codename__startswith="view_"))
    Group.objects.get_or_create(name="Viewer")[0].permissions.set(viewing)
    Group.objects.get_or_create(name="Manager")[0].permissions.set(viewing + permissions(MANAGER_EXTRA))
    Group.objects.get_or_create(name="Approver")[0].permissions.set(viewing + permissions(APPROVER_EXTRA))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Viewer", "Manager", "Approver"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("agents", "0004_permissions"),
        ("audit", "0004_permissions"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
