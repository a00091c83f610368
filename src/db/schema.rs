// @generated automatically by Diesel CLI.

diesel::table! {
    actions (id) {
        id -> Uuid,
        project_id -> Uuid,
        decision_id -> Uuid,
        title -> Text,
        owner_organization_id -> Uuid,
        due_on -> Date,
        status -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_by -> Uuid,
        updated_at -> Timestamptz,
    }
}

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
        voided_notified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    attestations (id) {
        id -> Uuid,
        project_id -> Uuid,
        token -> Text,
        created_by -> Uuid,
        kid -> Text,
        jws -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_by -> Nullable<Uuid>,
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
    availability_answers (slot_id, user_id) {
        slot_id -> Uuid,
        user_id -> Uuid,
        meeting_id -> Uuid,
        answer -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    concertation_records (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        project_id -> Uuid,
        summary -> Text,
        recorded_by -> Uuid,
        recorded_for -> Uuid,
        evidence -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    consent_receipts (id) {
        id -> Uuid,
        kind -> Text,
        project_id -> Uuid,
        organization_id -> Uuid,
        record_id -> Nullable<Uuid>,
        meeting_id -> Nullable<Uuid>,
        user_id -> Uuid,
        content_hash -> Nullable<Text>,
        decision -> Text,
        at -> Timestamptz,
        kid -> Text,
        jws -> Text,
        signed_at -> Timestamptz,
    }
}

diesel::table! {
    decision_positions (decision_id, organization_id) {
        decision_id -> Uuid,
        organization_id -> Uuid,
        position -> Text,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    decisions (id) {
        id -> Uuid,
        project_id -> Uuid,
        meeting_id -> Uuid,
        agenda_item_id -> Nullable<Text>,
        title -> Text,
        text -> Text,
        status -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    digests (user_id, sent_on) {
        user_id -> Uuid,
        sent_on -> Date,
        outbox_id -> Int8,
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
        quarantined_at -> Nullable<Timestamptz>,
        quarantine_reason -> Nullable<Text>,
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
        purpose -> Text,
        role -> Nullable<Text>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    meeting_attendees (meeting_id, email) {
        meeting_id -> Uuid,
        email -> Text,
        user_id -> Nullable<Uuid>,
        organization_id -> Uuid,
        display_name -> Text,
        locale -> Text,
        role -> Text,
        partstat -> Text,
        rsvp_token_hash -> Bytea,
        responded_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        attendance -> Nullable<Text>,
        attendance_recorded_by -> Nullable<Uuid>,
        attendance_recorded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    meeting_representatives (meeting_id, organization_id, user_id) {
        meeting_id -> Uuid,
        organization_id -> Uuid,
        user_id -> Uuid,
        chosen_by -> Uuid,
        chosen_at -> Timestamptz,
    }
}

diesel::table! {
    meeting_slots (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    meetings (id) {
        id -> Uuid,
        project_id -> Uuid,
        title -> Text,
        duration_minutes -> Int4,
        timezone -> Text,
        location -> Nullable<Text>,
        video_url -> Nullable<Text>,
        status -> Text,
        starts_at -> Nullable<Timestamptz>,
        ends_at -> Nullable<Timestamptz>,
        sequence -> Int4,
        uid -> Text,
        organizer_user_id -> Nullable<Uuid>,
        organizer_organization_id -> Nullable<Uuid>,
        convened_agenda -> Nullable<Jsonb>,
        convened_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        respond_by -> Nullable<Date>,
        ready_notified_at -> Nullable<Timestamptz>,
        convened_agenda_hash -> Nullable<Text>,
        convened_recipients -> Nullable<Int4>,
    }
}

diesel::table! {
    membership_requests (id) {
        id -> Uuid,
        organization_id -> Uuid,
        user_id -> Uuid,
        status -> Text,
        requested_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    memberships (organization_id, user_id) {
        organization_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
        requested_at -> Nullable<Timestamptz>,
        decided_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    notification_preferences (user_id) {
        user_id -> Uuid,
        requests -> Text,
        updates -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        user_id -> Uuid,
        project_id -> Uuid,
        meeting_id -> Nullable<Uuid>,
        organization_id -> Nullable<Uuid>,
        event -> Text,
        category -> Text,
        details -> Jsonb,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        outbox_id -> Nullable<Int8>,
    }
}

diesel::table! {
    organization_domains (organization_id, domain) {
        organization_id -> Uuid,
        domain -> Text,
        verified_by -> Nullable<Uuid>,
        verified_at -> Timestamptz,
    }
}

diesel::table! {
    organizations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Nullable<Text>,
        territory -> Nullable<Text>,
        created_at -> Timestamptz,
        name_key -> Nullable<Text>,
        siren -> Nullable<Text>,
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
        hours_per_year -> Nullable<Int4>,
        hourly_value_cents -> Nullable<Int4>,
        time_budget_set_by -> Nullable<Uuid>,
        time_budget_set_at -> Nullable<Timestamptz>,
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
        min_notice_days -> Int4,
    }
}

diesel::table! {
    reminders (id) {
        id -> Int8,
        meeting_id -> Uuid,
        organization_id -> Uuid,
        rules -> Jsonb,
        automatic -> Bool,
        sent_by -> Nullable<Uuid>,
        sent_at -> Timestamptz,
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
    signing_keys (kid) {
        kid -> Text,
        public_key -> Bytea,
        private_key -> Nullable<Bytea>,
        source -> Text,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
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

diesel::joinable!(actions -> decisions (decision_id));
diesel::joinable!(actions -> organizations (owner_organization_id));
diesel::joinable!(actions -> projects (project_id));
diesel::joinable!(agreements -> organizations (organization_id));
diesel::joinable!(agreements -> projects (project_id));
diesel::joinable!(agreements -> users (user_id));
diesel::joinable!(attestations -> projects (project_id));
diesel::joinable!(attestations -> signing_keys (kid));
diesel::joinable!(attestations -> users (created_by));
diesel::joinable!(audit_events -> projects (project_id));
diesel::joinable!(audit_events -> users (actor_user_id));
diesel::joinable!(availability_answers -> meeting_slots (slot_id));
diesel::joinable!(availability_answers -> meetings (meeting_id));
diesel::joinable!(availability_answers -> users (user_id));
diesel::joinable!(calendar_feeds -> users (user_id));
diesel::joinable!(concertation_records -> meetings (meeting_id));
diesel::joinable!(concertation_records -> organizations (recorded_for));
diesel::joinable!(concertation_records -> projects (project_id));
diesel::joinable!(concertation_records -> users (recorded_by));
diesel::joinable!(consent_receipts -> organizations (organization_id));
diesel::joinable!(consent_receipts -> projects (project_id));
diesel::joinable!(consent_receipts -> signing_keys (kid));
diesel::joinable!(consent_receipts -> users (user_id));
diesel::joinable!(decision_positions -> decisions (decision_id));
diesel::joinable!(decision_positions -> organizations (organization_id));
diesel::joinable!(decisions -> meetings (meeting_id));
diesel::joinable!(decisions -> projects (project_id));
diesel::joinable!(decisions -> users (created_by));
diesel::joinable!(digests -> users (user_id));
diesel::joinable!(documents -> projects (project_id));
diesel::joinable!(magic_links -> organizations (organization_id));
diesel::joinable!(meeting_attendees -> meetings (meeting_id));
diesel::joinable!(meeting_attendees -> organizations (organization_id));
diesel::joinable!(meeting_attendees -> users (user_id));
diesel::joinable!(meeting_representatives -> meetings (meeting_id));
diesel::joinable!(meeting_representatives -> organizations (organization_id));
diesel::joinable!(meeting_representatives -> users (user_id));
diesel::joinable!(meeting_slots -> meetings (meeting_id));
diesel::joinable!(meeting_slots -> users (created_by));
diesel::joinable!(meetings -> organizations (organizer_organization_id));
diesel::joinable!(meetings -> projects (project_id));
diesel::joinable!(membership_requests -> organizations (organization_id));
diesel::joinable!(membership_requests -> users (user_id));
diesel::joinable!(memberships -> organizations (organization_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(notification_preferences -> users (user_id));
diesel::joinable!(notifications -> meetings (meeting_id));
diesel::joinable!(notifications -> organizations (organization_id));
diesel::joinable!(notifications -> outbox (outbox_id));
diesel::joinable!(notifications -> projects (project_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(organization_domains -> organizations (organization_id));
diesel::joinable!(organization_domains -> users (verified_by));
diesel::joinable!(partnerships -> organizations (organization_id));
diesel::joinable!(partnerships -> projects (project_id));
diesel::joinable!(projects -> organizations (initiator_organization_id));
diesel::joinable!(projects -> users (created_by));
diesel::joinable!(reminders -> meetings (meeting_id));
diesel::joinable!(reminders -> organizations (organization_id));
diesel::joinable!(reminders -> users (sent_by));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    actions,
    agreements,
    attestations,
    audit_events,
    availability_answers,
    calendar_feeds,
    concertation_records,
    consent_receipts,
    decision_positions,
    decisions,
    digests,
    document_updates,
    documents,
    magic_links,
    meeting_attendees,
    meeting_representatives,
    meeting_slots,
    meetings,
    membership_requests,
    memberships,
    notification_preferences,
    notifications,
    organization_domains,
    organizations,
    outbox,
    partnerships,
    projects,
    reminders,
    sessions,
    signing_keys,
    users,
);
