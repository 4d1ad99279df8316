//! A centre's public pages (R-PUBLIC-CALENDAR) and Certifying Statements (R-NAME-SPELLING): see the
//! migration `2026-11-30-000055_public_pages`.

diesel::table! {
    /// A centre's regulations: one text, versioned by when it was last updated.
    centre_regulations (tenant_id) {
        tenant_id -> Text,
        body -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    /// The regulations accepted with a public entry: which version, and when.
    regulations_acceptances (tenant_id, entry_id) {
        tenant_id -> Text,
        entry_id -> Text,
        regulations_updated_at -> Nullable<Timestamp>,
        accepted_at -> Timestamp,
    }
}

diesel::table! {
    /// A form a centre publishes for download, one a kind; its bytes are in the tenant's folder.
    public_forms (tenant_id, kind) {
        tenant_id -> Text,
        kind -> Text,
        file_id -> Text,
        filename -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_at -> Timestamp,
        uploaded_by -> Text,
    }
}

diesel::table! {
    /// A Certifying Statement issued instead of a late name correction (R-NAME-SPELLING), with
    /// its fee: the charge due on the entry for it.
    certifying_statements (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        name_on_certificate -> Text,
        corrected_name -> Text,
        fee_minor -> BigInt,
        currency -> Text,
        issued_on -> Date,
        issued_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    centre_regulations,
    regulations_acceptances,
    public_forms,
    certifying_statements
);
