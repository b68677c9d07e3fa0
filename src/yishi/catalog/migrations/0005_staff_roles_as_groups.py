"""Staff roles move from one StaffProfile.role column to permissions held through groups: a
staff member may now hold several roles. Each profile's old role becomes membership of the
group of that role."""

from django.db import migrations

ROLES = {
    "administrator": "管理员",
    "window": "窗口人员",
    "reviewer": "审批人员",
    "supervisor": "监管人员",
    "policy_officer": "政策专员",
    "department_lead": "部门负责人",
    "duty_leader": "值班领导",
    "data_officer": "数据专员",
    "chief_data_officer": "首席数据官",
    "provider": "服务商",
}


def roles_to_groups(apps, schema_editor):
    StaffProfile = apps.get_model("catalog", "StaffProfile")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="catalog", model="staffprofile")
    groups = {}
    for code, label in ROLES.items():
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=f"role_{code}", defaults={"name": f"角色：{label}"}
        )
        group, _ = Group.objects.get_or_create(name=label)
        group.permissions.add(permission)
        groups[code] = group
    for profile in StaffProfile.objects.all():
        if profile.role in groups:
            groups[profile.role].user_set.add(profile.user_id)


def groups_to_roles(apps, schema_editor):
    StaffProfile = apps.get_model("catalog", "StaffProfile")
    for profile in StaffProfile.objects.all():
        names = set(
            apps.get_model("auth", "Group")
            .objects.filter(user__id=profile.user_id)
            .values_list("name", flat=True)
        )
        role = next((code for code, label in ROLES.items() if label in names), "window")
        StaffProfile.objects.filter(pk=profile.pk).update(role=role)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0004_matter_instant_approval"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="staffprofile",
            options={
                "permissions": [
                    (f"role_{code}", f"角色：{label}") for code, label in ROLES.items()
                ],
                "verbose_name": "工作人员",
                "verbose_name_plural": "工作人员(部门与服务中心)",
            },
        ),
        migrations.RunPython(roles_to_groups, groups_to_roles),
        migrations.RemoveField(model_name="staffprofile", name="role"),
    ]
