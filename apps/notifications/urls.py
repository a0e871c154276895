from django.urls import path

from apps.notifications import api

urlpatterns = [
    path("", api.NotificationListApi.as_view(), name="notification-list"),
    path("read-all/", api.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("preferences/", api.NotificationPreferencesApi.as_view(), name="notification-preferences"),
    path("settings/", api.NotificationSettingsApi.as_view(), name="notification-settings"),
    path("<uuid:pk>/read/", api.NotificationReadApi.as_view(), name="notification-read"),
]
