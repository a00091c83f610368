//! `amont demo`: a realistic French example to click through.
//!
//! A youth centre (MJC) initiates a project for young people of a neighbourhood and consults a
//! municipality, the CAF, a social centre and the local "mission locale": partners in every
//! state (accepted with an agreed mission, accepted with a mission still to agree, invited with
//! no answer yet, declined). Seeding is idempotent: a second run only prints fresh login links.

use anyhow::{Context, Result};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use url::Url;
use uuid::Uuid;

use crate::auth::links;
use crate::config::Settings;
use crate::db::models::{
    Agreement, Membership, NewAuditEvent, Organization, Partnership, Project, User,
};
use crate::db::schema::{agreements, memberships, organizations, partnerships, projects, users};
use crate::document;
use crate::domain::content;
use crate::domain::input::EmailAddress;

/// The people of the example: (email, name, organization, role).
const PEOPLE: [(&str, &str, &str, &str); 5] = [
    (
        "ines.benali@mjc-quatre-vents.example",
        "Inès Benali",
        "MJC des Quatre Vents",
        "admin",
    ),
    (
        "marc.lefevre@ville-trappes.example",
        "Marc Lefèvre",
        "Ville de Trappes",
        "admin",
    ),
    (
        "sophie.durand@caf78.example",
        "Sophie Durand",
        "CAF des Yvelines",
        "admin",
    ),
    (
        "karim.haddad@cs-tilleuls.example",
        "Karim Haddad",
        "Centre social Les Tilleuls",
        "admin",
    ),
    (
        "julie.moreau@ml-sqy.example",
        "Julie Moreau",
        "Mission locale de Saint-Quentin",
        "admin",
    ),
];

const ORGANIZATIONS: [(&str, &str, &str); 5] = [
    (
        "MJC des Quatre Vents",
        "Maison des jeunes et de la culture",
        "Trappes",
    ),
    ("Ville de Trappes", "Commune", "Trappes"),
    (
        "CAF des Yvelines",
        "Caisse d'allocations familiales",
        "Yvelines",
    ),
    (
        "Centre social Les Tilleuls",
        "Centre social",
        "Trappes — quartier des Merisiers",
    ),
    (
        "Mission locale de Saint-Quentin",
        "Mission locale",
        "Saint-Quentin-en-Yvelines",
    ),
];

const BRIEF: &str = "Ouvrir un accueil pour les jeunes de 16 à 25 ans du quartier des Merisiers, \
trois soirs par semaine, avec un animateur et des permanences des partenaires.\n\n\
Objectifs : renouer le contact avec les jeunes sans solution, les orienter vers l'emploi, \
la formation et l'accès aux droits, et leur donner un lieu qu'ils co-gèrent.";

/// Seeds the example unless it is there already; returns the login link of each person.
pub fn seed(conn: &mut PgConnection, settings: &Settings) -> Result<Vec<(String, String, Url)>> {
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        let seeded: i64 = organizations::table
            .filter(organizations::name.eq(ORGANIZATIONS[0].0))
            .count()
            .get_result(conn)?;
        if seeded == 0 {
            create_example(conn, settings.doc_max_bytes)
                .context("cannot seed the demonstration data")?;
        }
        let now = Utc::now();
        PEOPLE
            .iter()
            .map(|(email, name, org, _)| {
                let address = EmailAddress::parse("email", email)?;
                let token = links::create(conn, &address, None, now)?;
                let link = settings.link(&format!("/login?token={token}"));
                Ok((format!("{name} ({org})"), (*email).to_owned(), link))
            })
            .collect()
    })
}

