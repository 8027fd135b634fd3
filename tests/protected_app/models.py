"""A protected record with its direct foreign-key permission table, as every protected table has."""

from django.db import models

from agencies.models import AgencyObjectPermission


class Record(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        permissions = [("view_secret", "Can view the secret part of a record")]


class RecordAgencyPermission(AgencyObjectPermission):
    content_object = models.ForeignKey(Record, on_delete=models.CASCADE)


class Unprotected(models.Model):
    """A model without a direct permission table: the helpers must refuse it."""

    title = models.CharField(max_length=100)
