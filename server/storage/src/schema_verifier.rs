//! Tables of the Results Verification Service (DOMAIN.md section 12).

diesel::table! {
    /// The search change log (outbox): see the migration `2026-11-22-000020_verifier`.
    search_changes (tenant_id, seq) {
        tenant_id -> Text,
        seq -> BigInt,
        share_id -> Text,
        centre_tenant_id -> Text,
        at -> Timestamp,
    }
}
