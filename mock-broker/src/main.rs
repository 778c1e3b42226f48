//! `kwire-mock`: run a mock Kafka cluster from the command line.
//!
//! With no arguments: three brokers on 127.0.0.1:9092–9094, topics auto-created with 3
//! partitions and replication factor 3. The bootstrap list is printed on stdout once every
//! listener is ready; SIGINT or SIGTERM stops the cluster cleanly.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};
use kwire_mock::cluster::config::parse_limit;
use kwire_mock::cluster::{ClusterConfig, FollowerLag, TopicSpec};
use kwire_mock::security::ClientAuth;
use kwire_mock::{MockCluster, SaslUser, Scenario, SecurityProtocol};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// A mock Kafka cluster with real replication semantics.
#[derive(Debug, Parser)]
#[command(name = "kwire-mock", version, about)]
struct Args {
    /// A JSON configuration file (the fields of `ClusterConfig`); flags override it.
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Number of brokers.
    #[arg(long, short = 'b', default_value_t = DEFAULTS.brokers)]
    brokers: i32,
    /// Host to listen on and advertise.
    #[arg(long, default_value_t = DEFAULTS.host.clone())]
    host: String,
    /// Port of the first broker (the others follow); 0 for free ports from the OS.
    #[arg(long, short = 'p', default_value_t = DEFAULTS.port)]
    port: u16,
    /// A topic to create, as name:partitions:replication (repeatable).
    #[arg(long = "topic", short = 't')]
    topics: Vec<String>,
    /// `num.partitions` for auto-created topics.
    #[arg(long, default_value_t = DEFAULTS.num_partitions)]
    partitions: i32,
    /// `default.replication.factor` for auto-created topics.
    #[arg(long, default_value_t = DEFAULTS.default_replication_factor)]
    replication_factor: i16,
    /// Follower lag in milliseconds.
    #[arg(long, default_value_t = 0)]
    follower_lag_ms: u64,
    /// `min.insync.replicas`.
    #[arg(long, default_value_t = DEFAULTS.min_insync_replicas)]
    min_insync_replicas: i32,
    /// `replica.lag.time.max.ms`.
    #[arg(long, default_value_t = DEFAULTS.replica_lag_time_max_ms)]
    replica_lag_time_max_ms: u64,
    /// Do not create topics on Metadata requests.
    #[arg(long)]
    no_auto_create: bool,
    /// Allow unclean leader election.
    #[arg(long)]
    unclean_leader_election: bool,
    /// Serve the HTTP/JSON control endpoint on this address (e.g. 127.0.0.1:9644; port 0 for
    /// a free one, see --ready-file) [default: off].
    #[arg(long, value_name = "ADDR")]
    control: Option<String>,
    /// Run a scenario file (a JSON timeline of actions, times from start-up).
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Once ready, write {"bootstrap": ..., "control": ...} to this file.
    #[arg(long, value_name = "FILE")]
    ready_file: Option<PathBuf>,
    /// Most client connections open at once.
    #[arg(long, default_value_t = DEFAULTS.max_connections)]
    max_connections: usize,
    /// `socket.request.max.bytes`: the largest request frame.
    #[arg(long, default_value_t = DEFAULTS.socket_request_max_bytes)]
    max_request_bytes: usize,
    /// Broker racks, comma separated (broker i gets the i-th, cycling): consumers that name
    /// their rack are sent to a replica in it (KIP-392) [default: none].
    #[arg(long, value_delimiter = ',')]
    racks: Vec<String>,
    /// Turn idempotent deduplication off (only to test that a checker notices duplicates).
    #[arg(long)]
    no_dedup: bool,
    /// `log.retention.bytes`: per partition, delete the oldest batches below the high watermark
    /// while the log would still hold this many bytes without them; -1: unlimited.
    #[arg(long, value_name = "BYTES", allow_negative_numbers = true, default_value_t = -1)]
    log_retention_bytes: i64,
    /// `log.retention.ms`: delete batches below the high watermark appended longer ago than
    /// this; -1: unlimited (Kafka's default is 7 days).
    #[arg(long, value_name = "MS", allow_negative_numbers = true, default_value_t = -1)]
    log_retention_ms: i64,
    /// `security.protocol` of the listeners: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
    #[arg(long, value_name = "PROTOCOL", default_value_t = SecurityProtocol::default())]
    security_protocol: SecurityProtocol,
    /// A SASL user, NAME:PASSWORD (repeatable), for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512;
    /// OAUTHBEARER takes unsecured JWTs.
    #[arg(long = "sasl-user", value_name = "NAME:PASSWORD", value_parser = SaslUser::parse)]
    sasl_users: Vec<SaslUser>,
    /// `connections.max.reauth.ms`: clients re-authenticate within this (0: never).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    connections_max_reauth_ms: u64,
    /// The listeners' certificate chain (PEM); without it a CA is generated at start, its
    /// certificate written to a file named in the ready file ("ca") and printed.
    #[arg(long, value_name = "FILE", requires = "ssl_key_location")]
    ssl_certificate_location: Option<PathBuf>,
    /// The private key of --ssl-certificate-location (unencrypted PEM).
    #[arg(long, value_name = "FILE", requires = "ssl_certificate_location")]
    ssl_key_location: Option<PathBuf>,
    /// `ssl.client.auth=required`: clients must present a certificate (from the generated CA,
    /// which then also issues one into the ready file, or from --ssl-client-ca-location).
    #[arg(long)]
    ssl_client_auth_required: bool,
    /// The CA (PEM) client certificates must chain to.
    #[arg(long, value_name = "FILE")]
    ssl_client_ca_location: Option<PathBuf>,
    /// Where generated certificates are written [default: a new temporary directory].
    #[arg(long, value_name = "DIR")]
    ssl_output_dir: Option<PathBuf>,
}

