//! Starting the server: open the store, load the catalogue, decide on
//! authentication, bind, announce, serve until SIGINT/SIGTERM.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio_util::sync::CancellationToken;
use weir_api::dashboard::Clusters;
use weir_api::router::ApiState;
use weir_api::sigv4::Verifier;
use weir_api::tokens::Tokens;
use weir_api::wire::ClusterHealth;
use weir_control::Realm;
use weir_runtime::backend::{
    probe, LocalConfig, LocalRuntime, Placed, Probe, RemoteRuntime, Runtime,
};
use weir_service::Catalogue;
use weir_store::Store;
use weir_supervisor::{CatalogueView, Collector, Supervisor, SupervisorConfig};

use crate::cli::ServerArgs;
use crate::credentials::{self, KeyPair, Source};

/// The SigV4 signing names Weir answers to.
const SIGNING_NAMES: &[&str] = &["kinesisanalytics", "logs"];

fn valid_window_start(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && matches!(
            (b[0], b[1]),
            (b'0'..=b'1', b'0'..=b'9') | (b'2', b'0'..=b'3')
        )
        && matches!((b[3], b[4]), (b'0'..=b'5', b'0'..=b'9'))
}

/// The log filter `WEIR_LOG` asks for (default `info`). The HTTP client's
/// own debug lines (a connection opened per Flink request) would bury an
/// application's story under `WEIR_LOG=debug`; they stay at `info` unless
/// the filter names them.
fn log_filter(asked: Option<&str>) -> tracing_subscriber::EnvFilter {
    let asked = asked.filter(|s| !s.trim().is_empty()).unwrap_or("info");
    let mut filter = asked.to_string();
    for quiet in ["hyper", "hyper_util", "reqwest"] {
        if !asked.split(',').any(|d| d.trim().starts_with(quiet)) {
            filter.push_str(&format!(",{quiet}=info"));
        }
    }
    tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|e| {
        eprintln!("weir: WEIR_LOG={asked} is not a valid filter ({e}); logging at info");
        tracing_subscriber::EnvFilter::new("info")
    })
}

