//! The workloads: populating a catalogue, the DescribeApplication load, the ListApplications walk.
//!
//! Every task owns one [`Client`] (one keep-alive connection, one signer), so
//! tasks share nothing while the clock runs; results are merged afterwards.

use std::collections::HashSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use weir_test_support::process::{machine_busy_seconds, own_cpu_seconds};

use crate::client::{Client, Transport};
use crate::procs::Server;
use weir_test_support::sign::{Signer, SignerKind, SigningConfig};

/// How to reach one server and how to talk to it.
#[derive(Clone)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub signing: SigningConfig,
    pub transport: Transport,
    pub signer: SignerKind,
}

impl Endpoint {
    pub fn client(&self) -> Client {
        Client::new(
            self.addr,
            self.transport,
            Signer::new(self.signer, self.signing.clone()),
        )
    }
}

pub fn app_name(i: usize) -> String {
    format!("app-{i:05}")
}

fn create_body(i: usize) -> String {
    format!(
        "{{\"ApplicationName\":\"{}\",\"RuntimeEnvironment\":\"FLINK-1_20\",\
         \"ServiceExecutionRole\":\"arn:aws:iam::000000000000:role/bench\"}}",
        app_name(i)
    )
}

/// Creates applications `first..=last` with `concurrency` tasks; any refusal fails.
pub async fn populate(
    endpoint: &Endpoint,
    first: usize,
    last: usize,
    concurrency: usize,
) -> Result<Duration> {
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(first));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let mut client = endpoint.client();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i > last {
                    return Ok::<_, anyhow::Error>(());
                }
                let body = create_body(i);
                let (status, response) = client
                    .call("CreateApplication", body.as_bytes())
                    .await
                    .with_context(|| format!("CreateApplication {}", app_name(i)))?;
                if status != 200 {
                    bail!(
                        "CreateApplication {} answered {status}: {}",
                        app_name(i),
                        String::from_utf8_lossy(response)
                    );
                }
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

pub struct LoadSettings {
    pub concurrency: usize,
    pub apps: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

pub struct LoadResult {
    /// Successful (200) requests started inside the measured window.
    pub ok: u64,
    /// Non-200 answers and transport failures, warm-up included.
    pub errors: u64,
    pub first_error: Option<String>,
    /// From the start of the measured window to the last measured completion.
    pub elapsed: Duration,
    /// Latencies of the measured successful requests, nanoseconds, sorted.
    pub latencies: Vec<u64>,
    pub server_cpu: f64,
    pub client_cpu: f64,
    /// CPU seconds the whole machine used in the window (server and client included).
    pub machine_cpu: f64,
    /// TCP connections the load opened, warm-up included.
    pub connects: u64,
}

impl LoadResult {
    /// Cores' worth of CPU that processes other than the server and the client used.
    pub fn other_cores(&self) -> f64 {
        ((self.machine_cpu - self.server_cpu - self.client_cpu) / self.elapsed.as_secs_f64())
            .max(0.0)
    }

    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// Latency at `q` (0..=1) in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1] as f64 / 1e6
    }
}

struct TaskOutcome {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    last_end: Instant,
    latencies: Vec<u64>,
    connects: u64,
}

