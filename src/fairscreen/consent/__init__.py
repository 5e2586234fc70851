"""Step 1, 籤署授權 signed authorisation: nothing is queried that the candidate did not consent to.

Consent is specific (items, purpose, recipient, retention), separate for sensitive items
(PIPL art. 29), revocable, and signed.
"""

from fairscreen.consent.rules import ConsentCheck, check_consent, consent_covers

__all__ = ["ConsentCheck", "check_consent", "consent_covers"]