fn create_example(conn: &mut PgConnection, doc_max_bytes: usize) -> Result<()> {
    let now = Utc::now();
    let mut org_ids = Vec::new();
    for (name, kind, territory) in ORGANIZATIONS {
        let org = Organization {
            id: Uuid::new_v4(),
            name: name.into(),
            kind: Some(kind.into()),
            territory: Some(territory.into()),
            created_at: now,
            name_key: Some(crate::domain::organization::name_key(name)),
            siren: None,
        };
        diesel::insert_into(organizations::table)
            .values(&org)
            .execute(conn)?;
        org_ids.push(org.id);
    }
    let mut user_ids = Vec::new();
    for (i, (email, name, _, role)) in PEOPLE.iter().enumerate() {
        let user = User {
            id: Uuid::new_v4(),
            email: (*email).into(),
            display_name: (*name).into(),
            locale: "fr".into(),
            created_at: now,
        };
        diesel::insert_into(users::table)
            .values(&user)
            .execute(conn)?;
        diesel::insert_into(memberships::table)
            .values(Membership {
                organization_id: org_ids[i],
                user_id: user.id,
                role: crate::domain::organization::Role::parse(role)
                    .context("a demonstration role")?,
                created_at: now,
                requested_at: None,
                decided_at: None,
                decided_by: None,
            })
            .execute(conn)?;
        user_ids.push(user.id);
    }
    let (mjc, ville, caf, centre, mission_locale) =
        (org_ids[0], org_ids[1], org_ids[2], org_ids[3], org_ids[4]);
    let project = Project {
        id: Uuid::new_v4(),
        title: "Accueil jeunes 16-25 ans — quartier des Merisiers".into(),
        summary: BRIEF.into(),
        initiator_organization_id: mjc,
        status: crate::domain::project::ProjectStatus::Concertation,
        created_by: user_ids[0],
        created_at: now - Duration::days(12),
        min_notice_days: crate::domain::partners_time::DEFAULT_MIN_NOTICE_DAYS as i32,
    };
    diesel::insert_into(projects::table)
        .values(project.clone())
        .execute(conn)?;
    document::create(conn, project.id, BRIEF)?;
    audit(
        conn,
        &project,
        user_ids[0],
        mjc,
        "project.created",
        mjc,
        json!({"title": project.title}),
    )?;

    // (organization, status, role, contact index, answered days ago)
    let partners = [
        (mjc, "accepted", None, 0, Some(12)),
        (
            ville,
            "accepted",
            Some("Mise à disposition du local et cofinancement"),
            1,
            Some(9),
        ),
        (
            centre,
            "accepted",
            Some("Repérage des jeunes et permanences d'accès aux droits"),
            3,
            Some(7),
        ),
        (
            caf,
            "invited",
            Some("Cofinancement au titre de la prestation de service jeunes"),
            2,
            None,
        ),
        (
            mission_locale,
            "declined",
            Some("Permanences emploi et formation"),
            4,
            Some(5),
        ),
    ];
    for (org, status, role, contact, answered) in partners {
        diesel::insert_into(partnerships::table)
            .values(Partnership {
                project_id: project.id,
                organization_id: org,
                status: crate::domain::partnership::PartnershipStatus::parse(status)
                    .context("a demonstration status")?,
                contact_email: (org != mjc).then(|| PEOPLE[contact].0.to_owned()),
                proposed_role: role.map(str::to_owned),
                invited_by: Some(user_ids[0]),
                invited_at: now - Duration::days(11),
                answered_at: answered.map(|d| now - Duration::days(d)),
                answered_by: answered.map(|_| user_ids[contact]),
                comment: (status == "declined")
                    .then(|| "Pas de moyens humains disponibles avant septembre.".to_owned()),
            })
            .execute(conn)?;
        if org != mjc {
            audit(
                conn,
                &project,
                user_ids[0],
                mjc,
                "partnership.invited",
                org,
                json!({"contact_email": PEOPLE[contact].0}),
            )?;
            if status != "invited" {
                let action = if status == "accepted" {
                    "partnership.accepted"
                } else {
                    "partnership.declined"
                };
                audit(
                    conn,
                    &project,
                    user_ids[contact],
                    org,
                    action,
                    org,
                    json!({}),
                )?;
            }
        }
    }

    let missions = [
        (
            mjc,
            "Porter le projet : recruter et encadrer l'animateur, coordonner les partenaires, \
               tenir l'accueil trois soirs par semaine (mardi, jeudi, vendredi, 17 h – 21 h).",
        ),
        (
            ville,
            "Mettre à disposition le local de la rue des Merisiers (entretien compris) et \
                 cofinancer le poste d'animateur à hauteur de 30 %.",
        ),
        (
            centre,
            "Orienter vers l'accueil les jeunes repérés, tenir une permanence d'accès aux \
                  droits un soir sur deux, participer au comité de suivi mensuel.",
        ),
    ];
    for (org, text) in missions {
        document::replace_mission(conn, project.id, org, user_ids[0], text, doc_max_bytes)?;
    }
    // The municipality agreed to its mission; the social centre has not yet.
    let doc = document::load(conn, project.id)?;
    let mission = doc.mission(ville);
    let agreement = Agreement {
        id: Uuid::new_v4(),
        project_id: project.id,
        organization_id: ville,
        subject: "mission".into(),
        subject_id: ville,
        content_hash: mission.content_hash.clone(),
        content: content::canonical_mission(ville, &mission.text),
        decision: "agree".into(),
        comment: Some("Validé en bureau municipal.".into()),
        user_id: user_ids[1],
        created_at: now - Duration::days(3),
    };
    diesel::insert_into(agreements::table)
        .values(&agreement)
        .execute(conn)?;
    audit(
        conn,
        &project,
        user_ids[1],
        ville,
        "agreement.recorded",
        ville,
        json!({"subject": "mission", "decision": "agree", "content_hash": mission.content_hash}),
    )?;
    Ok(())
}

fn audit(
    conn: &mut PgConnection,
    project: &Project,
    actor: Uuid,
    actor_org: Uuid,
    action: &'static str,
    organization: Uuid,
    details: serde_json::Value,
) -> QueryResult<()> {
    NewAuditEvent {
        project_id: Some(project.id),
        actor_user_id: Some(actor),
        actor_organization_id: Some(actor_org),
        action,
        organization_id: Some(organization),
        details,
    }
    .record(conn)
}