/// Closed-loop DescribeApplication load: `concurrency` tasks, each sending its
/// next request as soon as the previous answer is read, random names from `apps`.
pub async fn describe_load(
    endpoint: &Endpoint,
    server: &Server,
    settings: &LoadSettings,
) -> Result<LoadResult> {
    let start = Instant::now();
    let measure_from = start + settings.warmup;
    let measure_until = measure_from + settings.duration;
    let mut tasks = Vec::new();
    for task in 0..settings.concurrency {
        let mut client = endpoint.client();
        let apps = settings.apps as u64;
        let mut rng = XorShift::new(0x9E37_79B9_7F4A_7C15 ^ ((task as u64 + 1) * 0x2545_F491));
        tasks.push(tokio::spawn(async move {
            let mut outcome = TaskOutcome {
                ok: 0,
                errors: 0,
                first_error: None,
                last_end: measure_from,
                latencies: Vec::with_capacity(1 << 16),
                connects: 0,
            };
            let mut body = Vec::with_capacity(64);
            let mut consecutive_failures = 0;
            loop {
                let t0 = Instant::now();
                if t0 >= measure_until {
                    outcome.connects = client.connects;
                    return Ok::<_, anyhow::Error>(outcome);
                }
                let i = 1 + rng.next() % apps;
                body.clear();
                write!(body, "{{\"ApplicationName\":\"app-{i:05}\"}}")?;
                let result = client.call("DescribeApplication", &body).await;
                let t1 = Instant::now();
                let measured = t0 >= measure_from;
                let failure = match result {
                    Ok((200, _)) => {
                        consecutive_failures = 0;
                        if measured {
                            outcome.ok += 1;
                            outcome.latencies.push((t1 - t0).as_nanos() as u64);
                            outcome.last_end = outcome.last_end.max(t1);
                        }
                        None
                    }
                    Ok((status, response)) => Some(format!(
                        "HTTP {status}: {}",
                        String::from_utf8_lossy(&response[..response.len().min(300)])
                    )),
                    Err(e) => Some(format!("{e:#}")),
                };
                if let Some(failure) = failure {
                    outcome.errors += 1;
                    outcome.first_error.get_or_insert(failure);
                    consecutive_failures += 1;
                    if consecutive_failures >= 100 {
                        bail!(
                            "100 DescribeApplication failures in a row; first: {}",
                            outcome.first_error.unwrap_or_default()
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }));
    }

    tokio::time::sleep_until(measure_from.into()).await;
    let (server_cpu0, client_cpu0) = (server.cpu_seconds()?, own_cpu_seconds());
    let machine_cpu0 = machine_busy_seconds();
    tokio::time::sleep_until(measure_until.into()).await;
    let (server_cpu1, client_cpu1) = (server.cpu_seconds()?, own_cpu_seconds());
    let machine_cpu1 = machine_busy_seconds();

    let mut result = LoadResult {
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        server_cpu: server_cpu1 - server_cpu0,
        client_cpu: client_cpu1 - client_cpu0,
        machine_cpu: machine_cpu1 - machine_cpu0,
        connects: 0,
    };
    let mut last_end = measure_from;
    for task in tasks {
        let outcome = task.await??;
        result.ok += outcome.ok;
        result.errors += outcome.errors;
        result.connects += outcome.connects;
        if result.first_error.is_none() {
            result.first_error = outcome.first_error;
        }
        last_end = last_end.max(outcome.last_end);
        result.latencies.extend_from_slice(&outcome.latencies);
    }
    result.elapsed = (last_end - measure_from).max(Duration::from_millis(1));
    result.latencies.sort_unstable();
    Ok(result)
}

pub struct Walk {
    pub elapsed: Duration,
    pub pages: usize,
}

/// One full ListApplications walk (Limit 50, following NextToken); it must see
/// exactly `expected` distinct names, each once.
pub async fn list_walk(client: &mut Client, expected: usize) -> Result<Walk> {
    let started = Instant::now();
    let mut names = HashSet::with_capacity(expected);
    let mut seen = 0usize;
    let mut pages = 0usize;
    let mut token: Option<String> = None;
    loop {
        let mut request = serde_json::json!({ "Limit": 50 });
        if let Some(token) = token.take() {
            request["NextToken"] = token.into();
        }
        let body = serde_json::to_vec(&request)?;
        let (status, response) = client.call("ListApplications", &body).await?;
        if status != 200 {
            bail!(
                "ListApplications page {} answered {status}: {}",
                pages + 1,
                String::from_utf8_lossy(response)
            );
        }
        let page: serde_json::Value =
            serde_json::from_slice(response).context("ListApplications response")?;
        pages += 1;
        let summaries = page["ApplicationSummaries"]
            .as_array()
            .context("ApplicationSummaries missing")?;
        if summaries.len() > 50 {
            bail!(
                "ListApplications returned {} items for Limit 50",
                summaries.len()
            );
        }
        for summary in summaries {
            let name = summary["ApplicationName"]
                .as_str()
                .context("ApplicationName missing in a summary")?;
            names.insert(name.to_owned());
            seen += 1;
        }
        match page.get("NextToken").and_then(|t| t.as_str()) {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
        if pages > expected {
            bail!("ListApplications walk did not end after {pages} pages");
        }
    }
    let elapsed = started.elapsed();
    if seen != expected || names.len() != expected {
        bail!(
            "ListApplications walk saw {seen} summaries, {} distinct names; expected {expected}",
            names.len()
        );
    }
    Ok(Walk { elapsed, pages })
}

/// xorshift64*: cheap, deterministic per task, good enough to pick names.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
