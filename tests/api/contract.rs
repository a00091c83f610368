//! One contract: the JSON shapes the server sends are Rust types, and the OpenAPI document
//! (`src/http/openapi.json`) is checked against them.
//!
//! For each component of the document that a Rust type produces, the type's JSON Schema
//! (schemars, in its *serialize* contract: a field is required when it is always written) is
//! compared with the document's schema: the same members, the same required ones, and for each
//! member the same kind (string, integer, number, boolean, array of …, a reference to the same
//! component, or an inline object compared the same way), nullable or not. The front end's types
//! are generated from the same document (`frontend/tools`), so a field that drifts fails here or
//! in the front end's type-check.

use std::collections::{BTreeMap, BTreeSet};

use amont::http::openapi::DOCUMENT;
use amont::http::views;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// A member's shape, as both sides can express it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Array(Box<Shape>),
    Ref(String),
    Object(BTreeMap<String, Shape>, BTreeSet<String>),
    /// Anything (no type given).
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    kind: Kind,
    nullable: bool,
}

/// Rust type names whose schema is a component of another name in the document.
const RENAMES: [(&str, &str); 12] = [
    ("UserView", "User"),
    ("OrganizationView", "Organization"),
    ("ProjectView", "Project"),
    ("PartnershipView", "Partnership"),
    ("AgreementView", "Agreement"),
    ("MeetingView", "Meeting"),
    ("MembershipView", "Membership"),
    ("ConsultationView", "Consultation"),
    ("PositionView", "Position"),
    ("ActionView", "Action"),
    ("DecisionView", "Decision"),
    ("VerifiedConsentView", "VerifiedConsent"),
];

fn component_name(rust: &str) -> String {
    RENAMES
        .iter()
        .find(|(r, _)| *r == rust)
        .map_or(rust, |(_, c)| c)
        .to_owned()
}

/// Reads a schema of either side into a `Shape`. `defs` resolves local references that are not
/// components (schemars' `$defs` of types the document writes inline); `components` says which
/// names the document has, so a reference to one stays a reference.
fn shape(schema: &Value, defs: &Value, components: &BTreeSet<String>) -> Shape {
    let mut nullable = false;
    // anyOf / oneOf with a null branch: the other branch, nullable.
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema[key].as_array() {
            let others: Vec<&Value> = branches
                .iter()
                .filter(|b| {
                    let null = b["type"] == "null";
                    nullable |= null;
                    !null
                })
                .collect();
            if others.len() == 1 {
                let mut inner = shape(others[0], defs, components);
                inner.nullable |= nullable;
                return inner;
            }
        }
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
        let component = component_name(&name);
        if components.contains(&component) {
            return Shape {
                kind: Kind::Ref(component),
                nullable,
            };
        }
        let resolved = &defs[&name];
        assert!(!resolved.is_null(), "unresolved reference {reference}");
        return shape(resolved, defs, components);
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut members = BTreeMap::new();
        let mut required = BTreeSet::new();
        for part in parts {
            let part = match part["$ref"].as_str() {
                Some(r) => DOC_COMPONENTS.with(|c| c[r.rsplit('/').next().unwrap()].clone()),
                None => part.clone(),
            };
            if let Kind::Object(m, r) = shape(&part, defs, components).kind {
                members.extend(m);
                required.extend(r);
            }
        }
        return Shape {
            kind: Kind::Object(members, required),
            nullable,
        };
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    nullable |= types.contains(&"null");
    let main = types.iter().find(|t| **t != "null").copied();
    let kind = match main {
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("array") => Kind::Array(Box::new(shape(&schema["items"], defs, components))),
        Some("object") => {
            let members = schema["properties"]
                .as_object()
                .map(|props| {
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), shape(v, defs, components)))
                        .collect()
                })
                .unwrap_or_default();
            let required = schema["required"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Kind::Object(members, required)
        }
        _ if schema["enum"].is_array() => Kind::String,
        _ => Kind::Any,
    };
    Shape { kind, nullable }
}