/// The cluster the CLI runs without flags or `--config`: `ClusterConfig`'s defaults on port
/// 9092. The flags' defaults (shown by `--help`) are read from it.
static DEFAULTS: LazyLock<ClusterConfig> = LazyLock::new(|| ClusterConfig {
    port: 9092,
    ..ClusterConfig::default()
});

/// The configuration: `--config FILE` (or [`DEFAULTS`]), then every flag given on the command
/// line over it. A flag left at its default leaves the file's value alone.
fn config(args: &Args, matches: &ArgMatches) -> Result<ClusterConfig, String> {
    let given = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    let mut c = match &args.config {
        Some(path) => {
            let raw =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&raw).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => DEFAULTS.clone(),
    };
    if given("brokers") {
        c.brokers = args.brokers;
    }
    if given("host") {
        c.host.clone_from(&args.host);
    }
    if given("port") {
        c.port = args.port;
    }
    if given("partitions") {
        c.num_partitions = args.partitions;
    }
    if given("replication_factor") {
        c.default_replication_factor = args.replication_factor;
    }
    if given("follower_lag_ms") {
        c.follower_lag = FollowerLag::Millis(args.follower_lag_ms);
    }
    if given("min_insync_replicas") {
        c.min_insync_replicas = args.min_insync_replicas;
    }
    if given("replica_lag_time_max_ms") {
        c.replica_lag_time_max_ms = args.replica_lag_time_max_ms;
    }
    if args.no_auto_create {
        c.auto_create_topics = false;
    }
    if args.unclean_leader_election {
        c.unclean_leader_election = true;
    }
    if let Some(a) = &args.control {
        c.control_addr = Some(a.clone());
    }
    if given("max_connections") {
        c.max_connections = args.max_connections;
    }
    if given("max_request_bytes") {
        c.socket_request_max_bytes = args.max_request_bytes;
    }
    if !args.racks.is_empty() {
        c.racks.clone_from(&args.racks);
    }
    if args.no_dedup {
        c.dedup = false;
    }
    if given("log_retention_bytes") {
        c.log_retention_bytes = parse_limit(args.log_retention_bytes)
            .map_err(|e| format!("--log-retention-bytes: {e}"))?;
    }
    if given("log_retention_ms") {
        c.log_retention_ms =
            parse_limit(args.log_retention_ms).map_err(|e| format!("--log-retention-ms: {e}"))?;
    }
    let security = &mut c.security;
    if given("security_protocol") {
        security.security_protocol = args.security_protocol;
    }
    security.sasl_users.extend(args.sasl_users.iter().cloned());
    if given("connections_max_reauth_ms") {
        security.connections_max_reauth_ms = args.connections_max_reauth_ms;
    }
    if let Some(path) = &args.ssl_certificate_location {
        security.ssl_certificate_location = Some(path.clone());
    }
    if let Some(path) = &args.ssl_key_location {
        security.ssl_key_location = Some(path.clone());
    }
    if args.ssl_client_auth_required {
        security.ssl_client_auth = ClientAuth::Required;
    }
    if let Some(path) = &args.ssl_client_ca_location {
        security.ssl_client_ca_location = Some(path.clone());
    }
    if let Some(dir) = &args.ssl_output_dir {
        security.ssl_output_dir = Some(dir.clone());
    }
    for t in &args.topics {
        c.topics.push(TopicSpec::parse(
            t,
            c.num_partitions,
            c.default_replication_factor.min(c.brokers as i16),
        )?);
    }
    if c.brokers < 1 {
        return Err("--brokers must be at least 1".into());
    }
    Ok(c)
}

