//! Queries of the users table.

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::User;
use crate::db::schema::users;

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
