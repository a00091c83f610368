//! Organizations and memberships (`/api/organizations`).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::dsl::exists;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db;
use crate::db::models::{Membership, NewAuditEvent, Organization};
use crate::db::schema::{memberships, organizations, partnerships};
use crate::domain::input::{line, optional_line};
use crate::http::views::OrganizationView;
use crate::http::{ApiError, AppState};

/// The user's organizations with their role in each.
pub fn of_user(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<(Organization, String)>> {
    organizations::table
        .inner_join(memberships::table)
        .filter(memberships::user_id.eq(user_id))
        .order(organizations::name.asc())
        .select((Organization::as_select(), memberships::role))
        .load(conn)
}

/// An organization by name (case and surrounding blanks ignored), if it exists.
pub fn find_by_name(conn: &mut PgConnection, name: &str) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(btrim(name)) = lower(btrim(")
                .bind::<diesel::sql_types::Text, _>(name)
                .sql("))"),
        )
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

/// Creates an organization (the name being free).
pub fn insert(
    conn: &mut PgConnection,
    name: &str,
    kind: Option<String>,
    territory: Option<String>,
) -> QueryResult<Organization> {
    let org = Organization {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        kind,
        territory,
        created_at: Utc::now(),
    };
    diesel::insert_into(organizations::table)
        .values(&org)
        .execute(conn)?;
    Ok(org)
}

#[derive(Deserialize)]
pub struct NewOrganization {
    name: String,
    kind: Option<String>,
    territory: Option<String>,
}

/// `POST /api/organizations`: the caller becomes its admin.
pub async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<NewOrganization>,
) -> Result<HttpResponse, ApiError> {
    let name = line("name", &body.name, 200)?;
    let kind = optional_line("kind", body.kind.as_deref(), 100)?;
    let territory = optional_line("territory", body.territory.as_deref(), 200)?;
    let user_id = current.id();
    let org = db::run(&state.pool, move |conn| {
        conn.transaction::<_, ApiError, _>(|conn| {
            if let Some(existing) = find_by_name(conn, &name)? {
                return Err(ApiError::conflict(
                    "organization_exists",
                    "an organization with this name already exists; ask its members to add you",
                )
                .with("organization_id", json!(existing.id)));
            }
            let org = insert(conn, &name, kind, territory)?;
            diesel::insert_into(memberships::table)
                .values(Membership {
                    organization_id: org.id,
                    user_id,
                    role: "admin".into(),
                    created_at: Utc::now(),
                })
                .execute(conn)?;
            NewAuditEvent {
                project_id: None,
                actor_user_id: Some(user_id),
                actor_organization_id: Some(org.id),
                action: "organization.created",
                organization_id: Some(org.id),
                details: json!({"name": org.name}),
            }
            .record(conn)?;
            Ok(org)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(OrganizationView::with_role(&org, "admin")))
}

/// `GET /api/organizations/{id}`: visible to its members and to members of any organization that
/// takes part in a project with it.
pub async fn get(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let organization_id = path.into_inner();
    let user_id = current.id();
    let org = db::run(&state.pool, move |conn| {
        let visible: bool = diesel::select(exists(
            memberships::table
                .filter(memberships::organization_id.eq(organization_id))
                .filter(memberships::user_id.eq(user_id)),
        ))
        .get_result(conn)?
            || shares_a_project(conn, organization_id, user_id)?;
        if !visible {
            return Err(ApiError::NotFound);
        }
        organizations::table
            .find(organization_id)
            .select(Organization::as_select())
            .first(conn)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::Ok().json(OrganizationView::from(&org)))
}

fn shares_a_project(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
) -> QueryResult<bool> {
    let (theirs, mine) = diesel::alias!(partnerships as theirs, partnerships as mine);
    diesel::select(exists(
        theirs
            .inner_join(
                mine.on(mine
                    .field(partnerships::project_id)
                    .eq(theirs.field(partnerships::project_id))),
            )
            .inner_join(
                memberships::table
                    .on(memberships::organization_id.eq(mine.field(partnerships::organization_id))),
            )
            .filter(
                theirs
                    .field(partnerships::organization_id)
                    .eq(organization_id),
            )
            .filter(memberships::user_id.eq(user_id))
            .filter(
                mine.field(partnerships::status)
                    .eq_any(["invited", "accepted"]),
            ),
    ))
    .get_result(conn)
}
