from django.urls import path

from apps.payments import api, webhooks

urlpatterns = [
    path("stripe/webhook/", webhooks.StripeWebhookApi.as_view(), name="stripe-webhook"),
    path("reservations/<uuid:pk>/", api.PaymentSummaryApi.as_view(), name="payment-summary"),
    path("reservations/<uuid:pk>/checkout/", api.CheckoutApi.as_view(), name="payment-checkout"),
    path("reservations/<uuid:pk>/split/", api.SplitApi.as_view(), name="payment-split"),
    path("pay/<str:token>/", api.PayLinkApi.as_view(), name="payment-pay-link"),
]
