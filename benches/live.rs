//! Load benchmark of live co-editing: N clients in R rooms, each sending document updates at a
//! fixed rate; reports relay latency (sender to peer) p50/p99, delivery ratio, throughput and
//! the server's memory.
//!
//! `cargo bench --bench live -- [--rooms 100] [--clients 10] [--rate 4500] [--seconds 20]
//! [--warmup 3] [--server-cpu 0] [--client-cpu 1] [--pin-db] [--reference ws://127.0.0.1:1234]`, or
//! `cargo bench --bench live -- --cold-open 15000` for the time to open a document with a log, or
//! `cargo bench --bench live -- --convocation 20 --people 10` for a convocation of 200 people
//! (the request's time, and the outbox delivering them to a local SMTP server), or
//! `cargo bench --bench live -- --readiness 10 --people 2 --rates 100,200,400` for the
//! readiness of a meeting read at fixed rates (p50/p99 at each).
//!
//! `--runs N` measures N runs one after the other on the same server and rooms (new clients
//! each time; the server's RSS after each); `--grown U` gives every document U logged updates
//! before the clients connect; `--joiners J` adds J clients (one person each) that join during
//! the measured window, sync the whole document and then only receive (or, with
//! `--joiners-leave`, close at once): their time to the document and the relay latency to them
//! are reported apart.
//!
//! It starts the release `amont serve` pinned to `--server-cpu` (with `taskset`) on a fresh
//! database (`DATABASE_URL` is an admin URL; unset, a private cluster under `$TMPDIR`), seeds
//! the projects and one user per client, pins itself to `--client-cpu`, and drives the clients from one
//! thread (tokio-tungstenite + yrs, as real clients would). Every update is durable before it
//! is relayed, as always. With `--pin-db`, PostgreSQL (its postmaster and every process it has
//! forked, and so the backends it forks later) is pinned to `--server-cpu` too: everything
//! server-side on one core, the generator alone on the other. Without it PostgreSQL runs where
//! the kernel puts it, often beside the generator, which hides part of the cost. With
//! `--reference`, the same load goes to an already running reference y-websocket server instead
//! (rooms `bench-<pid>-<n>`, new ones on every run: that server keeps rooms in memory, and a
//! previous run's content would count again); give its pid with `--reference-pid` for its
//! memory. `cargo test` builds this target but runs nothing.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use amont::db::embedded::PrivateCluster;
use diesel::prelude::*;
use futures_util::{SinkExt, StreamExt};
use tokio::runtime::Builder;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use url::Url;
use uuid::Uuid;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Text, Transact, WriteTxn};

struct Options {
    rooms: usize,
    clients: usize,
    rate: f64,
    seconds: f64,
    warmup: f64,
    server_cpu: String,
    client_cpu: String,
    reference: Option<String>,
    reference_pid: Option<u32>,
    cold_open: Option<usize>,
    pin_db: bool,
    /// `--convocation P --people N`: P partners (the initiator included) of N people each.
    convocation: Option<(usize, usize)>,
    /// `--readiness P --people N`: the readiness of a meeting of P partners × N people, read
    /// at each of `--rates` requests per second.
    readiness: Option<(usize, usize)>,
    rates: Vec<f64>,
    /// Measured runs one after the other on the same server and rooms (each with new clients).
    runs: usize,
    /// Updates each document holds before the clients connect (ten writers' small inserts).
    grown: usize,
    /// Clients that join during the measured window (spread over it), one person each: they
    /// sync the whole document and then only receive.
    joiners: usize,
    /// `--joiners-leave`: each joiner closes once it holds the document (the cost of joining
    /// alone, without the fan-out growing with every joiner that stays).
    joiners_leave: bool,
}

fn options() -> Option<Options> {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then do nothing.
    if !args.iter().any(|a| a == "--bench") {
        return None;
    }
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let number = |name: &str, default: f64| {
        get(name)
            .map(|v| v.parse().expect("a number"))
            .unwrap_or(default)
    };
    Some(Options {
        rooms: number("--rooms", 100.0) as usize,
        clients: number("--clients", 10.0) as usize,
        rate: number("--rate", 4500.0),
        seconds: number("--seconds", 20.0),
        warmup: number("--warmup", 3.0),
        server_cpu: get("--server-cpu").unwrap_or_else(|| "0".into()),
        client_cpu: get("--client-cpu").unwrap_or_else(|| "1".into()),
        reference: get("--reference"),
        reference_pid: get("--reference-pid").map(|p| p.parse().expect("a pid")),
        cold_open: get("--cold-open").map(|n| n.parse().expect("a number of updates")),
        pin_db: args.iter().any(|a| a == "--pin-db"),
        convocation: get("--convocation").map(|p| {
            (
                p.parse().expect("a number of partners"),
                number("--people", 10.0) as usize,
            )
        }),
        readiness: get("--readiness").map(|p| {
            (
                p.parse().expect("a number of partners"),
                number("--people", 2.0) as usize,
            )
        }),
        rates: get("--rates")
            .unwrap_or_else(|| "50,100,200,400,800".into())
            .split(',')
            .map(|r| r.trim().parse().expect("requests per second"))
            .collect(),
        runs: (number("--runs", 1.0) as usize).max(1),
        grown: number("--grown", 0.0) as usize,
        joiners: number("--joiners", 0.0) as usize,
        joiners_leave: args.iter().any(|a| a == "--joiners-leave"),
    })
}

