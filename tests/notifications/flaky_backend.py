"""An anymail test backend whose provider fails the next ``FAILURES`` sends (a fake at the transport)."""

from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from anymail.message import AnymailRecipientStatus

SCRIPT: list[str] = []  # "api_error" | "refused" | "ok", consumed one per send


class FlakyEmailBackend(AnymailTestBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            step = SCRIPT.pop(0) if SCRIPT else "ok"
            if step == "api_error":
                message.anymail_test_response = AnymailAPIError("ESP answered 503 Service Unavailable")
            elif step == "refused":
                message.anymail_test_response = {
                    "recipient_status": {
                        message.to[0]: AnymailRecipientStatus(message_id=None, status="rejected")
                    }
                }
        return super().send_messages(email_messages)

    def post_to_esp(self, payload, message):
        response = getattr(message, "anymail_test_response", None)
        if isinstance(response, dict):
            from django.core import mail

            message.anymail_test_params = payload.get_params()
            mail.outbox.append(message)
            return response
        return super().post_to_esp(payload, message)


__all__ = ["SCRIPT", "AnymailRecipientsRefused", "FlakyEmailBackend"]
