//! Nothing a participant sends can break a project or the instance (issue 12, the edges). Each
//! test is an attack written out: a mail scanner opening every RSVP link, a feed address minted
//! by a GET, an office behind one NAT address, an initiator mailing attendees in a loop, a page
//! framed by another site, a body without its required field, instances migrating together.

use std::time::Duration;

use amont::db::schema::{audit_events, calendar_feeds, memberships};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actors::{Actor, status_and_body};
use crate::meetings::Scene;
use crate::smtp::Received;
use crate::support::TestApp;

/// Two (or four) instances of a rolling deploy start together on a fresh database: every one
/// of them must come up, and the schema be migrated once.
#[test]
fn instances_starting_together_migrate_once() {
    use diesel::Connection;
    for round in 0..3 {
        let name = format!("amont_race_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(crate::support::admin_url().as_str()).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap();
        let mut url = crate::support::admin_url().clone();
        url.set_path(&name);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let (url, barrier) = (url.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut conn = PgConnection::establish(url.as_str()).unwrap();
                    barrier.wait();
                    amont::db::migrate(&mut conn).map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        let results: Vec<Result<Vec<String>, String>> =
            starts.into_iter().map(|t| t.join().unwrap()).collect();
        let applied: usize = results
            .iter()
            .map(|r| r.as_ref().map(Vec::len).unwrap_or(0))
            .sum();
        let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
        assert!(failures.is_empty(), "round {round}: {failures:?}");
        let expected = {
            use diesel::migration::MigrationSource;
            MigrationSource::<diesel::pg::Pg>::migrations(&amont::db::MIGRATIONS)
                .unwrap()
                .len()
        };
        assert_eq!(
            applied, expected,
            "round {round}: each migration applied once"
        );
    }
}
