"""The outbox: messages to people and systems (e-mail, SMS, signed webhooks), written in the
same transaction as the change they announce and delivered afterwards, with a delivery log."""
