//! The `amont` command: `serve`, `migrate`, `demo`, and `db` for the private PostgreSQL cluster.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use amont::config::{Settings, redacted};
use amont::db::embedded::PrivateCluster;
use amont::http::{AppState, metrics::Metrics};
use amont::{db, telemetry};

#[derive(Parser)]
#[command(
    name = "amont",
    version,
    about = "Amont — concertation-first meeting scheduler"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the migrations and run the HTTP server (and, without DATABASE_URL, a private
    /// PostgreSQL cluster under <data dir>/pg, stopped with the server).
    Serve,
    /// Apply the pending migrations and exit.
    Migrate,
    /// Seed demonstration data.
    Demo,
    /// Manage a private PostgreSQL cluster (used by the test command).
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Subcommand)]
enum DbCommand {
    /// Start (or reuse) the cluster in DIR and print `DATABASE_URL=…` for its `amont` database.
    Start { dir: PathBuf },
    /// Stop the cluster in DIR if it runs.
    Stop { dir: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, even when a cause (libpq's, say) spans several.
            let message = format!("{err:#}");
            let message: Vec<&str> = message.split_whitespace().collect();
            eprintln!("amont: {}", message.join(" "));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let settings = cli.settings;
    match cli.command {
        Command::Serve => serve(settings),
        Command::Migrate => {
            let (url, _cluster) = database(&settings)?;
            let pool = db::connect(&url, 1)?;
            let applied = db::migrate(&mut *pool.get()?)?;
            if applied.is_empty() {
                println!("The database is up to date.");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(())
        }
        Command::Demo => {
            let (url, _cluster) = database(&settings)?;
            let pool = db::connect(&url, 1)?;
            let mut conn = pool.get()?;
            db::migrate(&mut conn)?;
            print_demo(&amont::demo::seed(&mut conn, &settings)?);
            Ok(())
        }
        Command::Db(DbCommand::Start { dir }) => {
            let cluster = PrivateCluster::start(&dir)?;
            println!("DATABASE_URL={}", cluster.url());
            cluster.detach();
            Ok(())
        }
        Command::Db(DbCommand::Stop { dir }) => {
            if dir.join("data").join("postmaster.pid").exists() {
                let mut cluster = PrivateCluster::start(&dir)?;
                cluster.stop()?;
            }
            Ok(())
        }
    }
}

/// The database to use: `DATABASE_URL`, or the private cluster (returned so it lives as long as
/// the caller and is stopped when dropped).
fn database(settings: &Settings) -> Result<(url::Url, Option<PrivateCluster>)> {
    match &settings.database_url {
        Some(url) => Ok((url.clone(), None)),
        None => {
            let cluster = PrivateCluster::start(&settings.data_dir.join("pg"))?;
            Ok((cluster.url(), Some(cluster)))
        }
    }
}

fn print_demo(people: &[(String, String, url::Url)]) {
    println!("Demonstration project: « Accueil jeunes 16-25 ans — quartier des Merisiers ».");
    println!("Log in as (links valid 30 minutes; `amont demo` prints new ones):");
    for (who, email, link) in people {
        println!("  {who} <{email}>\n    {link}");
    }
}

fn serve(settings: Settings) -> Result<()> {
    // Bind first: a taken or forbidden address should fail before anything starts.
    let listener = TcpListener::bind(settings.bind)
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    let metrics_listener = settings
        .metrics_bind
        .map(|address| {
            TcpListener::bind(address)
                .with_context(|| format!("cannot listen on {address} (AMONT_METRICS_BIND)"))
        })
        .transpose()?;
    let (url, cluster) = database(&settings)?;
    let pool = db::connect(&url, 16)?;
    let applied = db::migrate(&mut *pool.get()?)?;
    tracing::info!(database = %redacted(&url), migrations_applied = applied.len(), "database ready");
    // A brand-new private cluster gets the demonstration data, so there is something to open.
    if cluster.as_ref().is_some_and(PrivateCluster::created_here) {
        print_demo(&amont::demo::seed(&mut *pool.get()?, &settings)?);
    }

    let settings = Arc::new(settings);
    let metrics = Metrics::new();
    let base_url = settings.base_url.clone();
    actix_web::rt::System::new().block_on(async move {
        let mailer = amont::mail::spawn(pool.clone(), &settings, &metrics.registry)?;
        amont::mail::digest::spawn(
            pool.clone(),
            (*settings).clone(),
            mailer.clone(),
            std::time::Duration::from_secs(10 * 60),
        );
        let live = amont::live::Live::start(
            &url,
            pool.clone(),
            amont::live::LiveOptions::from_settings(&settings),
            &metrics.registry,
        )?;
        let limits = amont::auth::RateLimits::from_settings(&settings);
        let state = AppState {
            pool,
            settings,
            metrics,
            mailer,
            limits,
            live,
        };
        let metrics_server = metrics_listener
            .map(|listener| {
                amont::http::metrics::serve(listener, state.metrics.clone(), state.pool.clone())
            })
            .transpose()?;
        let server = amont::http::serve(listener, state)?;
        tracing::info!(address = %base_url, "Amont is running");
        let metrics_handle = metrics_server.map(|server| {
            let handle = server.handle();
            actix_web::rt::spawn(server);
            handle
        });
        let served = server.await.context("the server failed");
        if let Some(handle) = metrics_handle {
            handle.stop(true).await;
        }
        served
    })?;
    drop(cluster);
    Ok(())
}
