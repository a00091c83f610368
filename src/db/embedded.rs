//! The embedded default: a private PostgreSQL cluster run from the system's PostgreSQL binaries.
//!
//! When `DATABASE_URL` is unset, `amont serve` keeps its data in `<data dir>/pg`: `initdb` on
//! first use, then `pg_ctl start` on a loopback port (no unix socket, so long checkout paths do
//! not matter), reused on the next start, stopped when the server stops.
//!
//! **Who stops it.** The process in charge of a running cluster holds an exclusive lock on
//! `<dir>/owner` for as long as it runs; the kernel releases it when that process dies, however
//! it dies. A start that finds the cluster running and that lock free adopts the cluster (its
//! owner was killed, `kill -9`, and PostgreSQL, in its own process group, outlived it): it takes
//! the lock and stops the cluster when it stops. One that finds the lock held shares a cluster
//! another live process will stop, and leaves it running. The cluster's superuser
//! `amont` has a random password kept in `<dir>/password` (mode 0600), so other local users
//! cannot connect to it. PostgreSQL refuses to run as root: when Amont runs as root, the
//! cluster's processes run as the system's `postgres` user, which owns the cluster's folder.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, Result, anyhow, bail};
use rand::distr::{Alphanumeric, SampleString};
use url::Url;

/// The database the server uses inside its private cluster.
pub const DATABASE: &str = "amont";
const SUPERUSER: &str = "amont";
const INSTALL_HINT: &str = "PostgreSQL server binaries not found (looked for initdb, pg_ctl and postgres on PATH, \
     in `pg_config --bindir` and under /usr/lib/postgresql/*/bin): install them with \
     `sudo apt-get install postgresql`, or set DATABASE_URL to an existing server";

/// A running private cluster. Stopping it is explicit ([`PrivateCluster::stop`]) or happens on drop
/// when this process started it or adopted it.
#[derive(Debug)]
pub struct PrivateCluster {
    dir: PathBuf,
    bindir: PathBuf,
    port: u16,
    password: String,
    run_as: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    started_here: bool,
    created_here: bool,
    stopped: bool,
    /// The lock on `<dir>/owner` while this process is in charge of stopping the cluster.
    owner: Option<File>,
}

impl PrivateCluster {
    /// Starts the cluster kept in `dir`, creating it on first use; adopts it when it is already
    /// running (a previous run that crashed, or another test process). Holds a file lock while
    /// doing so, so that concurrent callers do not race on `initdb` or the port.
    pub fn start(dir: &Path) -> Result<Self> {
        let bindir = find_binaries()?;
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", dir.display()))?;
        let lock = File::create(dir.join("lock"))
            .with_context(|| format!("cannot create {}", dir.join("lock").display()))?;
        lock.lock()
            .context("cannot lock the private cluster's folder")?;

        let run_as = postgres_user_if_root()?;
        let mut cluster = PrivateCluster {
            bindir,
            port: 0,
            password: String::new(),
            run_as,
            started_here: false,
            created_here: false,
            stopped: false,
            owner: None,
            dir,
        };
        cluster.prepare()?;
        let owner = File::create(cluster.dir.join("owner"))
            .with_context(|| format!("cannot create {}", cluster.dir.join("owner").display()))?;
        if cluster.is_running() {
            cluster.port = cluster.read_port()?;
            if owner.try_lock().is_ok() {
                // Nobody alive is in charge of it: its server was killed without stopping it.
                tracing::info!(
                    port = cluster.port,
                    dir = %cluster.dir.display(),
                    "adopting the private PostgreSQL cluster left running by a server that was \
                     killed"
                );
                cluster.owner = Some(owner);
                cluster.started_here = true;
            } else {
                tracing::info!(
                    port = cluster.port,
                    dir = %cluster.dir.display(),
                    "reusing the running private PostgreSQL cluster"
                );
            }
        } else {
            cluster.port = free_loopback_port()?;
            cluster.launch()?;
            cluster.started_here = true;
            // Held by a process that exited without stopping the cluster: nobody alive holds
            // it (the kernel released it), so it is ours; if it is not, the cluster is still
            // stopped on drop.
            if owner.try_lock().is_ok() {
                cluster.owner = Some(owner);
            }
        }
        cluster.ensure_database(DATABASE)?;
        drop(lock);
        Ok(cluster)
    }

    /// URL of the cluster's `amont` database.
    pub fn url(&self) -> Url {
        self.url_for(DATABASE)
    }

    /// URL of another database of the cluster (the same superuser).
    pub fn url_for(&self, database: &str) -> Url {
        let mut url = Url::parse("postgres://127.0.0.1/").expect("static URL");
        url.set_username(SUPERUSER).expect("URL has a host");
        url.set_password(Some(&self.password))
            .expect("URL has a host");
        url.set_port(Some(self.port)).expect("URL has a host");
        url.set_path(database);
        url
    }

    /// Whether this process is in charge of stopping the cluster: it started it, or adopted it
    /// from a server that died without stopping it.
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Whether this process created the cluster (its first start: `initdb` ran).
    pub fn created_here(&self) -> bool {
        self.created_here
    }

    /// Forgets the cluster without stopping it, for callers that share it between processes
    /// (the lock on `owner` is released: the next `amont db stop` or server may take charge).
    pub fn detach(mut self) {
        self.stopped = true;
        self.owner = None;
    }

