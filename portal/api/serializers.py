from __future__ import annotations

from rest_framework import serializers

from portal.api.fields import AwareDateTimeField
from portal.models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    otp = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "A current code from the account's authenticator app (or a recovery code); "
            "required for accounts that must use a second factor."
        ),
    )


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key. It is shown only this once.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    usable = serializers.BooleanField(source="is_usable", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at", "usable"]
        read_only_fields = fields
