from django.apps import AppConfig


class MarketplacesConfig(AppConfig):
    name = "marketplaces"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from integration_server.retention import register_personal_data_purger
        from marketplaces.retention import erase_orders, orders_past_retention

        register_personal_data_purger("marketplace orders", orders_past_retention, erase_orders)
        from integration_server.schedules import register_schedule
        from integration_server.simulators import register_simulator
        from marketplaces.connectors import register_connector
        from marketplaces.connectors.amazon import AmazonConnector
        from marketplaces.simulators.amazon import demo_simulator

        register_connector("amazon", AmazonConnector)
        register_schedule("orders-pull", "marketplaces.tasks.pull_due_accounts", minutes=1)
        register_simulator("amazon", demo_simulator, 8102)
        self._register_ebay()
        self._register_rithum()
        self._register_mirakl()

    @staticmethod
    def _register_ebay():
        from integration_server.simulators import register_simulator
        from marketplaces.connectors import register_connector
        from marketplaces.connectors.ebay import EbayConnector
        from marketplaces.simulators.ebay import demo_simulator

        register_connector("ebay", EbayConnector)
        register_simulator("ebay", demo_simulator, 8110)

        from integration_server.health import register_health_check
        from marketplaces.health import account_health, pull_health

        register_health_check("marketplace_accounts", account_health)
        from marketplaces.pull_health import pull_lag

        register_health_check("order_pulls", pull_lag)
        register_health_check("marketplace_pulls", pull_health)

    @staticmethod
    def _register_rithum():
        from integration_server.simulators import register_simulator
        from marketplaces.connectors import register_connector
        from marketplaces.connectors.rithum import RithumConnector
        from marketplaces.services import acknowledge  # declares its job kinds
        from marketplaces.simulators.rithum import demo_simulator

        register_connector("rithum", RithumConnector)
        register_simulator("rithum", demo_simulator, 8109)
        from marketplaces.services.order_events import NEW_ORDERS

        NEW_ORDERS.subscribe(acknowledge.queue_acknowledgements)

    @staticmethod
    def _register_mirakl():
        from integration_server.simulators import register_simulator
        from marketplaces.connectors import register_connector
        from marketplaces.connectors.mirakl import MiraklConnector
        from marketplaces.simulators.mirakl import demo_simulator

        register_connector("mirakl", MiraklConnector)
        register_simulator("mirakl", demo_simulator, 8111)