pub fn run(mut args: ServerArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(log_filter(std::env::var("WEIR_LOG").ok().as_deref()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    if args.no_auth && !args.listen.ip().is_loopback() {
        bail!(
            "--no-auth is only allowed on a loopback address, not {}: anyone who can reach it could change every application",
            args.listen
        );
    }
    if !valid_window_start(&args.maintenance_window_start) {
        bail!(
            "--maintenance-window-start must be HH:MM (00:00-23:59), not {:?}",
            args.maintenance_window_start
        );
    }

    // Absolute from here on: Flink's JVMs run in their cluster's directory,
    // where a relative path (the default `./weir-data`) means nothing.
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating the data directory {}", args.data_dir.display()))?;
    args.data_dir = std::fs::canonicalize(&args.data_dir)
        .with_context(|| format!("resolving the data directory {}", args.data_dir.display()))?;
    if let Some(dir) = &args.runtimes_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the runtimes directory {}", dir.display()))?;
        args.runtimes_dir = Some(
            std::fs::canonicalize(dir)
                .with_context(|| format!("resolving the runtimes directory {}", dir.display()))?,
        );
    }
    let store = Store::open(&args.data_dir)
        .with_context(|| format!("opening the store in {}", args.data_dir.display()))?;
    let realm = Realm {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
    };
    let catalogue = Catalogue::open(store, realm, args.maintenance_window_start.clone())?;
    tracing::info!(applications = catalogue.len(), data_dir = %args.data_dir.display(), "catalogue loaded");

    let verifier = if args.no_auth {
        tracing::warn!("authentication is OFF (--no-auth): every request is accepted");
        None
    } else {
        let configured = match (args.access_key_id.clone(), args.secret_access_key.clone()) {
            (Some(access_key_id), Some(secret_access_key)) => Some(KeyPair {
                access_key_id,
                secret_access_key,
            }),
            _ => None,
        };
        let (pair, source) =
            credentials::resolve(configured, args.credentials_file.as_deref(), &args.data_dir)?;
        match &source {
            Source::Configured => tracing::info!(access_key_id = %pair.access_key_id, "accepting the configured key pair"),
            Source::File(path) => tracing::info!(access_key_id = %pair.access_key_id, file = %path.display(), "accepting the key pair from the credentials file"),
            Source::Generated(path) => eprintln!(
                "weir: generated an API key pair in {path} (mode 0600). Use it with the AWS CLI or SDKs:\n  export AWS_SHARED_CREDENTIALS_FILE={path} AWS_PROFILE={profile} AWS_REGION={region} AWS_DEFAULT_REGION={region}\n  aws kinesisanalyticsv2 list-applications --endpoint-url http://{listen}",
                path = path.display(),
                profile = credentials::PROFILE,
                region = args.region,
                listen = args.listen,
            ),
        }
        Some(pair)
    };
    let tokens = match &verifier {
        Some(pair) => Tokens::new([(pair.access_key_id.clone(), pair.secret_access_key.clone())]),
        None => Tokens::anonymous(),
    };
    let verifier = verifier.map(|pair| {
        Verifier::new(
            &args.region,
            SIGNING_NAMES,
            [(pair.access_key_id, pair.secret_access_key)],
        )
    });

    let catalogue = Arc::new(catalogue);
    // What the backends see of the catalogue: applications' logs, and where
    // each application should run.
    let view = Arc::new(CatalogueView(catalogue.clone()));
    let runtimes = crate::runtime::runtimes(
        args.runtimes_dir.as_deref(),
        &args.data_dir,
        &args.flink_homes,
        &args.python_envs,
    )?;
    let runtimes_dir = runtimes.dir().to_path_buf();
    LocalRuntime::announce_etc_flink();
    let local = Arc::new(LocalRuntime::new(
        runtimes,
        LocalConfig {
            clusters_dir: args.data_dir.join("clusters"),
            task_manager_memory_mb: u32::try_from(args.task_manager_memory_mb)
                .context("--task-manager-memory-mb")?,
            job_manager_memory_mb: u32::try_from(args.job_manager_memory_mb)
                .context("--job-manager-memory-mb")?,
            startup_timeout: Duration::from_secs(args.start_timeout_secs),
            warm_pool_size: args.warm_pool_size,
            warm_pool_runtimes: args
                .warm_pool_runtimes
                .iter()
                .map(|r| crate::runtime::parse_runtime(r.trim()))
                .collect::<anyhow::Result<_>>()?,
            in_place_rescale: !args.autoscale.no_in_place,
            python_fork_server: !args.no_python_fork_server,
        },
        view.clone(),
    ));
    // Applications go to their own local cluster, or to a registered
    // Flink cluster (the remote runtime) where the catalogue placed them.
    // Each application's jar is uploaded with its properties and, unless it
    // bundles its own, Weir's KinesisAnalyticsRuntime library, built in the
    // local runtime's runtimes directory.
    let remote = Arc::new(
        RemoteRuntime::new(&args.data_dir, None, view.clone()).with_library_built_in(&runtimes_dir),
    );
    let runtime_backend = Arc::new(Placed::new(local.clone(), remote, view));
    let supervisor_config = SupervisorConfig {
        start_timeout: Duration::from_secs(args.start_timeout_secs),
        autoscale: args.autoscale.config(),
        sample_interval: Duration::from_secs(args.autoscale.sample_interval_secs.max(1)),
        // How far registered clusters' logs were read, kept across restarts.
        log_state_dir: Some(args.data_dir.join("remote").join("logs")),
        ..SupervisorConfig::default()
    };
    // Metrics live in memory only, filled by one collector.
    let board = Arc::new(weir_service::Board::new(Duration::from_secs(
        args.metrics_interval_secs.max(1),
    )));
    let state = Arc::new(ApiState {
        catalogue: catalogue.clone(),
        verifier,
        tokens,
        clusters: Some(Arc::new(Dashboards(runtime_backend.clone()))),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("building the dashboard proxy's HTTP client")?,
        dashboard_url_validity_secs: i64::from(args.dashboard_url_validity_secs.max(1)),
        board: board.clone(),
        metrics_access: weir_api::metrics::MetricsAccess::for_listener(
            args.listen.ip(),
            args.metrics_token.clone(),
        ),
    });
    let collector = Collector::new(catalogue.clone(), runtime_backend.clone(), board);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("weir")
        .build()?;
    runtime.block_on(async move {
        // One shutdown signal for everything that runs beside the API: the
        // application tasks, the periodic duties, the warm pool.
        let shutdown = CancellationToken::new();
        // Supervisors start before the listener: applications that were
        // running are adopted whether or not anyone calls the API.
        let supervisor = Supervisor::start(
            catalogue,
            runtime_backend.clone(),
            supervisor_config,
            shutdown.clone(),
        );
        supervisor.start_duties();
        // Every application's metrics from its Flink, one round per interval.
        supervisor.spawn("metrics", collector.run(shutdown.clone()));
        // The warm pool's free clusters belong to no application: they go
        // when the pool stops.
        supervisor.spawn("warm pool", local.run_pool(shutdown.clone()));
        let served = serve(args, state).await;
        // Only the supervisors stop; the applications' clusters keep running
        // and the next Weir adopts them.
        supervisor.stopped().await;
        served
    })
}

/// Applications' Flink clusters as the API sees them: their dashboards,
/// and the registered clusters of the remote runtime.
struct Dashboards(Arc<Placed>);

fn health_of(probe: Result<Probe, String>) -> ClusterHealth {
    match probe {
        Ok(p) => ClusterHealth {
            reachable: true,
            flink_version: p.flink_version,
            task_managers: p.task_managers,
            total_slots: p.total_slots,
            available_slots: p.available_slots,
            ..ClusterHealth::default()
        },
        Err(why) => ClusterHealth {
            error: Some(why),
            ..ClusterHealth::default()
        },
    }
}

impl Clusters for Dashboards {
    fn rest_url<'a>(
        &'a self,
        app: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + 'a>> {
        Box::pin(async move { self.0.view(app).await.map(|v| v.rest_url) })
    }

    fn probe<'a>(
        &'a self,
        rest_url: &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ClusterHealth, String>> + Send + 'a>,
    > {
        Box::pin(async move { probe(rest_url).await.map(|p| health_of(Ok(p))) })
    }

    fn health(&self, name: &str) -> Option<ClusterHealth> {
        let h = self.0.remote().health(name)?;
        Some(ClusterHealth {
            checked_ms: h.checked_ms,
            since_ms: h.since_ms,
            ..health_of(h.probe)
        })
    }
}

async fn serve(args: ServerArgs, state: Arc<ApiState>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    // The one line on stdout: scripts and tests wait for it to know the port.
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "weir listening on http://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, "serving the Kinesis Analytics V2 API");
    axum::serve(listener, weir_api::router::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_log_filter_keeps_the_http_client_quiet_unless_asked() {
        let f = super::log_filter(Some("debug")).to_string();
        assert!(f.contains("debug") && f.contains("hyper_util=info"), "{f}");
        let f = super::log_filter(Some("debug,hyper_util=trace")).to_string();
        assert!(
            f.contains("hyper_util=trace") && !f.contains("hyper_util=info"),
            "{f}"
        );
        let f = super::log_filter(None).to_string();
        assert!(f.contains("info"), "{f}");
    }

    #[test]
    fn maintenance_window_start_format() {
        for ok in ["00:00", "06:00", "19:59", "23:59"] {
            assert!(super::valid_window_start(ok), "{ok}");
        }
        for bad in ["24:00", "6:00", "06:60", "0600", "ab:cd", ""] {
            assert!(!super::valid_window_start(bad), "{bad}");
        }
    }
}
