// @generated automatically by Diesel CLI.

diesel::table! {
    agreements (id) {
        id -> Uuid,
        project_id -> Uuid,
        organization_id -> Uuid,
        subject -> Text,
        subject_id -> Uuid,
        content_hash -> Text,
        content -> Text,
        decision -> Text,
        comment -> Nullable<Text>,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        project_id -> Nullable<Uuid>,
        actor_user_id -> Nullable<Uuid>,
        actor_organization_id -> Nullable<Uuid>,
        action -> Text,
        organization_id -> Nullable<Uuid>,
        details -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    document_updates (id) {
        id -> Int8,
        project_id -> Uuid,
        update -> Bytea,
        user_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    documents (project_id) {
        project_id -> Uuid,
        snapshot -> Bytea,
        snapshot_through -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    magic_links (id) {
        id -> Uuid,
        email -> Text,
        token_hash -> Bytea,
        organization_id -> Nullable<Uuid>,
        project_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    memberships (organization_id, user_id) {
        organization_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    organizations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Nullable<Text>,
        territory -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        message_id -> Text,
        kind -> Text,
        recipient -> Text,
        raw -> Bytea,
        created_at -> Timestamptz,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        sent_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    partnerships (project_id, organization_id) {
        project_id -> Uuid,
        organization_id -> Uuid,
        status -> Text,
        contact_email -> Nullable<Text>,
        proposed_role -> Nullable<Text>,
        invited_by -> Nullable<Uuid>,
        invited_at -> Timestamptz,
        answered_at -> Nullable<Timestamptz>,
        answered_by -> Nullable<Uuid>,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    projects (id) {
        id -> Uuid,
        title -> Text,
        summary -> Text,
        initiator_organization_id -> Uuid,
        status -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        locale -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(agreements -> organizations (organization_id));
diesel::joinable!(agreements -> projects (project_id));
diesel::joinable!(agreements -> users (user_id));
diesel::joinable!(audit_events -> projects (project_id));
diesel::joinable!(audit_events -> users (actor_user_id));
diesel::joinable!(document_updates -> projects (project_id));
diesel::joinable!(document_updates -> users (user_id));
diesel::joinable!(documents -> projects (project_id));
diesel::joinable!(magic_links -> organizations (organization_id));
diesel::joinable!(memberships -> organizations (organization_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(partnerships -> organizations (organization_id));
diesel::joinable!(partnerships -> projects (project_id));
diesel::joinable!(projects -> organizations (initiator_organization_id));
diesel::joinable!(projects -> users (created_by));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    agreements,
    audit_events,
    document_updates,
    documents,
    magic_links,
    memberships,
    organizations,
    outbox,
    partnerships,
    projects,
    sessions,
    users,
);
