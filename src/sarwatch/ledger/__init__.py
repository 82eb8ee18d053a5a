"""The tamper-evident ledger: canonical JSON, SHA-256 hash chains, Ed25519 signatures."""

from sarwatch.ledger.canonical import canonical_json, sha256_hex
from sarwatch.ledger.chain import (
    GENESIS,
    Finding,
    LedgerEntry,
    SignedHead,
    VerificationReport,
    entry_hash,
    seal,
    sign_head,
    verify_chain,
)
from sarwatch.ledger.keys import (
    Signer,
    key_id,
    load_or_create_signer,
    load_public_key,
    public_key_pem,
)
from sarwatch.ledger.register import (
    RegisterEntry,
    RegisterHead,
    RegisterReport,
    check_registration,
    register_case,
    verify_register,
)

__all__ = [
    "GENESIS",
    "Finding",
    "LedgerEntry",
    "RegisterEntry",
    "RegisterHead",
    "RegisterReport",
    "SignedHead",
    "Signer",
    "VerificationReport",
    "canonical_json",
    "check_registration",
    "entry_hash",
    "key_id",
    "load_or_create_signer",
    "load_public_key",
    "public_key_pem",
    "register_case",
    "seal",
    "sha256_hex",
    "sign_head",
    "verify_chain",
    "verify_register",
]
