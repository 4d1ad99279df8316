//! Tables of the centre workflows (timetable, payments, documents, refunds, result imports).

diesel::table! {
    session_components (tenant_id, session_id, component) {
        tenant_id -> Text,
        session_id -> Text,
        component -> Text,
        day -> Date,
        starts_at -> Text,
        venue -> Text,
        room -> Text,
    }
}

diesel::table! {
    payments (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        method -> Text,
        transfer_title -> Nullable<Text>,
        received_on -> Date,
        recorded_by -> Text,
        created_at -> Timestamp,
        expected_title -> Nullable<Text>,
        amount_due_minor -> Nullable<BigInt>,
        title_mismatch -> Bool,
        amount_mismatch -> Bool,
    }
}

diesel::table! {
    entry_documents (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        kind -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        received_on -> Date,
        created_at -> Timestamp,
        original -> Bool,
    }
}

diesel::table! {
    refund_requests (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        facts -> Text,
        decision -> Text,
        plugin -> Text,
        plugin_version -> Text,
        outcome -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        pay_by -> Nullable<Date>,
        status -> Text,
        confirmed_by -> Nullable<Text>,
        paid_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        payout_method -> Nullable<Text>,
        payout_account -> Nullable<Text>,
        paid_method -> Nullable<Text>,
        paid_on -> Nullable<Date>,
    }
}

diesel::table! {
    /// The centre's bank account for transfers (R-PAYMENT-TITLE); one per tenant.
    centre_bank_accounts (tenant_id) {
        tenant_id -> Text,
        iban -> Text,
        account_holder -> Text,
        bank_name -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    result_imports (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        session_id -> Text,
        rows_imported -> Integer,
        imported_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attendance (tenant_id, entry_id, component) {
        tenant_id -> Text,
        entry_id -> Text,
        component -> Text,
        present -> Bool,
        id_document_shown -> Nullable<Text>,
        admitted -> Bool,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        devices -> Nullable<Text>,
    }
}

diesel::table! {
    entry_cases (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        kind -> Text,
        description -> Text,
        status -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    enquiries (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        stage -> Integer,
        fee_minor -> BigInt,
        currency -> Text,
        requested_on -> Date,
        status -> Text,
        outcome -> Nullable<Text>,
        fee_refunded -> Bool,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appeals (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        ground -> Text,
        fee_minor -> BigInt,
        currency -> Text,
        lodged_on -> Date,
        deadline -> Date,
        status -> Text,
        outcome -> Nullable<Text>,
        fee_refunded -> Bool,
        lodged_by -> Text,
        lodged_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appeal_terms (tenant_id) {
        tenant_id -> Text,
        window_days -> Integer,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    certificates (tenant_id, entry_id) {
        tenant_id -> Text,
        entry_id -> Text,
        arrived_on -> Date,
        collected_on -> Nullable<Date>,
        collected_by -> Nullable<Text>,
        collector_name -> Nullable<Text>,
        collector_id_document -> Nullable<Text>,
        signature_recorded -> Bool,
        courier_address -> Nullable<Text>,
        replacements -> Integer,
        destroyed_on -> Nullable<Date>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    attendance,
    entry_cases,
    enquiries,
    appeals,
    appeal_terms,
    certificates,
    session_components,
    payments,
    entry_documents,
    refund_requests,
    result_imports,
    centre_bulk_runs,
);

diesel::table! {
    centre_bulk_runs (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        session_id -> Text,
        kind -> Text,
        status -> Text,
        file_name -> Nullable<Text>,
        input -> Text,
        total -> Integer,
        processed -> Integer,
        report -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}