fn main() {
    let Some(options) = options() else {
        return;
    };
    if let Some(updates) = options.cold_open {
        cold_open(updates);
        return;
    }
    if let Some((partners, people)) = options.convocation {
        convocation(partners, people);
        return;
    }
    if let Some((partners, people)) = options.readiness {
        readiness(&options, partners, people);
        return;
    }
    pin_self(&options.client_cpu);

    let mut metrics_url = None;
    let editors = options.rooms * options.clients;
    let total = editors + options.joiners;
    // Client n (editors first, then joiners) is in room n % rooms, as `run` assigns them.
    let (targets, server, _cluster, _db) = match &options.reference {
        Some(url) => {
            let base = url.trim_end_matches('/');
            let rooms: Vec<String> = (0..options.rooms)
                .map(|n| format!("{base}/bench-{}-{n}", std::process::id()))
                .collect();
            if options.grown > 0 {
                let started = Instant::now();
                let grown = grown_states(options.rooms, options.grown);
                Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(send_states(&rooms, grown));
                println!(
                    "{} rooms given {} updates each in {:.1} s",
                    options.rooms,
                    options.grown,
                    started.elapsed().as_secs_f64()
                );
            }
            let targets: Vec<String> = (0..total)
                .map(|n| rooms[n % options.rooms].clone())
                .collect();
            (targets, None, None, None)
        }
        None => {
            let (admin, cluster) = admin_url();
            let db = BenchDb::create(&admin);
            let (tokens, projects) = seed(&db.url, options.rooms, total);
            if options.grown > 0 {
                let started = Instant::now();
                let mut conn = PgConnection::establish(db.url.as_str()).expect("bench connection");
                for project in &projects {
                    fill(&mut conn, *project, options.grown);
                }
                println!(
                    "{} documents given {} logged updates each in {:.1} s",
                    projects.len(),
                    options.grown,
                    started.elapsed().as_secs_f64()
                );
            }
            let (child, port) = start_server(&db.url, &options.server_cpu, None);
            println!(
                "idle server: RSS {:.1} MB",
                status_kb(child.0.id(), "VmRSS:") as f64 / 1024.0
            );
            if options.pin_db {
                let pinned = pin_database(&db.url, &options.server_cpu);
                println!(
                    "PostgreSQL pinned to CPU {} with the server ({pinned} processes)",
                    options.server_cpu
                );
            }
            metrics_url = Some(format!("http://127.0.0.1:{port}/metrics"));
            // Every client is a person of its own.
            let targets = tokens
                .iter()
                .enumerate()
                .map(|(n, token)| {
                    let project = projects[n % options.rooms];
                    format!("ws://127.0.0.1:{port}/ws/projects/{project}?token={token}")
                })
                .collect();
            (targets, Some(child), cluster, Some(db))
        }
    };
    let server_pid = server.as_ref().map(|c| c.0.id()).or(options.reference_pid);

    let runtime = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for n in 1..=options.runs {
        if options.runs > 1 {
            println!("--- run {n} of {}", options.runs);
        }
        let report = runtime.block_on(run(&options, targets.clone(), server_pid));
        println!("{report}");
        if let Some(pid) = server_pid {
            // Once the clients are gone (the rooms stay open for `idle_evict`).
            std::thread::sleep(Duration::from_secs(1));
            println!(
                "server RSS after the run: {:.1} MB",
                status_kb(pid, "VmRSS:") as f64 / 1024.0
            );
        }
    }
    // The server's own view of its group commits.
    if let Some(url) = metrics_url
        && let Ok(text) = runtime.block_on(async { reqwest::get(&url).await?.text().await })
    {
        let value = |name: &str| -> f64 {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        let commits = value("amont_live_append_seconds_count");
        println!(
            "group commits: {:.0}, mean {:.2} ms, mean {:.1} updates each",
            commits,
            value("amont_live_append_seconds_sum") / commits.max(1.0) * 1000.0,
            value("amont_live_append_batch_updates_sum") / commits.max(1.0),
        );
        let durable = |q: f64| bucket_quantile(&text, "amont_live_update_durable_seconds", q);
        let commit = |q: f64| bucket_quantile(&text, "amont_live_append_seconds", q);
        println!(
            "arrival in the room to durable (the server's histogram, bucket bounds, whole run): \
             p50 ≤ {} ms, p99 ≤ {} ms; one group commit: p50 ≤ {} ms, p99 ≤ {} ms",
            durable(0.5),
            durable(0.99),
            commit(0.5),
            commit(0.99),
        );
    }
    drop(server);
}

/// The small inserts of `writers` people appending to the brief in turn, as the load's clients
/// do: `updates` of them, each encoded on its own. The markers carry the time 0, before any
/// measured window.
fn grown_updates(updates: usize) -> Vec<Vec<u8>> {
    let writers: Vec<Doc> = (0..10).map(|_| Doc::new()).collect();
    (0..updates)
        .map(|n| {
            let doc = &writers[n % writers.len()];
            let mut txn = doc.transact_mut();
            let text = txn.get_or_insert_text("brief");
            let end = text.len(&txn);
            text.insert(&mut txn, end, &format!("#B{}.{n}.0#", n % 10));
            txn.encode_update_v1()
        })
        .collect()
}

/// Appends `updates` such updates to a project's log, 500 to a transaction.
fn fill(conn: &mut PgConnection, project_id: Uuid, updates: usize) {
    for chunk in grown_updates(updates).chunks(500) {
        let batch: Vec<amont::document::NewUpdate<'_>> = chunk
            .iter()
            .map(|update| amont::document::NewUpdate {
                project_id,
                user_id: None,
                update,
            })
            .collect();
        amont::document::append_batch(conn, &batch, "bench").expect("append");
    }
}

/// The state of a document grown by `updates` such updates, for each of `rooms` rooms.
fn grown_states(rooms: usize, updates: usize) -> Vec<Vec<u8>> {
    let updates = grown_updates(updates);
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        for update in &updates {
            txn.apply_update(yrs::Update::decode_v1(update).expect("an update"))
                .expect("applies");
        }
    }
    let state = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    vec![state; rooms]
}

