"""Shopify: fulfillment webhooks in, the Admin GraphQL API for the order behind them."""
