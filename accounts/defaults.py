"""The four role groups (DESIGN.md "People"): names are fixed, code and checks rely on them.
Created by a data migration and again after a database flush (post_migrate)."""

ROLES = ["applicant", "supervisor", "department", "expert"]


def ensure_role_groups(Group) -> None:
    for name in ROLES:
        Group.objects.get_or_create(name=name)