/// Gives each room of the reference server its grown state (a sync step 2 from one client).
async fn send_states(rooms: &[String], states: Vec<Vec<u8>>) {
    for (room, state) in rooms.iter().zip(states) {
        let (mut socket, _) = tokio_tungstenite::connect_async(room.as_str())
            .await
            .expect("the reference server");
        let frame = Message::Sync(SyncMessage::SyncStep2(state)).encode_v1();
        socket
            .send(WsMessage::Binary(frame.into()))
            .await
            .expect("sent");
        // Its own sync step 1 back tells the server has read what came before.
        let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
        socket
            .send(WsMessage::Binary(step1.into()))
            .await
            .expect("sent");
        while let Some(Ok(message)) = socket.next().await {
            if let WsMessage::Binary(data) = message
                && data.len() > 1
                && data[0] == 0
                && data[1] == 1
            {
                break;
            }
        }
        let _ = socket.close(None).await;
    }
}

/// `--cold-open N`: how long opening a document takes with N updates in its log (what a room
/// does when its first client arrives), then after compaction — the figure behind the
/// compaction threshold. The updates are like the load's: ten writers appending to the brief.
fn cold_open(updates: usize) {
    let (admin, _cluster) = admin_url();
    let db = BenchDb::create(&admin);
    let (_, projects) = seed(&db.url, 1, 0);
    let project_id = projects[0];
    let mut conn = PgConnection::establish(db.url.as_str()).expect("bench connection");
    fill(&mut conn, project_id, updates);
    let time_load = |conn: &mut PgConnection| {
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                amont::document::load(conn, project_id).expect("load");
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[2]
    };
    let before = time_load(&mut conn);
    let started = Instant::now();
    amont::document::compact(&mut conn, project_id).expect("compact");
    let compaction = started.elapsed().as_secs_f64() * 1000.0;
    let after = time_load(&mut conn);
    let size: i64 = documents_size(&mut conn, project_id);
    println!(
        "cold open with {updates} logged updates: {before:.1} ms (median of 5); compaction \
         {compaction:.1} ms; after it: {after:.1} ms (snapshot {size} bytes)"
    );
}

fn documents_size(conn: &mut PgConnection, project_id: Uuid) -> i64 {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(
        "SELECT octet_length(snapshot)::bigint AS n FROM documents WHERE project_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(project_id)
    .get_result::<Size>(conn)
    .expect("the document")
    .n
}

/// The server process and its data folder, both gone when dropped.
struct Server(Child, std::path::PathBuf);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn admin_url() -> (Url, Option<PrivateCluster>) {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => (Url::parse(&url).expect("DATABASE_URL"), None),
        _ => {
            let dir = std::env::temp_dir().join("amont-bench-pg");
            let cluster = PrivateCluster::start(&dir).expect("private cluster");
            (cluster.url(), Some(cluster))
        }
    }
}

struct BenchDb {
    admin: Url,
    name: String,
    url: Url,
}

