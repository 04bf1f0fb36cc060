from django.urls import path

from logistics.tracking.webhooks import Track17WebhookView

urlpatterns = [path("17track", Track17WebhookView.as_view(), name="webhook-17track")]