thread_local! {
    static DOC_COMPONENTS: Value = {
        let doc: Value = serde_json::from_str(DOCUMENT).expect("the document is JSON");
        doc["components"]["schemas"].clone()
    };
}

fn rust_schema<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    serde_json::to_value(generator.into_root_schema_for::<T>()).expect("a schema is JSON")
}

/// Compares a Rust type with the component of the document it produces.
fn check<T: JsonSchema>(component: &str) -> Vec<String> {
    let components: BTreeSet<String> =
        DOC_COMPONENTS.with(|c| c.as_object().unwrap().keys().cloned().collect());
    let rust = rust_schema::<T>();
    let from_rust = shape(&rust, &rust["$defs"], &components);
    let documented = DOC_COMPONENTS.with(|c| c[component].clone());
    assert!(
        !documented.is_null(),
        "no component {component} in the document"
    );
    let from_doc = shape(&documented, &Value::Null, &components);
    let mut problems = Vec::new();
    compare(component, &from_rust, &from_doc, &mut problems);
    problems
}

fn compare(at: &str, rust: &Shape, doc: &Shape, problems: &mut Vec<String>) {
    if rust.nullable != doc.nullable {
        problems.push(format!(
            "{at}: nullable in Rust {}, in the document {}",
            rust.nullable, doc.nullable
        ));
    }
    match (&rust.kind, &doc.kind) {
        (Kind::Object(rm, rr), Kind::Object(dm, dr)) => {
            for name in rm.keys().filter(|k| !dm.contains_key(*k)) {
                problems.push(format!("{at}.{name}: sent by the server, not documented"));
            }
            for name in dm.keys().filter(|k| !rm.contains_key(*k)) {
                problems.push(format!("{at}.{name}: documented, never sent"));
            }
            for name in rr.symmetric_difference(dr) {
                problems.push(format!(
                    "{at}.{name}: required {} in Rust, {} in the document",
                    rr.contains(name),
                    dr.contains(name)
                ));
            }
            for (name, r) in rm {
                if let Some(d) = dm.get(name) {
                    // A member that may be left out is never null when present
                    // (`skip_serializing_if = "Option::is_none"`), whatever schemars says.
                    let optional = !rr.contains(name) && !dr.contains(name);
                    let (mut r, mut d) = (r.clone(), d.clone());
                    if optional {
                        r.nullable = false;
                        d.nullable = false;
                    }
                    compare(&format!("{at}.{name}"), &r, &d, problems);
                }
            }
        }
        (Kind::Array(r), Kind::Array(d)) => compare(&format!("{at}[]"), r, d, problems),
        (_, Kind::Any) => {}
        (r, d) if r == d => {}
        (r, d) => problems.push(format!("{at}: {r:?} in Rust, {d:?} in the document")),
    }
}

