"""The five roles of DESIGN.md, as Django groups.

Groups are created by data migrations (each app grants its own model
permissions, see ``grant_permissions``) and stay editable in the admin; code
asks ``user.has_perm(...)`` and never tests group names, so an administrator
who reshapes a role changes what its members can do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ADMINISTRATOR = "Administrator"
COMPLIANCE_OFFICER = "Compliance Officer"
INCIDENT_RESPONDER = "Incident Responder"
POSTMORTEM_AUTHOR = "Post-mortem Author"
AUDITOR = "Auditor"

ROLES = (ADMINISTRATOR, COMPLIANCE_OFFICER, INCIDENT_RESPONDER, POSTMORTEM_AUTHOR, AUDITOR)


def ensure_permissions(apps: Any, app_labels: Iterable[str]) -> None:
    """Create the default permissions of ``app_labels`` inside a migration.

    Django creates permissions after all migrations ran (post_migrate); a data
    migration that grants them on a fresh database has to create them first.
    """
    from django.contrib.auth.management import create_permissions

    for label in app_labels:
        app_config = apps.get_app_config(label)
        # Historical app configs have no models module, and create_permissions
        # skips such apps; the live registry (used by tests) already has one.
        historical = getattr(app_config, "models_module", None) is None
        if historical:
            app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        if historical:
            app_config.models_module = None


def grant_permissions(apps: Any, grants: Mapping[str, Iterable[str]]) -> None:
    """Give each role (group name) the listed ``app_label.codename`` permissions."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in grants.items():
        group, _ = group_model.objects.get_or_create(name=role)
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            permission = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


def all_model_permissions(apps: Any, app_label: str) -> list[str]:
    permission_model = apps.get_model("auth", "Permission")
    return [
        f"{app_label}.{codename}"
        for codename in permission_model.objects.filter(content_type__app_label=app_label).values_list(
            "codename", flat=True
        )
    ]
