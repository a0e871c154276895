from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import MeApi, MeOutput, language_field, phone_field
from apps.core.envelope import enveloped_response
from apps.core.fields import AwareDateTimeField
from apps.notifications import selectors, services
from apps.notifications.models import Channel, Kind, Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "data", "read_at", "created_at"]
        read_only_fields = fields


class NotificationListApi(ListAPIView):
    """My in-app notifications, newest first; `?unread=true` for unread only."""

    serializer_class = NotificationSerializer

    @extend_schema(parameters=[OpenApiParameter("unread", bool)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        unread = serializers.BooleanField(required=False).run_validation(
            self.request.query_params.get("unread", False))
        return selectors.inbox_for(self.request.user, unread_only=bool(unread))


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request, pk):
        try:
            notification = services.mark_read(user=request.user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404 from None  # someone else's reads as missing
        return enveloped_response(NotificationSerializer(notification).data, "Notification read")


class ReadAllInput(serializers.Serializer):
    until = AwareDateTimeField(required=False, help_text="Only those created at or before this moment (the newest "
                               "one the screen shows), so one arriving meanwhile stays unread")


class NotificationReadAllApi(APIView):
    @extend_schema(request=ReadAllInput,
                   responses={200: inline_serializer("ReadAll", {"updated": serializers.IntegerField()})})
    def post(self, request):
        data = ReadAllInput(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        updated = services.mark_all_read(user=request.user, until=data.validated_data.get("until"))
        return enveloped_response({"updated": updated}, "All notifications read")


class ChannelChoices(serializers.Serializer):
    email = serializers.BooleanField(required=False)
    sms = serializers.BooleanField(required=False)
    in_app = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(Channel.values))
            if unknown:
                raise serializers.ValidationError(
                    {name: [f"Unknown channel; use one of {', '.join(Channel.values)}"] for name in unknown})
        return super().to_internal_value(data)


class PreferencesInput(serializers.Serializer):
    """`{"preferences": {"<kind>": {"email"|"sms"|"in_app": bool}}}`; what is left out keeps its value."""

    preferences = serializers.DictField(child=ChannelChoices())

    def validate_preferences(self, value):
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(f"Unknown notification kind: {', '.join(unknown)}")
        return value


PreferencesOutput = inline_serializer("NotificationPreferences", {
    "channels": serializers.ListField(child=serializers.CharField()),
    "kinds": serializers.ListField(child=serializers.CharField()),
    "preferences": serializers.DictField(child=serializers.DictField(child=serializers.BooleanField())),
})


def _preferences_body(matrix):
    return {"channels": list(Channel.values), "kinds": list(Kind.values), "preferences": matrix}


class NotificationPreferencesApi(APIView):
    @extend_schema(responses={200: PreferencesOutput})
    def get(self, request):
        return Response(_preferences_body(selectors.preference_matrix_get(user=request.user)))

    @extend_schema(request=PreferencesInput, responses={200: PreferencesOutput})
    def patch(self, request):
        data = PreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        matrix = services.set_preferences(user=request.user, changes=data.validated_data["preferences"])
        return enveloped_response(_preferences_body(matrix), "Preferences saved")


class SettingsInput(PreferencesInput):
    """The inbox's settings form in one request: `language`, `phone` (as PATCH auth/me/) and
    `preferences` (as PATCH notifications/preferences/), each optional."""

    preferences = serializers.DictField(child=ChannelChoices(), required=False)
    language = language_field()
    phone = phone_field()


class NotificationSettingsApi(APIView):
    @extend_schema(request=SettingsInput, responses={200: inline_serializer("NotificationSettings", {
        "me": MeOutput(), "channels": serializers.ListField(child=serializers.CharField()),
        "kinds": serializers.ListField(child=serializers.CharField()),
        "preferences": serializers.DictField(child=serializers.DictField(child=serializers.BooleanField()))})})
    def patch(self, request):
        data = SettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        preferences = values.pop("preferences", None)
        user, matrix = services.notification_settings_update(user=request.user, profile=values,
                                                             preferences=preferences)
        return enveloped_response({"me": MeApi._me(user), **_preferences_body(matrix)}, "Settings saved")
