//! Tables of verifiable Statements of Results (R-CREDENTIAL): see the migration
//! `2026-11-30-000037_credentials`.

diesel::table! {
    /// Each issuing tenant's Ed25519 keys, the secret half sealed under the data folder's key.
    issuer_keys (tenant_id, key_id) {
        tenant_id -> Text,
        key_id -> Text,
        public_key -> Text,
        sealed_secret -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The signed credential of each result version, with its revocation.
    credentials (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        result_id -> Text,
        entry_id -> Text,
        status_index -> BigInt,
        document -> Text,
        issued_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Verifications of a credential through this server, for the candidate's "who viewed".
    credential_checks (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        credential_id -> Text,
        via -> Text,
        verifier_name -> Nullable<Text>,
        at -> Timestamp,
    }
}