#[test]
fn the_documented_shapes_are_the_ones_the_server_sends() {
    let mut problems = Vec::new();
    problems.extend(check::<views::UserView>("User"));
    problems.extend(check::<views::OrganizationView>("Organization"));
    problems.extend(check::<views::ProjectView>("Project"));
    problems.extend(check::<views::PartnershipView>("Partnership"));
    problems.extend(check::<views::AgreementView>("Agreement"));
    problems.extend(check::<views::MeetingView>("Meeting"));
    problems.extend(check::<views::MembershipView>("Membership"));
    problems.extend(check::<views::ConsultationView>("Consultation"));
    problems.extend(check::<views::DomainsView>("Domains"));
    problems.extend(check::<views::ColleagueInvitationView>(
        "ColleagueInvitation",
    ));
    problems.extend(check::<views::DecisionView>("Decision"));
    problems.extend(check::<views::ActionView>("Action"));
    problems.extend(check::<views::PositionView>("Position"));
    problems.extend(check::<views::SessionView>("Session"));
    problems.extend(check::<views::MeView>("Me"));
    problems.extend(check::<views::UserEnvelope>("UserEnvelope"));
    problems.extend(check::<views::MessageView>("Message"));
    problems.extend(check::<views::HealthView>("Health"));
    problems.extend(check::<views::AttestationCreatedView>("AttestationCreated"));
    problems.extend(check::<views::AttestationView>("Attestation"));
    problems.extend(check::<views::ProjectDetailView>("ProjectDetail"));
    problems.extend(check::<views::SectionView>("Section"));
    problems.extend(check::<views::MissionView>("Mission"));
    problems.extend(check::<views::SheetAgreement>("SheetAgreement"));
    problems.extend(check::<views::SheetConsulted>("SheetConsulted"));
    problems.extend(check::<views::AuditView>("AuditEvent"));
    problems.extend(check::<views::SheetPartner>("SheetPartner"));
    problems.extend(check::<views::Sheet>("Sheet"));
    problems.extend(check::<views::VerificationView>("Verification"));
    problems.extend(check::<views::VerifiedConsentView>("VerifiedConsent"));
    problems.extend(check::<views::Slot>("Slot"));
    problems.extend(check::<views::AvailabilityAnswers>("AvailabilityAnswers"));
    problems.extend(check::<views::OrganizationRef>("OrganizationRef"));
    problems.extend(check::<views::PollSlot>("PollSlot"));
    problems.extend(check::<views::Poll>("Poll"));
    problems.extend(check::<views::AgendaItem>("AgendaItem"));
    problems.extend(check::<views::PartnerAgreementState>(
        "PartnerAgreementState",
    ));
    problems.extend(check::<views::Agenda>("Agenda"));
    problems.extend(check::<views::Unmet>("Unmet"));
    problems.extend(check::<views::Readiness>("Readiness"));
    problems.extend(check::<views::AgendaUpdate>("AgendaUpdate"));
    problems.extend(check::<views::ConvenedAgendaItem>("ConvenedAgendaItem"));
    problems.extend(check::<views::EvidencePartner>("EvidencePartner"));
    problems.extend(check::<views::Evidence>("Evidence"));
    problems.extend(check::<views::ConcertationRecord>("ConcertationRecord"));
    problems.extend(check::<views::ConvocationResult>("ConvocationResult"));
    problems.extend(check::<views::Attendee>("Attendee"));
    problems.extend(check::<views::RsvpResult>("RsvpResult"));
    problems.extend(check::<views::CalendarFeed>("CalendarFeed"));
    problems.extend(check::<views::CalendarFeedStatus>("CalendarFeedStatus"));
    problems.extend(check::<views::ReminderEntry>("ReminderEntry"));
    problems.extend(check::<views::Reminders>("Reminders"));
    problems.extend(check::<views::ReminderSent>("ReminderSent"));
    problems.extend(check::<views::NoticeView>("Notice"));
    problems.extend(check::<views::ReadinessWarning>("ReadinessWarning"));
    problems.extend(check::<views::PersonRef>("PersonRef"));
    problems.extend(check::<views::Representation>("Representation"));
    problems.extend(check::<views::TimeBudgetView>("TimeBudget"));
    problems.extend(check::<views::AttendanceEntry>("AttendanceEntry"));
    problems.extend(check::<views::PartnerTimeView>("PartnerTime"));
    problems.extend(check::<views::MyMeetingView>("MyMeeting"));
    problems.extend(check::<views::WeekHours>("WeekHours"));
    problems.extend(check::<views::MyMeetings>("MyMeetings"));
    problems.extend(check::<views::NotificationPreferences>(
        "NotificationPreferences",
    ));
    assert!(
        problems.is_empty(),
        "the OpenAPI document and the Rust types disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_a_drift() {
    // A guard for the comparison itself: a type with a member the document does not have, one
    // missing, and one of another kind, against the `User` component.
    #[derive(JsonSchema, serde::Serialize)]
    #[allow(dead_code)]
    struct NotAUser {
        id: uuid::Uuid,
        email: i32,
        display_name: String,
        nickname: String,
    }
    let problems = check::<NotAUser>("User");
    assert!(
        problems.iter().any(|p| p.contains("nickname")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("locale")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("email")), "{problems:?}");
}
