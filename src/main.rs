//! The `amont` command: `serve`, `migrate`, `demo`, `db` for the private PostgreSQL cluster, and
//! `keys` and `verify` for proof of consent.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use amont::config::{Settings, redacted};
use amont::db::embedded::PrivateCluster;
use amont::http::{AppState, metrics::Metrics};
use amont::workflow::signing::{self, Signer};
use amont::workflow::{receipts, verification};
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
    /// The keys that sign consent receipts and attestations.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check a saved attestation or consent receipt (a JWS, or the verification page's JSON):
    /// says what it attests, or why it does not verify (exit status 1).
    Verify {
        /// The file (`-` for standard input).
        file: PathBuf,
        /// The instance's key set: a file, or a URL. Default: `<iss>/.well-known/jwks.json`,
        /// from the issuer the file names.
        #[arg(long)]
        jwks: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List every key of the published set.
    List,
    /// Retire the signing key and make a new one; the old one stays published, so what it
    /// signed keeps verifying.
    Rotate,
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
            prepare_signing(&mut *pool.get()?, &settings)?;
            Ok(())
        }
        Command::Demo => {
            let (url, _cluster) = database(&settings)?;
            let pool = db::connect(&url, 1)?;
            let mut conn = pool.get()?;
            db::migrate(&mut conn)?;
            print_demo(&amont::demo::seed(&mut conn, &settings)?);
            prepare_signing(&mut conn, &settings)?;
            Ok(())
        }
        Command::Db(DbCommand::Start { dir }) => {
            let cluster = PrivateCluster::start(&dir)?;
            println!("DATABASE_URL={}", cluster.url());
            cluster.detach();
            Ok(())
        }
        Command::Keys(command) => {
            let (url, _cluster) = database(&settings)?;
            let pool = db::connect(&url, 1)?;
            let mut conn = pool.get()?;
            db::migrate(&mut conn)?;
            keys(&mut conn, &settings, command)
        }
        Command::Verify { file, jwks } => verify(&file, jwks.as_deref()),
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

/// After the migrations: the signing key exists (made on the first start), and every consent
/// recorded before receipts existed gets its receipt, with its original date.
fn prepare_signing(conn: &mut diesel::PgConnection, settings: &Settings) -> Result<()> {
    let signer = Signer::new(settings);
    let kid = signing::ensure(conn, &signer).map_err(refusal)?;
    let signed = receipts::sign_missing(conn, &signer, None).map_err(refusal)?;
    tracing::info!(kid, receipts_signed = signed, "signing key ready");
    Ok(())
}

fn refusal(refusal: amont::workflow::Refusal) -> anyhow::Error {
    anyhow::anyhow!("{refusal}")
}

fn keys(conn: &mut diesel::PgConnection, settings: &Settings, command: KeysCommand) -> Result<()> {
    let signer = Signer::new(settings);
    match command {
        KeysCommand::List => {
            signing::ensure(conn, &signer).map_err(refusal)?;
            for key in signing::keys(conn).map_err(refusal)? {
                let state = match key.retired_at {
                    Some(at) => format!("retired {}", at.to_rfc3339()),
                    None if key.source == "file" => "from the key file".to_owned(),
                    None => "signing".to_owned(),
                };
                println!(
                    "{}  {}  created {}  {state}",
                    key.kid,
                    key.source,
                    key.created_at.to_rfc3339()
                );
            }
        }
        KeysCommand::Rotate => {
            let rotation = signing::rotate(conn, &signer).map_err(refusal)?;
            match rotation.retired {
                Some(old) => println!("retired {old} (still published)"),
                None => println!("there was no signing key yet"),
            }
            println!("signing with {}", rotation.created);
        }
    }
    Ok(())
}

/// `amont verify FILE [--jwks FILE_OR_URL]`.
fn verify(file: &std::path::Path, jwks: Option<&str>) -> Result<()> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let token = verification::token_in(&text)
        .ok_or_else(|| anyhow::anyhow!("{} holds no JWS", file.display()))?;
    let source = match jwks {
        Some(source) => source.to_owned(),
        None => {
            let issuer = amont::jose::unverified_claims(&token)
                .and_then(|claims| claims["iss"].as_str().map(str::to_owned))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "does not verify: it names no issuer; give the keys with --jwks"
                    )
                })?;
            let url = format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'));
            println!("Keys from the issuer the file names: {url}");
            url
        }
    };
    let keys: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&read_key_set(&source)?)
        .with_context(|| format!("{source} is not a JWK set"))?;
    let checked = verification::check(&token, &keys)
        .map_err(|reason| anyhow::anyhow!("does not verify: {reason}"))?;
    print!("{}", verification::describe(&checked));
    Ok(())
}

fn read_key_set(source: &str) -> Result<String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        return runtime.block_on(async {
            let response = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()?
                .get(source)
                .send()
                .await
                .with_context(|| format!("cannot fetch {source}"))?
                .error_for_status()
                .with_context(|| format!("cannot fetch {source}"))?;
            Ok(response.text().await?)
        });
    }
    std::fs::read_to_string(source).with_context(|| format!("cannot read {source}"))
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
    tracing::info!(
        database = %redacted(&url),
        migrations_applied = applied.len(),
        "database ready"
    );
    // A brand-new private cluster gets the demonstration data, so there is something to open.
    if cluster.as_ref().is_some_and(PrivateCluster::created_here) {
        print_demo(&amont::demo::seed(&mut *pool.get()?, &settings)?);
    }
    prepare_signing(&mut *pool.get()?, &settings)?;

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
        amont::mail::notices::spawn(
            pool.clone(),
            (*settings).clone(),
            mailer.clone(),
            std::time::Duration::from_secs(u64::from(settings.notice_every)),
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
