"""Step 5, 加密存檔 encrypted archive: envelope encryption of every personal field.

Each candidate has a data key (AES-256); every personal value is sealed with AES-256-GCM under it,
bound by associated data to its table, column and row. Data keys are stored only wrapped by a
key-encryption key (KEK) that a ``KeyProvider`` holds: a local key file by default, or an HSM
through PKCS#11. Destroying a candidate's data key destroys every ciphertext under it
(crypto-shredding, step 6).
"""

from fairscreen.vault.core import Sealer, Vault

__all__ = ["Sealer", "Vault"]
