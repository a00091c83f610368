//! Queries of the users table: finding a user, creating one at first login, the profile.

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::User;
use crate::db::schema::{organizations, users};

/// A user by id.
pub fn by_id(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// A user by login address (stored lowercase).
pub fn by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Stores a new user.
pub fn insert(conn: &mut PgConnection, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

/// Changes what is given of a user's profile; returns the user as it is now.
pub fn update_profile(
    conn: &mut PgConnection,
    id: Uuid,
    display_name: Option<&str>,
    locale: Option<&str>,
) -> QueryResult<User> {
    if let Some(name) = display_name {
        diesel::update(users::table.find(id))
            .set(users::display_name.eq(name))
            .execute(conn)?;
    }
    if let Some(locale) = locale {
        diesel::update(users::table.find(id))
            .set(users::locale.eq(locale))
            .execute(conn)?;
    }
    users::table.find(id).select(User::as_select()).first(conn)
}

/// The names of organizations, by name (what a live document shows next to a person).
pub fn organization_names(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<String>> {
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .order(organizations::name)
        .select(organizations::name)
        .load(conn)
}

/// Display names of users, by id.
pub fn names(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<HashMap<Uuid, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect())
}

/// Display names of users, by login address (for those who have an account).
pub fn names_by_email(
    conn: &mut PgConnection,
    emails: &[String],
) -> QueryResult<HashMap<String, String>> {
    Ok(users::table
        .filter(users::email.eq_any(emails))
        .select((users::email, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