    /// Stops the cluster (fast shutdown: open sessions are ended, committed data is kept).
    pub fn stop(&mut self) -> Result<()> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let output = self
            .pg_command("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "-t", "60"])
            .output()
            .context("cannot run pg_ctl stop")?;
        if !output.status.success() && self.is_running() {
            bail!("pg_ctl stop failed: {}", describe(&output));
        }
        tracing::info!(dir = %self.dir.display(), "private PostgreSQL cluster stopped");
        Ok(())
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Creates the folder layout and, on first use, the cluster itself.
    fn prepare(&mut self) -> Result<()> {
        let password_file = self.dir.join("password");
        if !self.data_dir().join("PG_VERSION").exists() {
            // A half-made cluster (initdb interrupted) is useless: start again from nothing.
            if self.data_dir().exists() {
                fs::remove_dir_all(self.data_dir())
                    .context("cannot remove an incomplete cluster")?;
            }
            self.password = Alphanumeric.sample_string(&mut rand::rng(), 32);
            write_private(&password_file, &self.password)?;
            self.give_to_postgres(&self.dir)?;
            self.give_to_postgres(&password_file)?;
            tracing::info!(
                dir = %self.dir.display(),
                "creating a private PostgreSQL cluster (initdb)"
            );
            let output = self
                .pg_command("initdb")
                .arg("-D")
                .arg(self.data_dir())
                .args(["-U", SUPERUSER, "-E", "UTF8", "--locale=C.UTF-8"])
                .args(["--auth-host=scram-sha-256", "--auth-local=scram-sha-256"])
                .arg(format!("--pwfile={}", password_file.display()))
                .output()
                .context("cannot run initdb")?;
            if !output.status.success() {
                bail!("initdb failed: {}", describe(&output));
            }
            self.created_here = true;
        } else {
            self.password = fs::read_to_string(&password_file)
                .with_context(|| format!("cannot read {}", password_file.display()))?
                .trim()
                .to_owned();
        }
        Ok(())
    }

    fn launch(&self) -> Result<()> {
        let log = self.dir.join("postgresql.log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
            self.port
        );
        let output = self
            .pg_command("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options])
            // Its own process group: Ctrl-C in the terminal reaches Amont, which then stops
            // PostgreSQL after the last request, instead of both stopping at once.
            .process_group(0)
            .output()
            .context("cannot run pg_ctl start")?;
        if !output.status.success() {
            let tail = fs::read_to_string(&log)
                .map(|text| text.lines().rev().take(5).collect::<Vec<_>>().join(" | "))
                .unwrap_or_default();
            bail!(
                "pg_ctl start failed: {} (log {}: {tail})",
                describe(&output),
                log.display()
            );
        }
        fs::write(self.dir.join("port"), self.port.to_string())
            .context("cannot record the cluster's port")?;
        tracing::info!(
            port = self.port,
            dir = %self.dir.display(),
            "private PostgreSQL cluster started"
        );
        Ok(())
    }

    fn is_running(&self) -> bool {
        self.pg_command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(self.data_dir())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    fn read_port(&self) -> Result<u16> {
        let text = fs::read_to_string(self.dir.join("port"))
            .context("the cluster is running but its port file is missing")?;
        text.trim()
            .parse()
            .context("the cluster's port file is not a port number")
    }

    fn ensure_database(&self, name: &str) -> Result<()> {
        use diesel::prelude::*;
        let mut conn = PgConnection::establish(self.url_for("postgres").as_str())
            .context("cannot connect to the private cluster")?;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let found: Count =
            diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(name)
                .get_result(&mut conn)?;
        if found.n == 0 {
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .with_context(|| format!("cannot create database {name}"))?;
        }
        Ok(())
    }

    fn pg_command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bindir.join(program));
        command.env("LC_ALL", "C.UTF-8").current_dir(&self.dir);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
    }

    fn give_to_postgres(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .with_context(|| format!("cannot give {} to the postgres user", path.display()))?;
            // The postgres user must reach the folder through every parent.
            let status = self
                .pg_command("postgres")
                .arg("--version")
                .current_dir(path.parent().unwrap_or(Path::new("/")))
                .output();
            if !matches!(status, Ok(ref o) if o.status.success()) {
                bail!(
                    "the postgres user cannot reach {}: run Amont from a folder every user can \
                     traverse, or set AMONT_DATA_DIR or DATABASE_URL",
                    path.display()
                );
            }
        }
        Ok(())
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if self.started_here
            && let Err(err) = self.stop()
        {
            tracing::error!("could not stop the private PostgreSQL cluster: {err:#}");
        }
    }
}

/// Finds the folder holding `initdb`, `pg_ctl` and `postgres`.
pub fn find_binaries() -> Result<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("pg_ctl").is_file() {
                // Debian links a few binaries into /usr/local/bin; follow pg_ctl to its real home.
                let real = fs::canonicalize(dir.join("pg_ctl")).ok();
                candidates.extend(real.and_then(|p| p.parent().map(Path::to_path_buf)));
                candidates.push(dir);
            }
        }
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        candidates.push(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim(),
        ));
    }
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                Some((version, e.path().join("bin")))
            })
            .collect();
        versions.sort_by_key(|v| std::cmp::Reverse(v.0));
        candidates.extend(versions.into_iter().map(|(_, dir)| dir));
    }
    candidates
        .into_iter()
        .find(|dir| complete(dir))
        .ok_or_else(|| anyhow!(INSTALL_HINT))
}

fn postgres_user_if_root() -> Result<Option<(nix::unistd::Uid, nix::unistd::Gid)>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let user = nix::unistd::User::from_name("postgres")
        .context("cannot look up the postgres user")?
        .ok_or_else(|| {
            anyhow!(
                "PostgreSQL refuses to run as root and there is no `postgres` system user: \
                 install PostgreSQL with `apt-get install postgresql`, run Amont as a normal user, \
                 or set DATABASE_URL"
            )
        })?;
    Ok(Some((user.uid, user.gid)))
}

fn free_loopback_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot find a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn write_private(path: &Path, contents: &str) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

fn describe(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&output.stdout)
    } else {
        text
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}