impl BenchDb {
    fn create(admin: &Url) -> BenchDb {
        let name = format!("amont_bench_{}", std::process::id());
        let mut conn = PgConnection::establish(admin.as_str()).expect("admin connection");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("bench database");
        let mut url = admin.clone();
        url.set_path(&name);
        let mut conn = PgConnection::establish(url.as_str()).expect("bench connection");
        amont::db::migrate(&mut conn).expect("migrations");
        BenchDb {
            admin: admin.clone(),
            name,
            url,
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(self.admin.as_str()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// One organization with `users` people (each with an API token, as every client of a room is
/// someone else: per-user limits apply to people, not to rooms) and `rooms` projects; the
/// tokens and the project ids.
fn seed(url: &Url, rooms: usize, users: usize) -> (Vec<String>, Vec<Uuid>) {
    use diesel::sql_types::{Text as SqlText, Uuid as SqlUuid};
    let mut conn = PgConnection::establish(url.as_str()).expect("bench connection");
    let org = Uuid::new_v4();
    diesel::sql_query("INSERT INTO organizations (id, name) VALUES ($1, 'Bench')")
        .bind::<SqlUuid, _>(org)
        .execute(&mut conn)
        .unwrap();
    let mut tokens = Vec::new();
    let mut creator = None;
    for n in 0..users.max(1) {
        let user = Uuid::new_v4();
        diesel::sql_query("INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)")
            .bind::<SqlUuid, _>(user)
            .bind::<SqlText, _>(format!("bench{n}@example.org"))
            .bind::<SqlText, _>(format!("Bench {n}"))
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(
            "INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'admin')",
        )
        .bind::<SqlUuid, _>(org)
        .bind::<SqlUuid, _>(user)
        .execute(&mut conn)
        .unwrap();
        tokens.push(amont::auth::sessions::create(&mut conn, user, chrono::Utc::now()).unwrap());
        creator.get_or_insert(user);
    }
    let creator = creator.expect("at least one user");
    let mut projects = Vec::new();
    for i in 0..rooms {
        let id = Uuid::new_v4();
        diesel::sql_query(
            "INSERT INTO projects (id, title, initiator_organization_id, created_by) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<SqlText, _>(format!("Bench {i}"))
        .bind::<SqlUuid, _>(org)
        .bind::<SqlUuid, _>(creator)
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "INSERT INTO partnerships (project_id, organization_id, status) VALUES ($1, $2, 'accepted')",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(org)
        .execute(&mut conn)
        .unwrap();
        amont::document::create(&mut conn, id, "Un brief.").unwrap();
        projects.push(id);
    }
    (tokens, projects)
}

/// Pins PostgreSQL to `cpu`: the postmaster of the database at `url` and every process it has
/// forked (the backends it forks later inherit its affinity). Returns how many were pinned.
fn pin_database(url: &Url, cpu: &str) -> usize {
    #[derive(QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let mut conn = PgConnection::establish(url.as_str()).expect("the bench database");
    let backend: Backend = diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result(&mut conn)
        .expect("the backend's pid");
    let parent = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid …": the name may hold spaces, so read after its ')'.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let postmaster = parent(backend.pid as u32).expect("PostgreSQL runs on this machine");
    let mut pids = vec![postmaster];
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        if let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>()
            && parent(pid) == Some(postmaster)
        {
            pids.push(pid);
        }
    }
    for pid in &pids {
        let status = Command::new("taskset")
            .args(["-a", "-pc", cpu, &pid.to_string()])
            .stdout(Stdio::null())
            .status()
            .expect("taskset runs");
        assert!(
            status.success(),
            "taskset could not pin PostgreSQL's process {pid}"
        );
    }
    pids.len()
}

/// Pins every thread of this process to `cpu` (those created later inherit it).
fn pin_self(cpu: &str) {
    let pinned = Command::new("taskset")
        .args(["-a", "-pc", cpu, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .expect("taskset runs");
    assert!(pinned.success(), "taskset failed");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_server(url: &Url, cpu: &str, smtp: Option<&str>) -> (Server, u16) {
    let port = free_port();
    let data_dir = std::env::temp_dir().join(format!("amont-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data_dir).expect("the server's data folder");
    let mut command = Command::new("taskset");
    command.args(["-c", cpu]);
    // A profiler to run the server under (`AMONT_BENCH_WRAPPER="heaptrack -o /tmp/amont"`).
    if let Ok(wrapper) = std::env::var("AMONT_BENCH_WRAPPER") {
        command.args(wrapper.split_whitespace());
    }
    command
        .args([env!("CARGO_BIN_EXE_amont"), "serve"])
        .env("DATABASE_URL", url.as_str())
        .env("AMONT_BIND", format!("127.0.0.1:{port}"))
        .env("AMONT_DATA_DIR", &data_dir)
        .env("AMONT_STATIC_DIR", &data_dir)
        .env("RUST_LOG", "warn");
    match smtp {
        Some(smtp) => command.env("SMTP_URL", smtp),
        None => command.env_remove("SMTP_URL"),
    };
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("amont serve starts");
    let server = Server(child, data_dir);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

/// What all clients observed.
#[derive(Default)]
struct Observed {
    /// Relay latencies in microseconds, for updates sent in the measured window.
    latencies: Vec<u32>,
    /// The same, each with when its update was sent (ms since the start of the window).
    timeline: Vec<(u32, u32)>,
    /// Updates sent in the measured window.
    sent: u64,
    /// Updates received by peers, sent in the measured window.
    received: u64,
    closed: u64,
    /// Joiners' time from connecting to holding the document (sync step 2), in microseconds.
    joined: Vec<u32>,
    /// Relay latencies to joiners once synced, in microseconds.
    to_joiners: Vec<u32>,
}

async fn run(options: &Options, targets: Vec<String>, server_pid: Option<u32>) -> String {
    let epoch = Instant::now();
    let total = options.rooms * options.clients;
    let period = Duration::from_secs_f64(total as f64 / options.rate);
    let start_at = Duration::from_secs(2) + Duration::from_millis(total as u64 * 2);
    let window = (
        start_at + Duration::from_secs_f64(options.warmup),
        start_at + Duration::from_secs_f64(options.warmup + options.seconds),
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let observed = Arc::new(Mutex::new(Observed::default()));
    let ready = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    // What every client shares: editors then set their first tick, joiners when they come
    // (they send nothing: their first tick would be the end of the window).
    let base = |id: u64, target: String| Client {
        id,
        target,
        period,
        first_send: window.1,
        joins_at: None,
        leaves: false,
        window,
        epoch,
        stop: stopped.clone(),
        observed: observed.clone(),
        ready: ready.clone(),
    };
    let mut targets = targets.into_iter();
    for (n, target) in targets.by_ref().enumerate().take(total) {
        let client = Client {
            // Spread the clients' ticks over one period.
            first_send: start_at + period.mul_f64(n as f64 / total as f64),
            ..base(n as u64, target)
        };
        tasks.push(tokio::spawn(client.run()));
        if n % 50 == 49 {
            tokio::task::yield_now().await;
        }
    }
    // The joiners, spread over the measured window but its last second.
    let joining = (window.1 - window.0).saturating_sub(Duration::from_secs(1));
    for (n, target) in targets.take(options.joiners).enumerate() {
        let client = Client {
            joins_at: Some(window.0 + joining.mul_f64(n as f64 / options.joiners as f64)),
            leaves: options.joiners_leave,
            ..base((total + n) as u64, target)
        };
        tasks.push(tokio::spawn(client.run()));
    }
    // How late this generator's own loop runs: a task that asks to wake every millisecond and
    // records by how much it overslept during the window (a stall here is not the server's).
    let lag = {
        let stop = stopped.clone();
        tokio::spawn(async move {
            let mut late = Vec::new();
            loop {
                let asked = Instant::now() + Duration::from_millis(1);
                tokio::select! {
                    _ = tokio::time::sleep_until(asked.into()) => {}
                    _ = wait_stop(stop.clone()) => break,
                }
                let now = epoch.elapsed();
                if now >= window.0 && now < window.1 {
                    late.push(asked.elapsed().as_micros() as u32);
                }
            }
            late.sort_unstable();
            late
        })
    };
    // Sample the server's memory during the measured window.
    let mut rss_max = 0u64;
    let mut cpu_start: Option<(u64, u64, (u64, u64))> = None;
    let mut cpu_end = (0u64, 0u64, (0u64, 0u64));
    let own_pid = std::process::id();
    let end = window.1 + Duration::from_secs(2);
    while epoch.elapsed() < end {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Some(pid) = server_pid
            && epoch.elapsed() > window.0
        {
            rss_max = rss_max.max(status_kb(pid, "VmRSS:"));
            if epoch.elapsed() < window.1 {
                let now = (cpu_ticks(pid), cpu_ticks(own_pid), machine_ticks());
                cpu_start.get_or_insert(now);
                cpu_end = now;
            }
        }
    }
    // Clock ticks are 1/100 s on Linux; the samples span about the measured window.
    let cpu_start = cpu_start.unwrap_or(cpu_end);
    let span = (options.seconds - 0.25).max(0.25);
    let server_cpu = cpu_end.0.saturating_sub(cpu_start.0) as f64 / 100.0 / span;
    let own_cpu = cpu_end.1.saturating_sub(cpu_start.1) as f64 / 100.0 / span;
    let machine_total = (cpu_end.2.0.saturating_sub(cpu_start.2.0)).max(1) as f64;
    let machine_busy = cpu_end.2.1.saturating_sub(cpu_start.2.1) as f64 / machine_total;
    let hwm = server_pid.map(|p| status_kb(p, "VmHWM:")).unwrap_or(0);
    let _ = stop.send(true);
    for task in tasks {
        let _ = task.await;
    }
    let lag = lag.await.unwrap_or_default();
    let connected = ready.load(Ordering::SeqCst);
    let mut observed = observed.lock().await;
    let tail = tail_over_time(&observed.timeline, &observed.latencies);
    observed.latencies.sort_unstable();
    observed.joined.sort_unstable();
    observed.to_joiners.sort_unstable();
    let pct = |p: f64| percentile(&observed.latencies, p);
    let expected = observed.sent * (options.clients as u64 - 1);
    let seconds = options.seconds;
    let joins = if options.joiners > 0 {
        format!(
            "\njoiners {} of {}: time to the document (connect to sync step 2) p50 {:.1} ms, p99 \
             {:.1} ms, max {:.1} ms; relay to the joiners p50 {:.2} ms, p99 {:.2} ms ({} updates)",
            observed.joined.len(),
            options.joiners,
            percentile(&observed.joined, 0.5),
            percentile(&observed.joined, 0.99),
            percentile(&observed.joined, 1.0),
            percentile(&observed.to_joiners, 0.5),
            percentile(&observed.to_joiners, 0.99),
            observed.to_joiners.len(),
        )
    } else {
        String::new()
    };
    format!(
        "rooms {} × clients {} ({} connected), offered {:.0} updates/s for {:.0} s (after {:.0} s warm-up)\n\
         sent {:.0} updates/s, relayed {:.0} messages/s received\n\
         relay latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n\
         delivery {}/{} = {:.5}, connections closed early: {}\n\
         server memory: max RSS in window {:.1} MB, peak (VmHWM) {:.1} MB; server CPU {:.0}% of one core\n\
         load generator CPU {:.0}% of one core; whole machine busy {:.0}% (PostgreSQL and the kernel included)\n\
         the generator's own lateness (a 1 ms timer): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n\
         {}{}",
        options.rooms,
        options.clients,
        connected,
        options.rate,
        seconds,
        options.warmup,
        observed.sent as f64 / seconds,
        observed.received as f64 / seconds,
        pct(0.5),
        pct(0.99),
        pct(1.0),
        observed.received,
        expected,
        observed.received as f64 / expected.max(1) as f64,
        observed.closed,
        rss_max as f64 / 1024.0,
        hwm as f64 / 1024.0,
        server_cpu * 100.0,
        own_cpu * 100.0,
        machine_busy * 100.0,
        percentile(&lag, 0.5),
        percentile(&lag, 0.99),
        percentile(&lag, 1.0),
        tail,
        joins,
    )
}

async fn wait_stop(mut stop: tokio::sync::watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

/// Where the tail is in time: the latencies over the p99, counted by the 100 ms of the window
/// their update was sent in — spread out, or a few bursts.
fn tail_over_time(timeline: &[(u32, u32)], latencies: &[u32]) -> String {
    if latencies.is_empty() {
        return "no latencies".into();
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let p99 = sorted[((sorted.len() - 1) as f64 * 0.99).round() as usize];
    let mut by_slice: std::collections::BTreeMap<u32, u32> = Default::default();
    for (sent_ms, latency) in timeline {
        if *latency > p99 {
            *by_slice.entry(sent_ms / 100).or_default() += 1;
        }
    }
    let over: u32 = by_slice.values().sum();
    let mut slices: Vec<(u32, u32)> = by_slice.into_iter().collect();
    slices.sort_by_key(|s| std::cmp::Reverse(s.1));
    let worst: u32 = slices.iter().take(10).map(|s| s.1).sum();
    let seconds: Vec<String> = slices
        .iter()
        .take(10)
        .map(|(slice, n)| format!("{:.1} s: {n}", *slice as f64 / 10.0))
        .collect();
    format!(
        "the tail over time: {over} latencies over the p99, in {} slices of 100 ms; the worst 10 \
         slices hold {:.0} % of them ({})",
        slices.len(),
        100.0 * worst as f64 / over.max(1) as f64,
        seconds.join(", ")
    )
}

/// The upper bound, in milliseconds, of the bucket of a Prometheus histogram in `text` that
/// holds its `q` quantile.
fn bucket_quantile(text: &str, name: &str, q: f64) -> String {
    let prefix = format!("{name}_bucket{{le=\"");
    let buckets: Vec<(String, f64)> = text
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| {
            let (bound, count) = rest.split_once("\"} ")?;
            Some((bound.to_owned(), count.trim().parse().ok()?))
        })
        .collect();
    let total = buckets.last().map_or(0.0, |b| b.1);
    buckets
        .iter()
        .find(|(_, count)| *count >= q * total)
        .map(|(bound, _)| match bound.parse::<f64>() {
            Ok(seconds) => format!("{}", seconds * 1000.0),
            Err(_) => bound.clone(),
        })
        .unwrap_or_else(|| "?".into())
}

/// The `p` quantile of sorted microseconds, in milliseconds.
fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The machine's CPU time, all cores, in clock ticks: (total, busy = total − idle − iowait).
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total, total.saturating_sub(idle))
}

/// User + system CPU time of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces) start at field 3.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: u64 = fields.get(11)?.parse().ok()?;
            let system: u64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0)
}

struct Client {
    id: u64,
    target: String,
    period: Duration,
    first_send: Duration,
    /// A joiner: when it connects (it sends nothing).
    joins_at: Option<Duration>,
    /// A joiner that closes once it holds the document.
    leaves: bool,
    window: (Duration, Duration),
    epoch: Instant,
    stop: tokio::sync::watch::Receiver<bool>,
    observed: Arc<Mutex<Observed>>,
    ready: Arc<AtomicU64>,
}

impl Client {
    async fn run(mut self) {
        // tungstenite zero-fills its read buffer up to `read_buffer_size` (128 KiB by default)
        // on every read: with small frames that memset was a third of this generator's core.
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(4096)
            .max_message_size(Some(64 << 20));
        if let Some(at) = self.joins_at {
            tokio::select! {
                _ = tokio::time::sleep_until((self.epoch + at).into()) => {}
                _ = self.stop.changed() => return,
            }
        }
        let connecting = Instant::now();
        let mut synced = false;
        let mut to_joiner = Vec::new();
        let Ok((socket, _)) =
            tokio_tungstenite::connect_async_with_config(&self.target, Some(config), true).await
        else {
            self.observed.lock().await.closed += 1;
            return;
        };
        self.ready.fetch_add(1, Ordering::SeqCst);
        let (mut sink, mut stream) = socket.split();
        let doc = Doc::new();
        let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
        if sink.send(WsMessage::Binary(step1.into())).await.is_err() {
            return;
        }
        let mut latencies = Vec::new();
        let mut timeline = Vec::new();
        let (mut sent, mut received) = (0u64, 0u64);
        let mut seq = 0u64;
        let mut next = self.epoch + self.first_send;
        let end_of_sending = self.epoch + self.window.1;
        // One timer for the whole run, reset after each send (the generator's own cost is part
        // of every latency it measures).
        let tick = tokio::time::sleep_until(next.into());
        tokio::pin!(tick);
        let mut closed = false;
        loop {
            tokio::select! {
                biased;
                _ = self.stop.changed() => break,
                _ = &mut tick, if next < end_of_sending => {
                    next += self.period;
                    tick.as_mut().reset(next.into());
                    let sent_at = self.epoch.elapsed();
                    let update = {
                        let mut txn = doc.transact_mut();
                        let text = txn.get_or_insert_text("brief");
                        let end = text.len(&txn);
                        let marker = format!("#B{}.{}.{}#", self.id, seq, sent_at.as_micros());
                        text.insert(&mut txn, end, &marker);
                        txn.encode_update_v1()
                    };
                    seq += 1;
                    if sent_at >= self.window.0 && sent_at < self.window.1 {
                        sent += 1;
                    }
                    let frame = Message::Sync(SyncMessage::Update(update)).encode_v1();
                    if sink.send(WsMessage::Binary(frame.into())).await.is_err() {
                        closed = true;
                        break;
                    }
                }
                message = stream.next() => match message {
                    Some(Ok(WsMessage::Binary(data))) => {
                        let now = self.epoch.elapsed().as_micros() as u64;
                        if data.len() > 2 && data[0] == 0 && data[1] == 0 {
                            // The server's sync step 1: answer with what we have.
                            let reply = Message::Sync(SyncMessage::SyncStep2(
                                doc.transact().encode_state_as_update_v1(&StateVector::default()),
                            ))
                            .encode_v1();
                            let _ = sink.send(WsMessage::Binary(reply.into())).await;
                            continue;
                        }
                        if data.len() > 1 && data[0] == 0 && data[1] == 1 {
                            // The answer to our sync step 1: the document so far, whose
                            // markers are not relays.
                            if !synced && self.joins_at.is_some() {
                                let took = connecting.elapsed().as_micros() as u32;
                                self.observed.lock().await.joined.push(took);
                                if self.leaves {
                                    let _ = sink.close().await;
                                    break;
                                }
                            }
                            synced = true;
                            continue;
                        }
                        for (sender, sent_micros) in markers(&data) {
                            // The reference server echoes updates to their sender too.
                            if sender == self.id {
                                continue;
                            }
                            let sent_at = Duration::from_micros(sent_micros);
                            if self.joins_at.is_some() {
                                if synced && sent_at >= self.window.0 && sent_at < self.window.1 {
                                    to_joiner.push((now.saturating_sub(sent_micros)) as u32);
                                }
                            } else if sent_at >= self.window.0 && sent_at < self.window.1 {
                                received += 1;
                                let latency = (now.saturating_sub(sent_micros)) as u32;
                                latencies.push(latency);
                                let since = (sent_at - self.window.0).as_millis() as u32;
                                timeline.push((since, latency));
                            }
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        closed = true;
                        break;
                    }
                },
            }
        }
        let mut observed = self.observed.lock().await;
        observed.latencies.extend(latencies);
        observed.timeline.extend(timeline);
        observed.to_joiners.extend(to_joiner);
        observed.sent += sent;
        observed.received += received;
        if closed {
            observed.closed += 1;
        }
    }
}

/// The `#B<client>.<seq>.<micros>#` markers in a relayed update: (sender, send time in µs).
fn markers(data: &[u8]) -> Vec<(u64, u64)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 2 < data.len() {
        if data[i] == b'#' && data[i + 1] == b'B' {
            let rest = &data[i + 2..];
            if let Some(end) = rest.iter().position(|b| *b == b'#') {
                let mut parts = rest[..end].split(|b| *b == b'.');
                if let (Some(client), Some(_seq), Some(micros), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                    && let (Some(client), Some(micros)) = (decimal(client), decimal(micros))
                {
                    found.push((client, micros));
                }
                i += end + 3;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// An unsigned decimal number written in ASCII digits.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, d| {
        d.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
            .flatten()
    })
}

/// `--convocation P --people N`: a project of P partners (the initiator included) with N people
/// each, all of whom answered the poll (so each partner is represented by its N people), made
/// ready through the API; then the convocation of the P × N attendees is timed, and the outbox
/// delivering them to a local SMTP server that accepts and discards (Debian's python3-aiosmtpd).
fn convocation(partners: usize, people: usize) {
    let (admin, _cluster) = admin_url();
    let db = BenchDb::create(&admin);
    let smtp_port = free_port();
    // Debian's python (python3-aiosmtpd), not one a version manager put first on PATH.
    let python = if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let mut smtp = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{smtp_port}"))
        .args(["-c", "aiosmtpd.handlers.Sink"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m aiosmtpd (apt-get install python3-aiosmtpd)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", smtp_port)).is_err() {
        assert!(Instant::now() < deadline, "the SMTP server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let (server, port) = start_server(&db.url, "0-1", Some(&smtp_url));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(convene_many(&db.url, port, partners, people));
    drop(server);
    let _ = smtp.kill();
    let _ = smtp.wait();
}

/// A person calling the API with a session of their own.
struct Caller {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Caller {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let response = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }
}

/// `count` people with a session, members of `organization` (when given).
fn people_of(
    url: &Url,
    base: &str,
    prefix: &str,
    count: usize,
    organization: Option<Uuid>,
) -> Vec<Caller> {
    use diesel::sql_types::{Text as SqlText, Uuid as SqlUuid};
    let mut conn = PgConnection::establish(url.as_str()).expect("bench connection");
    (0..count)
        .map(|n| {
            let user = Uuid::new_v4();
            diesel::sql_query("INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)")
                .bind::<SqlUuid, _>(user)
                .bind::<SqlText, _>(format!("{prefix}-{n}@bench.example"))
                .bind::<SqlText, _>(format!("{prefix} {n}"))
                .execute(&mut conn)
                .unwrap();
            if let Some(org) = organization {
                diesel::sql_query(
                    "INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'member')",
                )
                .bind::<SqlUuid, _>(org)
                .bind::<SqlUuid, _>(user)
                .execute(&mut conn)
                .unwrap();
            }
            let token = amont::auth::sessions::create(&mut conn, user, chrono::Utc::now()).unwrap();
            Caller {
                client: reqwest::Client::new(),
                base: base.to_owned(),
                token,
            }
        })
        .collect()
}

/// The organizations of a meeting made ready for its convocation through the API (each with
/// its people, the initiator's first), and the meeting's id.
async fn ready_meeting(
    url: &Url,
    port: u16,
    partners: usize,
    people: usize,
) -> (Vec<(Uuid, Vec<Caller>)>, String) {
    use reqwest::Method;
    use serde_json::json;
    let base = format!("http://127.0.0.1:{port}");
    let set_up = Instant::now();
    // The initiator's organization, then its other people.
    let ines = people_of(url, &base, "initiateur", 1, None).remove(0);
    let mjc = ines
        .call(
            Method::POST,
            "/api/organizations",
            json!({"name": "Initiateur"}),
        )
        .await;
    let mjc: Uuid = mjc["id"].as_str().unwrap().parse().unwrap();
    let project = ines
        .call(
            Method::POST,
            "/api/projects",
            json!({"title": "Convocation de masse", "summary": "Bench.", "initiator_organization_id": mjc}),
        )
        .await;
    let project: Uuid = project["id"].as_str().unwrap().parse().unwrap();
    ines.call(
        Method::PATCH,
        &format!("/api/projects/{project}"),
        json!({"min_notice_days": 0}),
    )
    .await;
    let mut orgs: Vec<(Uuid, Vec<Caller>)> = Vec::new();
    let mut mjc_people = vec![ines];
    mjc_people.extend(people_of(url, &base, "mjc", people - 1, Some(mjc)));
    orgs.push((mjc, mjc_people));
    for k in 1..partners {
        let invited = orgs[0].1[0]
            .call(
                Method::POST,
                &format!("/api/projects/{project}/partners"),
                json!({"organization_name": format!("Partenaire {k}"), "contact_email": format!("contact{k}@bench.example")}),
            )
            .await;
        let org: Uuid = invited["organization_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let members = people_of(url, &base, &format!("p{k}"), people, Some(org));
        members[0]
            .call(
                Method::POST,
                &format!("/api/projects/{project}/partners/{org}/answer"),
                json!({"decision": "accept"}),
            )
            .await;
        orgs.push((org, members));
    }
    for (org, members) in &orgs {
        let path = format!("/api/projects/{project}/missions/{org}");
        let mission = members[0]
            .call(Method::PUT, &path, json!({"text": "Participer."}))
            .await;
        members[0]
            .call(
                Method::POST,
                &format!("{path}/agreement"),
                json!({"content_hash": mission["content_hash"], "decision": "agree"}),
            )
            .await;
    }
    let ines = &orgs[0].1[0];
    let meeting = ines
        .call(
            Method::POST,
            &format!("/api/projects/{project}/meetings"),
            json!({"title": "Comité élargi", "duration_minutes": 90, "timezone": "Europe/Paris"}),
        )
        .await;
    let meeting = meeting["id"].as_str().unwrap().to_owned();
    let starts_at = chrono::Utc::now() + chrono::Duration::days(30);
    let slot = ines
        .call(
            Method::POST,
            &format!("/api/meetings/{meeting}/slots"),
            json!({"starts_at": starts_at}),
        )
        .await;
    let slot = slot["id"].as_str().unwrap().to_owned();
    for (_, members) in &orgs {
        for person in members {
            person
                .call(
                    Method::PUT,
                    &format!("/api/meetings/{meeting}/availability"),
                    json!({"answers": {slot.clone(): "yes"}}),
                )
                .await;
        }
    }
    ines.call(
        Method::POST,
        &format!("/api/meetings/{meeting}/slot"),
        json!({"slot_id": slot}),
    )
    .await;
    let agenda = ines
        .call(
            Method::PUT,
            &format!("/api/meetings/{meeting}/agenda"),
            json!({"items": [{"title": "Tour de table", "duration_min": 30}]}),
        )
        .await;
    for (_, members) in &orgs {
        members[0]
            .call(
                Method::POST,
                &format!("/api/meetings/{meeting}/agenda/agreement"),
                json!({"content_hash": agenda["content_hash"], "decision": "agree"}),
            )
            .await;
    }
    ines.call(
        Method::POST,
        &format!("/api/meetings/{meeting}/concertation"),
        json!({"summary": "Prête."}),
    )
    .await;
    println!(
        "{partners} partners × {people} people made ready through the API in {:.1} s",
        set_up.elapsed().as_secs_f64()
    );
    (orgs, meeting)
}

async fn convene_many(url: &Url, port: u16, partners: usize, people: usize) {
    use reqwest::Method;
    use serde_json::json;
    let (orgs, meeting) = ready_meeting(url, port, partners, people).await;
    let ines = &orgs[0].1[0];
    // Only the convocation's messages count from here.
    let mut conn = PgConnection::establish(url.as_str()).expect("bench connection");
    let before: i64 = outbox_ids(&mut conn);
    let started = Instant::now();
    let convened = ines
        .call(
            Method::POST,
            &format!("/api/meetings/{meeting}/convocation"),
            json!({}),
        )
        .await;
    let request = started.elapsed();
    let recipients = convened["recipients"].as_array().map_or(0, Vec::len);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (sent, waiting) = outbox_progress(&mut conn, before);
        if waiting == 0 && sent > 0 {
            let delivered = started.elapsed();
            println!(
                "convocation: {recipients} recipients, request {:.0} ms; {sent} messages delivered \
                 to the SMTP server {:.2} s after the request ({:.0} messages/s)",
                request.as_secs_f64() * 1000.0,
                delivered.as_secs_f64(),
                sent as f64 / delivered.as_secs_f64(),
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not deliver: {sent} sent, {waiting} waiting"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `--readiness P --people N`: the readiness of a meeting ready for its convocation (P partners
/// × N people), read by its people in turn at each of `--rates` requests per second (open loop:
/// a request leaves on time whether or not the previous ones were answered) for `--seconds`
/// each, after `--warmup`; the server pinned to `--server-cpu`, this generator to
/// `--client-cpu` (PostgreSQL too with `--pin-db`).
fn readiness(options: &Options, partners: usize, people: usize) {
    let (admin, _cluster) = admin_url();
    let db = BenchDb::create(&admin);
    let (server, port) = start_server(&db.url, &options.server_cpu, None);
    if options.pin_db {
        let pinned = pin_database(&db.url, &options.server_cpu);
        println!(
            "PostgreSQL pinned to CPU {} ({pinned} processes)",
            options.server_cpu
        );
    }
    let runtime = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (orgs, meeting) = runtime.block_on(ready_meeting(&db.url, port, partners, people));
    pin_self(&options.client_cpu);
    // One HTTP client (its pool of keep-alive connections grows with the concurrency).
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/meetings/{meeting}/readiness");
    let tokens: Vec<String> = orgs
        .iter()
        .flat_map(|(_, people)| people.iter().map(|p| p.token.clone()))
        .collect();
    let mut held = None;
    for rate in &options.rates {
        let (latencies, errors, offered) = runtime.block_on(read_at(
            &client,
            &base,
            &tokens,
            *rate,
            options.warmup,
            options.seconds,
        ));
        let p99 = percentile(&latencies, 0.99);
        println!(
            "readiness at {rate:.0} requests/s: {} answered in {:.0} s, p50 {:.2} ms, p99 {:.2} ms, \
             max {:.2} ms, {errors} errors or late of {offered}",
            latencies.len(),
            options.seconds,
            percentile(&latencies, 0.5),
            p99,
            percentile(&latencies, 1.0),
        );
        if p99 <= 20.0 && errors == 0 {
            held = Some(*rate);
        }
    }
    match held {
        Some(rate) => println!("highest rate tried with p99 ≤ 20 ms: {rate:.0} requests/s"),
        None => println!("no rate tried held p99 ≤ 20 ms"),
    }
    drop(server);
}

/// Reads `url` at `rate` per second for `warmup` + `seconds`; the latencies (µs) of the
/// requests sent after the warm-up, how many of those failed or were still unanswered a second
/// after the end, and how many were sent.
async fn read_at(
    client: &reqwest::Client,
    url: &str,
    tokens: &[String],
    rate: f64,
    warmup: f64,
    seconds: f64,
) -> (Vec<u32>, u64, u64) {
    let period = Duration::from_secs_f64(1.0 / rate);
    let started = tokio::time::Instant::now();
    let measured_from = started + Duration::from_secs_f64(warmup);
    let end = measured_from + Duration::from_secs_f64(seconds);
    let (done, mut answers) = tokio::sync::mpsc::unbounded_channel();
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut sent = 0u64;
    let mut n = 0usize;
    loop {
        let at = ticks.tick().await;
        if at >= end {
            break;
        }
        let measured = at >= measured_from;
        sent += u64::from(measured);
        let request = client
            .get(url)
            .bearer_auth(&tokens[n % tokens.len()])
            .send();
        n += 1;
        let done = done.clone();
        tokio::spawn(async move {
            let ok = match request.await {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            if measured {
                let _ = done.send((ok, at.elapsed().as_micros() as u32));
            }
        });
    }
    drop(done);
    let mut latencies = Vec::new();
    let deadline = tokio::time::sleep_until(end + Duration::from_secs(1));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            answer = answers.recv() => match answer {
                Some((true, micros)) => latencies.push(micros),
                Some((false, _)) => {}
                None => break,
            },
            _ = &mut deadline => break,
        }
    }
    // Failed, or unanswered a second after the end.
    let errors = sent.saturating_sub(latencies.len() as u64);
    latencies.sort_unstable();
    (latencies, errors, sent)
}

fn outbox_ids(conn: &mut PgConnection) -> i64 {
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS id FROM outbox")
        .get_result::<Max>(conn)
        .expect("the outbox")
        .id
}

/// Messages of the outbox after `after`: sent, and still waiting.
fn outbox_progress(conn: &mut PgConnection, after: i64) -> (i64, i64) {
    #[derive(QueryableByName)]
    struct Progress {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        sent: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        waiting: i64,
    }
    let p: Progress = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent, \
         count(*) FILTER (WHERE sent_at IS NULL) AS waiting FROM outbox WHERE id > $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(after)
    .get_result(conn)
    .expect("the outbox");
    (p.sent, p.waiting)
}
