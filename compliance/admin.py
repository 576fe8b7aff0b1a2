from django.contrib import admin

from compliance.models import CustomRegime
from portal.admin import AuditedAdminMixin


@admin.register(CustomRegime)
class CustomRegimeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "recipient", "amount", "unit", "clock_start", "is_active"]
    list_filter = ["unit", "clock_start", "is_active"]
    search_fields = ["code", "name", "recipient", "basis"]
