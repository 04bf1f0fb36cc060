from django.urls import path

from logistics.shopify.webhooks import ShopifyWebhookView

urlpatterns = [path("shopify", ShopifyWebhookView.as_view(), name="webhook-shopify")]
