//! Schools (R-SCHOOL-ENTRY): see the migration `2026-11-30-000051_schools`.

diesel::table! {
    /// A school's link with a centre: pending, approved or refused by the centre.
    school_links (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        school_tenant_id -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The entries a school made for its students.
    school_entries (tenant_id, entry_id) {
        tenant_id -> Text,
        entry_id -> Text,
        school_tenant_id -> Text,
        entered_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(school_entries, school_links);
