"""The post-mortem and action item KPIs."""

from __future__ import annotations

from rest_framework import serializers

# --- KPIs ----------------------------------------------------------------------------------------------


class ActionItemKpiSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()
    wont_do = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closed_on_time = serializers.IntegerField(help_text="Done on or before the due date.")
    closure_rate = serializers.FloatField(
        allow_null=True, help_text="(done + won't do) / total; null without items."
    )


class PostmortemKpiSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    draft = serializers.IntegerField()
    in_review = serializers.IntegerField()
    published = serializers.IntegerField()
    median_seconds_resolution_to_publication = serializers.FloatField(
        allow_null=True, help_text="From the last incident's resolution to the first publication."
    )
    published_with_resolution = serializers.IntegerField(
        help_text="How many post-mortems the median is over."
    )


class PostmortemKpiResponseSerializer(serializers.Serializer):
    action_items = ActionItemKpiSerializer()
    postmortems = PostmortemKpiSerializer()


class PostmortemKpiQuerySerializer(serializers.Serializer):
    include_exercises = serializers.BooleanField(required=False, default=False)
