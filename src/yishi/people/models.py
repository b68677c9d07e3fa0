"""Subjects: persons and companies. ID numbers and phones are encrypted at rest (SM4) and
looked up through a keyed hash; the registries grow in later issues."""

from __future__ import annotations

from django.db import models

from yishi.core.fields import EncryptedTextField


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    name = models.CharField("姓名", max_length=50)
    id_number = EncryptedTextField("居民身份证号")
    id_number_index = models.CharField("身份证号索引", max_length=64, unique=True, editable=False)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    region_code = models.CharField("户籍地区划代码", max_length=12, blank=True)
    phone = EncryptedTextField("手机号码", blank=True)
    phone_index = models.CharField(
        "手机号索引", max_length=64, blank=True, db_index=True, editable=False
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "自然人"
        verbose_name_plural = "自然人"

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    name = models.CharField("名称", max_length=150)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    region_code = models.CharField("登记机关区划代码", max_length=12, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "法人"
        verbose_name_plural = "法人(企业与组织)"

    def __str__(self) -> str:
        return self.name
