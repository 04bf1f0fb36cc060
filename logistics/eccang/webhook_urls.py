from django.urls import path

from logistics.eccang.webhooks import EccangWebhookView

urlpatterns = [path("yicang", EccangWebhookView.as_view(), name="webhook-yicang")]