/// Whether log lines get colour: only on a terminal, and not when `NO_COLOR` is set
/// (<https://no-color.org>), so logs sent to a file or a pipe are plain text.
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .init();
    let matches = Args::command().get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let cfg = match config(&args, &matches) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kwire-mock: {e}");
            return ExitCode::from(2);
        }
    };
    let scenario = match &args.scenario {
        Some(path) => match Scenario::load(path) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("kwire-mock: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    // Listening for SIGINT and SIGTERM from here on: a harness may signal as soon as the ready
    // file exists, and the default action would kill the process without a clean shutdown.
    let mut stop = match StopSignals::listen() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kwire-mock: cannot listen for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mock = match MockCluster::builder().config(cfg).start().await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("kwire-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.ready_file {
        let (client_certificate, client_key) = mock.client_certificate().unzip();
        let ready = serde_json::json!({
            "bootstrap": mock.bootstrap(),
            "control": mock.control_addr().map(|a| format!("http://{a}")),
            "security_protocol": mock.security_protocol().name(),
            "ca": mock.ca_location(),
            "client_certificate": client_certificate,
            "client_key": client_key,
        });
        if let Err(e) = std::fs::write(path, format!("{ready}\n")) {
            eprintln!("kwire-mock: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{}", mock.bootstrap());
    if let Some(ca) = mock.ca_location() {
        println!("ca: {}", ca.display());
    }
    if let Some(s) = scenario {
        let controller = mock.controller();
        tokio::spawn(async move {
            let n = s.steps.len();
            let reports = kwire_mock::control::scenario::run(controller, s).await;
            let failed = reports.iter().filter(|r| r.result.is_err()).count();
            tracing::info!(steps = n, failed, "scenario finished");
        });
    }
    stop.recv().await;
    tracing::info!("shutting down");
    mock.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, caught from [`StopSignals::listen`] on: one that arrives before
/// [`StopSignals::recv`] is awaited is kept, and `recv` returns at once.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    fn listen() -> std::io::Result<Self> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ClusterConfig, String> {
        let matches = Args::command()
            .try_get_matches_from(std::iter::once("kwire-mock").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let args = Args::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        config(&args, &matches)
    }

    #[test]
    fn help_shows_the_defaults_the_cli_runs_with() {
        let help = Args::command().render_help().to_string();
        let cmd = Args::command();
        let defaults: Vec<_> = cmd
            .get_arguments()
            .filter(|a| !a.get_default_values().is_empty() && a.get_id() != "help")
            .filter(|a| a.get_action().takes_values())
            .collect();
        assert!(defaults.len() >= 14, "{}", defaults.len());
        let none = parse(&[]).unwrap();
        for a in defaults {
            let long = format!("--{}", a.get_long().unwrap());
            let value = a.get_default_values()[0].to_str().unwrap().to_owned();
            assert!(
                help.contains(&format!("[default: {value}]")),
                "{long}: {help}"
            );
            // the default shown, given explicitly, is the configuration without the flag
            assert_eq!(parse(&[&long, &value]).unwrap(), none, "{long}");
        }
    }

    #[test]
    fn flags_left_at_their_defaults_keep_the_config_files_values() {
        let path = std::env::temp_dir().join(format!("kwire-mock-cli-{}.json", std::process::id()));
        std::fs::write(
            &path,
            r#"{"brokers": 5, "port": 0, "min_insync_replicas": 2}"#,
        )
        .unwrap();
        let file = path.to_str().unwrap();
        let c = parse(&["--config", file]).unwrap();
        assert_eq!((c.brokers, c.port, c.min_insync_replicas), (5, 0, 2));
        let c = parse(&["--config", file, "--brokers", "3"]).unwrap();
        assert_eq!((c.brokers, c.port, c.min_insync_replicas), (3, 0, 2));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn retention_flags_default_off_and_take_minus_one() {
        let c = parse(&[]).unwrap();
        assert_eq!((c.log_retention_bytes, c.log_retention_ms), (None, None));
        let c = parse(&[
            "--log-retention-bytes",
            "1048576",
            "--log-retention-ms",
            "60000",
        ])
        .unwrap();
        assert_eq!(
            (c.log_retention_bytes, c.log_retention_ms),
            (Some(1_048_576), Some(60_000))
        );
        let c = parse(&["--log-retention-bytes", "-1", "--log-retention-ms", "-1"]).unwrap();
        assert_eq!((c.log_retention_bytes, c.log_retention_ms), (None, None));
        let e = parse(&["--log-retention-ms", "-3"]).unwrap_err();
        assert!(e.contains("--log-retention-ms") && e.contains("-3"), "{e}");
    }

    #[test]
    fn security_flags_fill_the_security_config() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.security.security_protocol, SecurityProtocol::Plaintext);
        let c = parse(&[
            "--security-protocol",
            "SASL_SSL",
            "--sasl-user",
            "alice:a:b",
            "--sasl-user",
            "bob:pw",
            "--connections-max-reauth-ms",
            "10000",
            "--ssl-client-auth-required",
        ])
        .unwrap();
        assert_eq!(c.security.security_protocol, SecurityProtocol::SaslSsl);
        let users: Vec<_> = c
            .security
            .sasl_users
            .iter()
            .map(|u| (u.name.as_str(), u.password.as_str()))
            .collect();
        assert_eq!(users, [("alice", "a:b"), ("bob", "pw")]);
        assert_eq!(c.security.connections_max_reauth_ms, 10_000);
        assert_eq!(c.security.ssl_client_auth, ClientAuth::Required);
        assert!(
            !format!("{c:?}").contains("a:b"),
            "passwords stay out of Debug"
        );
        assert!(parse(&["--security-protocol", "TLS"]).is_err());
        assert!(parse(&["--sasl-user", "nopassword"]).is_err());
    }
}
