"""System checks of the alerts app."""

from django.core import checks

SMS_BACKENDS = ("twilio", "console")


@checks.register()
def check_sms_backend(app_configs, **kwargs):
    from alerts import conf

    if conf.ALERTS_SMS_BACKEND not in SMS_BACKENDS:
        return [
            checks.Error(
                f"ALERTS_SMS_BACKEND={conf.ALERTS_SMS_BACKEND!r} is not one of {', '.join(SMS_BACKENDS)}",
                id="alerts.E001",
            )
        ]
    return []
