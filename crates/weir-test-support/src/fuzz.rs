//! The model-driven random API client ("bad input never hurts"): random
//! operations of the Kinesis Analytics V2 and CloudWatch Logs models, with
//! payloads generated from their input shapes — valid ones most of the time
//! (an operation Weir implements, values within `min`/`max`/`enum` and
//! matching the model's `pattern`s, aimed at the applications, versions,
//! timestamps, snapshots and operations earlier answers named, so that they
//! reach the service's logic), valid-ish ones from the model alone (any
//! operation), and wrong types, lengths, enums, nesting, huge and non-ASCII
//! strings, path traversal in names, invalid UTF-8, truncated JSON, zip
//! bombs in `ZipFileContent`, oversized bodies and random `X-Amz-Target`s
//! the rest — SigV4-signed, or unsigned, or badly signed. The report splits
//! the answers (2xx, 4xx by `__type`, 5xx); `WEIR_FUZZ_TRACE=<kind>` prints
//! each refusal of requests of that kind (`model-valid`, ...). Every response is checked (no 5xx but `ServiceUnavailableException`,
//! every refusal AWS-shaped, 403 only for authentication, the server alive),
//! and the catalogue afterwards (every listed application described, its
//! versions 1..=current, no path-like name, nothing written outside the data
//! directory).
//!
//! One copy, two users: `weir-bench fuzz` (long runs, `scripts/bench fuzz`)
//! and the test `crates/weir/tests/fuzz_api.rs` (a short run in CI). It is
//! synchronous: std (a blocking HTTP/1.1 client of its own, one connection
//! per request, so that a malformed exchange cannot desynchronise the next
//! one, and SigV4 signing by hand, [`crate::sign::sign_post`], so that it can
//! also sign wrongly on purpose), `serde_json`, `flate2`, and a seeded
//! generator of its own (SplitMix64), so that `--seed` replays a run exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::sample::base64;
use crate::sign::{self, amz_date};

pub const KA_PREFIX: &str = "KinesisAnalytics_20180523";
pub const LOGS_PREFIX: &str = "Logs_20140328";
pub const ADMIN_PREFIX: &str = "WeirAdmin_20261126";
const REGION: &str = "us-east-1";
const ROLE: &str = "arn:aws:iam::000000000000:role/weir-fuzz";
/// Above the server's 72 MiB request limit.
const OVERSIZED_BYTES: usize = 73 * 1024 * 1024;
/// The name traversal payloads aim at; nothing by this name may appear
/// outside the data directory.
pub const ESCAPE_MARKER: &str = "weir-fuzz-escape";
/// The refusals an unsigned or badly signed request gets, and only those are 403.
const AUTH_TYPES: &[&str] = &[
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
    "AccessDeniedException",
];

/// Refusals of the request itself (its shape, values, operation or size),
/// before the service's logic looks at the resource.
const INPUT_REFUSALS: &[&str] = &[
    "ValidationException",
    "InvalidArgumentException",
    "InvalidRequestException",
    "SerializationException",
    "UnknownOperationException",
    "UnsupportedOperationException",
    "InvalidParameterException",
    "RequestEntityTooLargeException",
    "InvalidAction",
];

/// The two API models, parsed.
pub struct Models {
    pub kinesis: Value,
    pub logs: Value,
}

impl Models {
    /// Reads `kinesisanalyticsv2-2018-05-23.service-2.json.gz` and
    /// `logs-2014-03-28.service-2.json.gz` from the first directory that has
    /// both: `$WEIR_FUZZ_MODELS`, `<repo>/../shared/reference`, else
    /// botocore's data directory next to `$WEIR_BOTOCORE_MODEL` (as
    /// `scripts/test` sets it).
    pub fn load(repo_root: &Path) -> Result<Models, String> {
        let mut tried = Vec::new();
        let mut candidates: Vec<(PathBuf, PathBuf)> = Vec::new();
        let reference = |dir: PathBuf| {
            (
                dir.join("kinesisanalyticsv2-2018-05-23.service-2.json.gz"),
                dir.join("logs-2014-03-28.service-2.json.gz"),
            )
        };
        if let Some(dir) = std::env::var_os("WEIR_FUZZ_MODELS") {
            candidates.push(reference(PathBuf::from(dir)));
        }
        candidates.push(reference(repo_root.join("../shared/reference")));
        if let Some(ka) = std::env::var_os("WEIR_BOTOCORE_MODEL") {
            let ka = PathBuf::from(ka);
            // .../data/kinesisanalyticsv2/2018-05-23/service-2.json.gz
            if let Some(data) = ka.ancestors().nth(3) {
                let logs = data.join("logs/2014-03-28/service-2.json.gz");
                candidates.push((ka, logs));
            }
        }
        for (ka, logs) in candidates {
            if ka.is_file() && logs.is_file() {
                return Ok(Models {
                    kinesis: read_gz_json(&ka)?,
                    logs: read_gz_json(&logs)?,
                });
            }
            tried.push(ka.display().to_string());
        }
        Err(format!(
            "the API models were not found (tried {}); set WEIR_FUZZ_MODELS to a directory \
             holding kinesisanalyticsv2-2018-05-23.service-2.json.gz and \
             logs-2014-03-28.service-2.json.gz",
            tried.join(", ")
        ))
    }
}

fn read_gz_json(path: &Path) -> Result<Value, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `--flink-home RUNTIME=<nowhere>` for every Flink runtime of the model:
/// a StartApplication fails fast (no distribution there) instead of
/// installing Flink from PyPI or starting JVMs.
pub fn no_flink_args(models: &Models) -> Vec<String> {
    let mut args = Vec::new();
    for v in models.kinesis["shapes"]["RuntimeEnvironment"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|v| v.starts_with("FLINK-"))
    {
        args.push("--flink-home".to_string());
        args.push(format!("{v}=/nonexistent/weir-fuzz-no-flink"));
    }
    args
}

/// Where the server under test is.
pub struct Target {
    pub addr: SocketAddr,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub data_dir: PathBuf,
    /// Whether the server process is still running.
    pub alive: Box<dyn FnMut() -> bool>,
}

pub struct Settings {
    pub requests: u64,
    pub seed: u64,
    /// Bodies above the server's limit (73 MiB each) are sent, rarely.
    pub oversized: bool,
    /// The largest body generated on purpose under the limit (a few are
    /// this size; huge strings are up to a quarter of it). Every byte is
    /// hashed twice (signature), so debug builds want it small.
    pub large_bytes: usize,
    /// Print progress every so many requests (0: never).
    pub progress_every: u64,
}

/// One request that broke a rule.
#[derive(Debug)]
pub struct Failure {
    pub index: u64,
    pub what: String,
    pub request: String,
}

#[derive(Default)]
pub struct Report {
    pub seed: u64,
    pub sent: u64,
    pub by_operation: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
    pub by_kind: BTreeMap<&'static str, u64>,
    /// 2xx answers by request kind.
    pub ok_by_kind: BTreeMap<&'static str, u64>,
    /// Refusals by status class and `__type` ("4xx ValidationException").
    pub by_error: BTreeMap<String, u64>,
    pub failures: Vec<Failure>,
    pub elapsed: Duration,
    pub applications_at_end: usize,
}

impl Report {
    /// Counts one answer in the split (2xx, 4xx by `__type`, 5xx, none).
    fn count_outcome(&mut self, kind: &'static str, resp: &Response) {
        if resp.broken.is_some() || resp.status == 0 {
            *self.by_error.entry("no answer".into()).or_default() += 1;
            return;
        }
        if resp.status < 300 {
            *self.ok_by_kind.entry(kind).or_default() += 1;
            return;
        }
        let class = format!("{}xx", resp.status / 100);
        let kind = serde_json::from_slice::<Value>(&resp.body)
            .ok()
            .and_then(|v| {
                v["__type"]
                    .as_str()
                    .or(v["code"].as_str())
                    .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
            })
            .unwrap_or_else(|| format!("HTTP {}", resp.status));
        *self.by_error.entry(format!("{class} {kind}")).or_default() += 1;
    }

    /// Answers with a 2xx status.
    pub fn ok(&self) -> u64 {
        self.ok_by_kind.values().sum()
    }

    /// Answers with a status of class `class` (4 or 5).
    pub fn refused(&self, class: u16) -> u64 {
        let prefix = format!("{class}xx ");
        self.by_error
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(_, n)| n)
            .sum()
    }

    /// Refusals that come from the service's own logic (the request was
    /// well-formed, signed and valid, but the resource is missing, busy,
    /// or in the wrong state), as opposed to authentication and input checks.
    pub fn reached_logic(&self) -> u64 {
        self.by_error
            .iter()
            .filter(|(k, _)| {
                k.starts_with("4xx ")
                    && !AUTH_TYPES.iter().any(|a| k.ends_with(a))
                    && !INPUT_REFUSALS.iter().any(|a| k.ends_with(a))
            })
            .map(|(_, n)| n)
            .sum()
    }

    /// The split of the answers, one line each.
    pub fn split_lines(&self) -> Vec<String> {
        let pct = |n: u64| 100.0 * n as f64 / self.sent.max(1) as f64;
        let ok = self.ok();
        let deeper = self.reached_logic();
        let mut out = vec![format!(
            "2xx: {ok} ({:.1}%); 4xx: {} ({:.1}%); 5xx: {} ({:.1}%); no answer: {}",
            pct(ok),
            self.refused(4),
            pct(self.refused(4)),
            self.refused(5),
            pct(self.refused(5)),
            self.by_error.get("no answer").copied().unwrap_or(0)
        )];
        out.push(format!(
            "reached the service's logic (2xx, or refused for the resource's state): {} ({:.1}%)",
            ok + deeper,
            pct(ok + deeper)
        ));
        let ok_kinds: Vec<String> = self
            .ok_by_kind
            .iter()
            .map(|(k, n)| {
                let of = self.by_kind.get(k).copied().unwrap_or(0);
                format!("{k} {n} of {of}")
            })
            .collect();
        out.push(format!("2xx by request kind: {}", ok_kinds.join(", ")));
        let mut errors: Vec<(&String, &u64)> = self.by_error.iter().collect();
        errors.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for chunk in errors.chunks(3) {
            let line: Vec<String> = chunk.iter().map(|(k, n)| format!("{k} {n}")).collect();
            out.push(format!("  {}", line.join(", ")));
        }
        out
    }

    pub fn print(&self) {
        println!("weir-bench fuzz: seed {}", self.seed);
        println!(
            "  fuzz requests sent: {} in {:.1} s ({:.0}/s)",
            self.sent,
            self.elapsed.as_secs_f64(),
            self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
        );
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| {
                format!(
                    "{}: {n}",
                    if *s == 0 {
                        "none".into()
                    } else {
                        s.to_string()
                    }
                )
            })
            .collect();
        println!("  statuses: {}", statuses.join(", "));
        println!("  split of the answers:");
        for line in self.split_lines() {
            println!("    {line}");
        }
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        println!("  request kinds: {}", kinds.join(", "));
        let mut ops: Vec<(&String, &u64)> = self.by_operation.iter().collect();
        ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        println!("  operations ({} distinct), most sent first:", ops.len());
        for chunk in ops.chunks(4) {
            let line: Vec<String> = chunk.iter().map(|(o, n)| format!("{o} {n}")).collect();
            println!("    {}", line.join(", "));
        }
        println!(
            "  applications in the catalogue at the end: {}",
            self.applications_at_end
        );
        println!("  failures found: {}", self.failures.len());
        for f in self.failures.iter().take(20) {
            println!(
                "    #{} (seed {}): {}\n      request: {}",
                f.index, self.seed, f.what, f.request
            );
        }
    }
}

/// SplitMix64: small, seeded, the same on every platform and version.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    // A generator's step, not an `Iterator` (it never ends).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo) as u64 + 1) as i64
        }
    }
}

/// Strings that have broken servers before.
const HOSTILE: &[&str] = &[
    "",
    " ",
    ".",
    "..",
    "...",
    "../../weir-fuzz-escape",
    "../weir-fuzz-escape",
    "..\\..\\weir-fuzz-escape",
    "/tmp/weir-fuzz-escape",
    "a/../../weir-fuzz-escape",
    "%2e%2e%2fweir-fuzz-escape",
    "..%2f..%2fweir-fuzz-escape",
    "fuzz/..",
    "\u{0}",
    "nul\u{0}byte",
    "line\nbreak",
    "\u{202e}rtl",
    "日本語のアプリ",
    "😀🔥",
    "\u{feff}bom",
    "'; DROP TABLE applications; --",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "%s%s%s%n",
    "NaN",
    "-1",
    "9223372036854775808",
    "null",
];

/// How many application names the generator uses (`fuzz-0` ..), so that
/// the catalogue stays small however long the run.
const APP_NAMES: u64 = 64;

/// What the generator knows of one application, from the answers.
#[derive(Clone, Debug, Default)]
struct AppInfo {
    name: String,
    arn: String,
    version: i64,
    create_timestamp: Option<Value>,
    logging_ids: Vec<String>,
    /// Snapshot names with their creation timestamps, when known.
    snapshots: Vec<(String, Option<Value>)>,
    operations: Vec<String>,
}

impl AppInfo {
    fn named(name: String) -> AppInfo {
        AppInfo {
            arn: format!("arn:aws:kinesisanalytics:{REGION}:000000000000:application/{name}"),
            name,
            ..AppInfo::default()
        }
    }
}

/// What the generator knows of the catalogue, to aim at existing resources.
struct Pool {
    apps: Vec<AppInfo>,
    snapshots: Vec<String>,
    operations: Vec<String>,
    fresh: u64,
}

impl Pool {
    fn app(&mut self, rng: &mut Rng) -> String {
        if !self.apps.is_empty() && rng.chance(75) {
            rng.pick(&self.apps).name.clone()
        } else {
            self.fresh_name()
        }
    }

    fn fresh_name(&mut self) -> String {
        self.fresh += 1;
        format!("fuzz-{}", self.fresh % APP_NAMES)
    }

    /// An application the catalogue has (most of the time), for a request
    /// that is to be valid; for a CreateApplication, a name it has not.
    fn focus(&mut self, rng: &mut Rng, create: bool) -> AppInfo {
        if create {
            for _ in 0..4 {
                let name = self.fresh_name();
                if !self.apps.iter().any(|a| a.name == name) {
                    return AppInfo::named(name);
                }
            }
            return AppInfo::named(self.fresh_name());
        }
        if !self.apps.is_empty() && rng.chance(90) {
            rng.pick(&self.apps).clone()
        } else {
            AppInfo::named(self.fresh_name())
        }
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut AppInfo> {
        self.apps.iter_mut().find(|a| a.name == name)
    }
}

/// The operations Weir implements (the rest are refused with
/// `UnsupportedOperationException`); a valid request picks among these,
/// CreateApplication more often so that the catalogue fills up.
const KA_IMPLEMENTED: &[&str] = &[
    "CreateApplication",
    "CreateApplication",
    "CreateApplication",
    "DescribeApplication",
    "DescribeApplication",
    "ListApplications",
    "UpdateApplication",
    "UpdateApplication",
    "DeleteApplication",
    "DeleteApplication",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "ListApplicationVersions",
    "DescribeApplicationVersion",
    "AddApplicationCloudWatchLoggingOption",
    "DeleteApplicationCloudWatchLoggingOption",
    "UpdateApplicationMaintenanceConfiguration",
    "StartApplication",
    "StopApplication",
    "DescribeApplicationOperation",
    "ListApplicationOperations",
    "CreateApplicationSnapshot",
    "ListApplicationSnapshots",
    "DescribeApplicationSnapshot",
    "DeleteApplicationSnapshot",
    "RollbackApplication",
    "CreateApplicationPresignedUrl",
    "CreateSnapshot",
    "DescribeSnapshot",
    "ListSnapshots",
    "DeleteSnapshot",
    "ExportSnapshot",
    "ImportSnapshot",
    "DescribeSnapshotOperation",
    "ListSnapshotOperations",
];
const LOGS_IMPLEMENTED: &[&str] = &[
    "DescribeLogGroups",
    "DescribeLogStreams",
    "GetLogEvents",
    "FilterLogEvents",
];

/// How a model operation's payload is made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Meant to be accepted: an implemented operation, every value within
    /// the model's constraints (patterns included) and aimed at what the
    /// catalogue has, members Weir refuses by design left out.
    Valid,
    /// From the model's constraints alone, any operation.
    Loose,
    /// Hostile values.
    Wild,
}

/// Members a valid request leaves out: what Weir refuses by design (SQL,
/// Studio notebooks, VPCs, customer-managed keys) and what only an earlier
/// answer could fill in (tokens).
const NOT_IN_VALID: &[&str] = &[
    "SqlApplicationConfiguration",
    "SqlApplicationConfigurationUpdate",
    "ZeppelinApplicationConfiguration",
    "ZeppelinApplicationConfigurationUpdate",
    "VpcConfigurations",
    "VpcConfigurationUpdates",
    "ConditionalToken",
    "NextToken",
    "nextToken",
    "KeyId",
    "TextContent",
    "TextContentUpdate",
    "ObjectVersion",
    "ObjectVersionUpdate",
    "accountIdentifiers",
    "includeLinkedAccounts",
    "logGroupClass",
    "logGroupIdentifiers",
    "logGroupIdentifier",
    "logGroupNamePattern",
    "unmask",
    "SqlRunConfigurations",
];

/// Optional members a valid request always gives (a sibling rule, or the
/// service's own requirement, wants them).
const ALWAYS_IN_VALID: &[&str] = &[
    "CurrentApplicationVersionId",
    "CodeContent",
    "CodeContentType",
    "logGroupName",
];

/// The operations of one API and how to reach them.
struct Api {
    prefix: &'static str,
    service: &'static str,
    model: Value,
    /// (operation, input shape)
    ops: Vec<(String, Option<String>)>,
}

impl Api {
    fn new(prefix: &'static str, service: &'static str, model: Value) -> Api {
        let ops = model["operations"]
            .as_object()
            .map(|ops| {
                ops.iter()
                    .map(|(name, op)| {
                        (
                            name.clone(),
                            op["input"]["shape"].as_str().map(str::to_owned),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Api {
            prefix,
            service,
            model,
            ops,
        }
    }
}

/// How a request is authenticated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Auth {
    Signed,
    Unsigned,
    /// Signed, then one character of the signature changed.
    BadSignature,
    /// Signed under a key the server does not know.
    UnknownKey,
    /// Signed an hour ago.
    Stale,
    /// Signed for another region.
    WrongRegion,
    /// An Authorization header that is not SigV4 at all.
    Garbage,
}

/// One request, as built.
struct Request {
    kind: &'static str,
    operation: String,
    target: Option<Vec<u8>>,
    service: &'static str,
    body: Vec<u8>,
    auth: Auth,
    /// Content-Length lies (smaller than the body).
    short_length: bool,
}

impl Request {
    fn describe(&self) -> String {
        let target = self.target.as_ref().map_or("(none)".to_string(), |t| {
            String::from_utf8_lossy(t).into_owned()
        });
        let mut body = String::from_utf8_lossy(&self.body[..self.body.len().min(400)]).into_owned();
        if self.body.len() > 400 {
            body.push_str(&format!("… ({} bytes)", self.body.len()));
        }
        format!(
            "kind={} target={target:?} auth={:?} short_length={} body={body:?}",
            self.kind, self.auth, self.short_length
        )
    }
}

struct Generator {
    apis: Vec<Api>,
    pool: Pool,
    oversized: bool,
    large: usize,
    /// A small valid zip whose one entry claims to expand to 4 GiB, and a
    /// real deflate bomb (64 MiB of zeros in about 64 KiB).
    bombs: Vec<Vec<u8>>,
    /// The payload being made: how, and the application it aims at.
    mode: Mode,
    focus: AppInfo,
    /// The snapshot a valid request names, with its creation timestamp.
    focus_snapshot: (String, Option<Value>),
    runtimes: Vec<String>,
}

impl Generator {
    fn new(models: &Models, oversized: bool, large: usize) -> Generator {
        Generator {
            apis: vec![
                Api::new(KA_PREFIX, "kinesisanalytics", models.kinesis.clone()),
                Api::new(LOGS_PREFIX, "logs", models.logs.clone()),
            ],
            pool: Pool {
                apps: Vec::new(),
                snapshots: vec!["snap-0".into(), "snap-1".into()],
                operations: Vec::new(),
                fresh: 0,
            },
            oversized,
            large: large.max(1 << 14),
            bombs: vec![zip_bomb(false), zip_bomb(true)],
            mode: Mode::Loose,
            focus: AppInfo::default(),
            focus_snapshot: (String::new(), None),
            runtimes: models.kinesis["shapes"]["RuntimeEnvironment"]["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|v| v.starts_with("FLINK-"))
                .map(str::to_owned)
                .collect(),
        }
    }

    fn request(&mut self, rng: &mut Rng) -> Request {
        let auth = match rng.below(100) {
            0..=84 => Auth::Signed,
            85..=88 => Auth::Unsigned,
            89..=91 => Auth::BadSignature,
            92..=93 => Auth::UnknownKey,
            94..=95 => Auth::Stale,
            96..=97 => Auth::WrongRegion,
            _ => Auth::Garbage,
        };
        let roll = rng.below(1000);
        if self.oversized && roll == 0 && rng.chance(10) {
            // Rarely: 73 MiB of a valid JSON string.
            let mut body = b"{\"ApplicationName\":\"".to_vec();
            body.resize(OVERSIZED_BYTES, b'a');
            body.extend_from_slice(b"\"}");
            return self.finish("oversized", KA_PREFIX, "DescribeApplication", body, auth);
        }
        if roll < 40 {
            // A target that is not an operation.
            let target: Vec<u8> = match rng.below(8) {
                0 => Vec::new(),
                1 => format!("{KA_PREFIX}.").into_bytes(),
                2 => format!("{KA_PREFIX}.describeApplication").into_bytes(),
                // Not the control characters: a header value cannot hold them
                // (the HTTP layer refuses such a request before Weir sees it).
                3 => format!("{LOGS_PREFIX}.{}", rng.pick(HOSTILE))
                    .replace(|c: char| c.is_ascii_control(), "?")
                    .into_bytes(),
                4 => format!("{ADMIN_PREFIX}.Nope").into_bytes(),
                5 => vec![0xff, 0xfe, b'.', 0x80],
                6 => "DynamoDB_20120810.GetItem".into(),
                _ => format!("{KA_PREFIX}.{}", "A".repeat(rng.below(5000) as usize)).into_bytes(),
            };
            let mut request = self.finish("bad-target", KA_PREFIX, "?", b"{}".to_vec(), auth);
            request.target = if rng.chance(10) { None } else { Some(target) };
            return request;
        }
        if roll < 70 {
            // Weir's operator API.
            let (op, body) = if rng.chance(50) {
                (
                    "StartApplicationMaintenance",
                    json!({"ApplicationName": self.pool.app(rng)}),
                )
            } else {
                let mut b = json!({"ApplicationName": self.pool.app(rng)});
                if rng.chance(50) {
                    b["Since"] = json!(rng.range(-5, 2_000_000_000));
                }
                ("DescribeApplicationMetrics", b)
            };
            let body = self.mangle_body(rng, body);
            return self.finish("admin", ADMIN_PREFIX, op, body, auth);
        }
        // A model operation: Kinesis Analytics V2 mostly. A valid one is
        // one of the operations Weir implements; the others are mostly
        // those too, else any of the model.
        let mode = match rng.below(100) {
            0..=59 => Mode::Valid,
            60..=74 => Mode::Loose,
            _ => Mode::Wild,
        };
        let api = if rng.chance(if mode == Mode::Valid { 85 } else { 75 }) {
            0
        } else {
            1
        };
        let implemented = if api == 0 {
            KA_IMPLEMENTED
        } else {
            LOGS_IMPLEMENTED
        };
        let (op, shape) = if mode == Mode::Valid || rng.chance(60) {
            let name = *rng.pick(implemented);
            let shape = self.apis[api]
                .ops
                .iter()
                .find(|(o, _)| o == name)
                .and_then(|(_, s)| s.clone());
            (name.to_string(), shape)
        } else {
            rng.pick(&self.apis[api].ops).clone()
        };
        self.mode = mode;
        self.focus = self.pool.focus(rng, op == "CreateApplication");
        self.focus_snapshot = if !self.focus.snapshots.is_empty() && rng.chance(70) {
            rng.pick(&self.focus.snapshots).clone()
        } else {
            (rng.pick(&self.pool.snapshots).clone(), None)
        };
        let wild = mode == Mode::Wild;
        let body = match &shape {
            Some(shape) => self.value(rng, api, shape, 0, wild, ""),
            None => json!({}),
        };
        let body = self.mangle_body(rng, body);
        let (prefix, service) = (self.apis[api].prefix, self.apis[api].service);
        let kind = match mode {
            Mode::Valid => "model-valid",
            Mode::Loose => "model",
            Mode::Wild => "model-wild",
        };
        let mut request = self.finish(kind, prefix, &op, body, auth);
        request.service = service;
        request
    }

    fn finish(
        &self,
        kind: &'static str,
        prefix: &str,
        op: &str,
        body: Vec<u8>,
        auth: Auth,
    ) -> Request {
        Request {
            kind,
            operation: format!("{prefix}.{op}"),
            target: Some(format!("{prefix}.{op}").into_bytes()),
            service: if prefix == LOGS_PREFIX {
                "logs"
            } else {
                "kinesisanalytics"
            },
            body,
            auth,
            short_length: false,
        }
    }

    /// The body bytes, now and then broken after serialization.
    fn mangle_body(&mut self, rng: &mut Rng, body: Value) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(&body).expect("a Value serializes");
        match rng.below(100) {
            0..=2 if !bytes.is_empty() => {
                // Truncated JSON.
                let at = rng.below(bytes.len() as u64) as usize;
                bytes.truncate(at);
            }
            3..=5 => {
                // Invalid UTF-8, inside a string if there is one.
                let at = bytes
                    .iter()
                    .position(|b| *b == b'"')
                    .map_or(0, |p| p + 1)
                    .min(bytes.len());
                let junk: &[u8] = rng.pick::<&[u8]>(&[
                    &[0xff],
                    &[0xc3, 0x28],
                    &[0xed, 0xa0, 0x80],
                    &[0xf4, 0x90, 0x80, 0x80],
                    &[0x80],
                ]);
                bytes.splice(at..at, junk.iter().copied());
            }
            6 => bytes = b"not json at all".to_vec(),
            7 => bytes = Vec::new(),
            8 => bytes = b"[]".to_vec(),
            9 => bytes = b"null".to_vec(),
            10 => {
                // Deep nesting.
                let depth = rng.range(100, 5000) as usize;
                bytes = format!(
                    "{{\"ApplicationName\":{}{}}}",
                    "[".repeat(depth),
                    "]".repeat(depth)
                )
                .into_bytes();
            }
            // A duplicate member.
            11 if bytes.len() > 2 && bytes.starts_with(b"{") => {
                let rest = bytes[1..].to_vec();
                bytes = b"{\"ApplicationName\":\"dup\",".to_vec();
                bytes.extend_from_slice(&rest);
            }
            12 => {
                // A string escape that is not a character.
                bytes = br#"{"ApplicationName":"\ud800\udfff\ud800","Limit":1e400}"#.to_vec();
            }
            13 => {
                // A large body under the limit.
                let n = rng.range(self.large as i64 / 4, self.large as i64) as usize;
                bytes = format!("{{\"ApplicationName\":\"{}\"}}", "x".repeat(n)).into_bytes();
            }
            _ => {}
        }
        bytes
    }

    /// A value for `shape` of API `api`: valid-ish unless `wild`.
    fn value(
        &mut self,
        rng: &mut Rng,
        api: usize,
        shape: &str,
        depth: usize,
        wild: bool,
        member: &str,
    ) -> Value {
        let def = self.apis[api].model["shapes"][shape].clone();
        if wild && rng.chance(8) {
            return self.wrong_type(rng, &def);
        }
        if self.mode == Mode::Valid {
            if let Some(v) = self.valid_member(rng, member, &def) {
                return v;
            }
        } else if let Some(v) = self.known_member(rng, member, wild) {
            return v;
        }
        match def["type"].as_str().unwrap_or("string") {
            "structure" => {
                let mut out = Map::new();
                let required: BTreeSet<String> = def["required"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let valid = self.mode == Mode::Valid;
                if let Some(members) = def["members"].as_object() {
                    for (name, m) in members {
                        if valid && NOT_IN_VALID.contains(&name.as_str()) {
                            continue;
                        }
                        let include = if required.contains(name) {
                            !(wild && rng.chance(10))
                        } else if valid && ALWAYS_IN_VALID.contains(&name.as_str()) {
                            true
                        } else if valid {
                            depth < 5 && rng.chance(if depth < 2 { 40 } else { 25 })
                        } else {
                            depth < 6 && rng.chance(if depth < 2 { 50 } else { 30 })
                        };
                        if include {
                            let target = m["shape"].as_str().unwrap_or("String").to_string();
                            out.insert(
                                name.clone(),
                                self.value(rng, api, &target, depth + 1, wild, name),
                            );
                        }
                    }
                }
                if wild && rng.chance(10) {
                    out.insert(rng.pick(HOSTILE).to_string(), json!(1));
                }
                Value::Object(out)
            }
            "list" => {
                let target = def["member"]["shape"]
                    .as_str()
                    .unwrap_or("String")
                    .to_string();
                let mut max = def["max"].as_i64().unwrap_or(5);
                if self.mode == Mode::Valid && member.contains("CloudWatchLoggingOption") {
                    // One logging option per application.
                    max = 1;
                }
                let n = if wild && rng.chance(20) {
                    rng.range(max + 1, max + 3).min(max + 50)
                } else {
                    rng.range(def["min"].as_i64().unwrap_or(0), max.min(3))
                };
                let n = if depth > 6 { 0 } else { n };
                Value::Array(
                    (0..n)
                        .map(|_| self.value(rng, api, &target, depth + 1, wild, member))
                        .collect(),
                )
            }
            "map" => {
                let key = def["key"]["shape"].as_str().unwrap_or("String").to_string();
                let val = def["value"]["shape"]
                    .as_str()
                    .unwrap_or("String")
                    .to_string();
                let least = if self.mode == Mode::Valid { 1 } else { 0 };
                let n = rng.range(least, 3);
                let mut out = Map::new();
                for _ in 0..n {
                    let k = match self.value(rng, api, &key, depth + 1, wild, "") {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    out.insert(k, self.value(rng, api, &val, depth + 1, wild, ""));
                }
                Value::Object(out)
            }
            "string" => Value::String(self.string(rng, &def, wild, depth, member)),
            "integer" | "long" => {
                let lo = def["min"].as_i64().unwrap_or(0);
                let hi = def["max"].as_i64().unwrap_or(lo + 100).min(lo + 1000);
                if wild && rng.chance(40) {
                    json!(*rng.pick(&[i64::MIN, -1, 0, lo - 1, hi + 1, i64::MAX]))
                } else {
                    json!(rng.range(lo, hi))
                }
            }
            "boolean" => json!(rng.chance(50)),
            "double" | "float" => json!(rng.below(10_000) as f64 / 7.0),
            "timestamp" => {
                if wild && rng.chance(40) {
                    rng.pick(&[
                        json!(-1),
                        json!(1e300),
                        json!(-1e300),
                        json!(0.0001),
                        json!(i64::MAX),
                    ])
                    .clone()
                } else {
                    json!(now_secs() as i64 - rng.range(0, 86_400 * 30))
                }
            }
            "blob" => {
                let bytes = if rng.chance(5) {
                    rng.pick::<Vec<u8>>(&self.bombs).clone()
                } else {
                    (0..rng.below(64)).map(|_| rng.next() as u8).collect()
                };
                if wild && rng.chance(30) {
                    json!("not base64!!")
                } else {
                    json!(base64(&bytes))
                }
            }
            _ => json!(null),
        }
    }

    /// Members worth aiming at what exists: names, ARNs, versions.
    fn known_member(&mut self, rng: &mut Rng, member: &str, wild: bool) -> Option<Value> {
        if wild && rng.chance(25) {
            return Some(json!(rng.pick(HOSTILE)));
        }
        let v = match member {
            "ApplicationName" | "LogStreamNamePrefix" => json!(self.pool.app(rng)),
            "SnapshotName" => json!(rng.pick(&self.pool.snapshots)),
            "ResourceARN" => {
                if self.pool.apps.is_empty() || rng.chance(20) {
                    let app = self.pool.app(rng);
                    json!(format!("arn:aws:kinesisanalytics:{REGION}:000000000000:application/{app}"))
                } else {
                    json!(rng.pick(&self.pool.apps).arn)
                }
            }
            "ServiceExecutionRole" => json!(ROLE),
            "RuntimeEnvironment" => json!(rng.pick(&["FLINK-1_20", "FLINK-1_19", "FLINK-2_2", "FLINK-1_15", "SQL-1_0", "ZEPPELIN-FLINK-3_0"])),
            "CurrentApplicationVersionId" | "ApplicationVersionId" => json!(rng.range(1, 5)),
            "OperationId" if !self.pool.operations.is_empty() && rng.chance(60) => {
                json!(rng.pick(&self.pool.operations))
            }
            "LogGroupName" | "LogGroupNamePrefix" => {
                json!(format!("/aws/kinesis-analytics/{}", self.pool.app(rng)))
            }
            "LogStreamName" => json!("kinesis-analytics-log-stream"),
            "LogStreamARN" => json!(format!(
                "arn:aws:logs:{REGION}:000000000000:log-group:/aws/kinesis-analytics/{}:log-stream:kinesis-analytics-log-stream",
                self.pool.app(rng)
            )),
            "MaintenanceWindowStartTime" => json!(format!("{:02}:{:02}", rng.below(25), rng.below(61))),
            "ZipFileContent" => {
                let bomb: &Vec<u8> = rng.pick(&self.bombs);
                json!(base64(bomb))
            }
            _ => return None,
        };
        Some(v)
    }

    fn string(
        &mut self,
        rng: &mut Rng,
        def: &Value,
        wild: bool,
        depth: usize,
        member: &str,
    ) -> String {
        if let Some(values) = def["enum"].as_array() {
            let invalid = wild && rng.chance(40);
            if !values.is_empty() && !invalid {
                return rng.pick(values).as_str().unwrap_or_default().to_string();
            }
            return rng
                .pick(&["", "flink-1_20", "INVALID", "STREAMING ", "\u{0}"])
                .to_string();
        }
        let min = def["min"].as_i64().unwrap_or(0).max(0) as usize;
        let max = def["max"].as_i64().unwrap_or(64).max(min as i64) as usize;
        if wild {
            return match rng.below(5) {
                0 => "x".repeat(max + 1),
                // Huge, but only near the top: a body stays a few MiB.
                1 if depth < 3 => "y".repeat(rng.range(1 << 12, self.large as i64 / 4) as usize),
                2 => String::new(),
                _ => rng.pick(HOSTILE).to_string(),
            };
        }
        if let Some(pattern) = def["pattern"].as_str() {
            if pattern.starts_with("arn:") {
                return arn_for(member, &self.focus);
            }
            if let Some(s) = matching(rng, pattern, min, max) {
                return s;
            }
        }
        let len = rng.range(min.max(1) as i64, max.min(24) as i64) as usize;
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        (0..len).map(|_| *rng.pick(ALNUM) as char).collect()
    }

    /// The value a valid request gives member `member` (of shape `def`),
    /// when the model's constraints alone would not make it valid: the
    /// focus application's name, version, timestamps and ids, Weir's
    /// runtimes, the one role, `CUSTOM` where a sibling is set, and so on.
    fn valid_member(&mut self, rng: &mut Rng, member: &str, def: &Value) -> Option<Value> {
        let focus = &self.focus;
        let now_ms = now_secs() as i64 * 1000;
        let v = match member {
            "ApplicationName" => json!(focus.name),
            "CurrentApplicationVersionId" => json!(focus.version.max(1)),
            "ApplicationVersionId" => json!(rng.range(1, focus.version.max(1))),
            "CreateTimestamp" => focus
                .create_timestamp
                .clone()
                .unwrap_or_else(|| json!(now_secs())),
            "ResourceARN" => json!(focus.arn),
            "CloudWatchLoggingOptionId" if !focus.logging_ids.is_empty() => {
                json!(rng.pick(&focus.logging_ids))
            }
            "SnapshotName" => json!(self.focus_snapshot.0),
            "SnapshotCreationTimestamp" => self
                .focus_snapshot
                .1
                .clone()
                .unwrap_or_else(|| json!(now_secs())),
            "OperationId" if !focus.operations.is_empty() => json!(rng.pick(&focus.operations)),
            "OperationId" if !self.pool.operations.is_empty() => {
                json!(rng.pick(&self.pool.operations))
            }
            "ServiceExecutionRole" | "ServiceExecutionRoleUpdate" | "RoleARN" => json!(ROLE),
            "RuntimeEnvironment" | "RuntimeEnvironmentUpdate" if !self.runtimes.is_empty() => {
                json!(rng.pick(&self.runtimes))
            }
            "ApplicationMode" => json!("STREAMING"),
            "UrlType" => json!("FLINK_DASHBOARD_URL"),
            "CodeContentType" | "CodeContentTypeUpdate" => json!("ZIPFILE"),
            "KeyType" | "KeyTypeUpdate" => json!("AWS_OWNED_KEY"),
            "ConfigurationType" | "ConfigurationTypeUpdate" => json!("CUSTOM"),
            "ZipFileContent" | "ZipFileContentUpdate" => {
                if rng.chance(3) {
                    json!(base64(rng.pick::<Vec<u8>>(&self.bombs)))
                } else {
                    json!(base64(b"PK\x03\x04 a small application"))
                }
            }
            "BucketARN" | "BucketARNUpdate" => json!("arn:aws:s3:::weir-fuzz-bucket"),
            "FileKey" | "FileKeyUpdate" => json!("code/application.jar"),
            "LogStreamARN" | "LogStreamARNUpdate" => json!(format!(
                "arn:aws:logs:{REGION}:000000000000:log-group:/aws/kinesis-analytics/{}:log-stream:kinesis-analytics-log-stream",
                focus.name
            )),
            "ApplicationMaintenanceWindowStartTimeUpdate" | "MaintenanceWindowStartTime" => {
                json!(format!("{:02}:{:02}", rng.below(24), rng.below(60)))
            }
            "logGroupName" => json!(format!("/aws/kinesis-analytics/{}", focus.name)),
            "logGroupNamePrefix" => json!(*rng.pick(&["/aws/kinesis-analytics/", "/aws/", "/aws/kinesis-analytics/fuzz-"])),
            "logStreamName" | "logStreamNamePrefix" => json!("kinesis-analytics-log-stream"),
            "logStreamNames" => json!(["kinesis-analytics-log-stream"]),
            "filterPattern" => json!(*rng.pick(&[
                "",
                "ERROR",
                "\"Exception\"",
                "?ERROR ?WARN",
                "-DEBUG",
                "{ $.level = \"ERROR\" }",
                "[ip, user, status = 5*]",
            ])),
            "startTime" => json!(now_ms - rng.range(0, 86_400_000)),
            "endTime" => json!(now_ms + rng.range(0, 60_000)),
            _ if def["pattern"].as_str().is_some_and(|p| p.starts_with("arn:")) => {
                json!(arn_for(member, focus))
            }
            _ => return None,
        };
        Some(v)
    }

    fn wrong_type(&mut self, rng: &mut Rng, def: &Value) -> Value {
        let is = |t: &str| def["type"].as_str() == Some(t);
        let choices = [
            json!(null),
            json!(true),
            json!(-3.5),
            json!(u64::MAX),
            json!("a string"),
            json!([1, "two", null]),
            json!({"nested": {"deeper": [{}]}}),
        ];
        loop {
            let v = rng.pick(&choices).clone();
            let same = (v.is_string() && is("string"))
                || (v.is_object() && (is("structure") || is("map")))
                || (v.is_array() && is("list"))
                || (v.is_boolean() && is("boolean"));
            if !same {
                return v;
            }
        }
    }

    /// Learns names, versions, timestamps and ids from a 2xx answer.
    fn learn(&mut self, operation: &str, request: &[u8], response: &Value) {
        let req: Value = serde_json::from_slice(request).unwrap_or(Value::Null);
        let op = operation.rsplit('.').next().unwrap_or_default();
        let named = req["ApplicationName"].as_str().map(str::to_owned);
        if op == "DeleteApplication" && operation.starts_with(KA_PREFIX) {
            if let Some(name) = &named {
                self.pool.apps.retain(|a| &a.name != name);
            }
            return;
        }
        let detail = &response["ApplicationDetail"];
        if let (Some(name), Some(arn)) = (
            detail["ApplicationName"].as_str(),
            detail["ApplicationARN"].as_str(),
        ) {
            if self.pool.get_mut(name).is_none() {
                self.pool.apps.push(AppInfo {
                    name: name.to_string(),
                    arn: arn.to_string(),
                    ..AppInfo::default()
                });
            }
            let app = self.pool.get_mut(name).expect("just added");
            if let Some(v) = detail["ApplicationVersionId"].as_i64() {
                app.version = v;
            }
            if detail["CreateTimestamp"].is_number() {
                app.create_timestamp = Some(detail["CreateTimestamp"].clone());
            }
            app.logging_ids = logging_ids(&detail["CloudWatchLoggingOptionDescriptions"]);
        }
        let Some(name) = named else {
            return;
        };
        let pool = &mut self.pool;
        let Some(i) = pool.apps.iter().position(|a| a.name == name) else {
            return;
        };
        let app = &mut pool.apps[i];
        if let Some(v) = response["ApplicationVersionId"].as_i64() {
            app.version = v;
        }
        if response["CloudWatchLoggingOptionDescriptions"].is_array() {
            app.logging_ids = logging_ids(&response["CloudWatchLoggingOptionDescriptions"]);
        }
        let mut operations: Vec<String> = response["ApplicationOperationInfoList"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["OperationId"].as_str().map(str::to_owned))
            .collect();
        operations.extend(response["OperationId"].as_str().map(str::to_owned));
        for id in operations {
            if !app.operations.contains(&id) {
                app.operations.push(id.clone());
                if app.operations.len() > 20 {
                    app.operations.remove(0);
                }
            }
            if pool.operations.len() < 50 {
                pool.operations.push(id);
            }
        }
        let mut snapshots: Vec<&Value> = response["SnapshotSummaries"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        snapshots.extend(Some(&response["SnapshotDetails"]).filter(|d| d.is_object()));
        for s in snapshots {
            if let Some(snapshot) = s["SnapshotName"].as_str() {
                let ts = Some(s["SnapshotCreationTimestamp"].clone()).filter(Value::is_number);
                app.snapshots.retain(|(n, _)| n != snapshot);
                app.snapshots.push((snapshot.to_string(), ts));
            }
        }
        if op == "CreateApplicationSnapshot" {
            if let Some(s) = req["SnapshotName"].as_str() {
                if !app.snapshots.iter().any(|(n, _)| n == s) {
                    app.snapshots.push((s.to_string(), None));
                }
                if pool.snapshots.len() < 20 && !pool.snapshots.iter().any(|x| x == s) {
                    pool.snapshots.push(s.to_string());
                }
            }
        }
        if op == "DeleteApplicationSnapshot" {
            if let Some(s) = req["SnapshotName"].as_str() {
                app.snapshots.retain(|(n, _)| n != s);
            }
        }
        if app.snapshots.len() > 20 {
            app.snapshots.remove(0);
        }
    }
}

/// The ids of the CloudWatch logging options of a description list.
fn logging_ids(descriptions: &Value) -> Vec<String> {
    descriptions
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["CloudWatchLoggingOptionId"].as_str().map(str::to_owned))
        .collect()
}

/// An ARN for a member whose pattern is `arn:.*`, of the kind its name says.
fn arn_for(member: &str, focus: &AppInfo) -> String {
    let m = member.to_ascii_lowercase();
    if m.contains("bucket") {
        "arn:aws:s3:::weir-fuzz-bucket".into()
    } else if m.contains("role") {
        ROLE.into()
    } else if m.contains("logstream") {
        format!(
            "arn:aws:logs:{REGION}:000000000000:log-group:/aws/kinesis-analytics/{}:log-stream:kinesis-analytics-log-stream",
            focus.name
        )
    } else if m.contains("database") {
        format!("arn:aws:glue:{REGION}:000000000000:database/weir_fuzz")
    } else if m.contains("stream") {
        format!("arn:aws:kinesis:{REGION}:000000000000:stream/weir-fuzz")
    } else if m.contains("lambda") {
        format!("arn:aws:lambda:{REGION}:000000000000:function:weir-fuzz")
    } else if m.contains("firehose") {
        format!("arn:aws:firehose:{REGION}:000000000000:deliverystream/weir-fuzz")
    } else if focus.arn.is_empty() {
        format!("arn:aws:kinesisanalytics:{REGION}:000000000000:application/fuzz-0")
    } else {
        focus.arn.clone()
    }
}

/// A string that matches `pattern` (and the length bounds), for the small
/// subset of regular expressions the models use: one character class with
/// `*` or `+` (`[a-zA-Z0-9_.-]+`, `[^:*]*`, `[\w#+=/:,.@-]*`, ...), a
/// literal, or the maintenance window's `HH:MM`. None for anything else.
fn matching(rng: &mut Rng, pattern: &str, min: usize, max: usize) -> Option<String> {
    let p = pattern.trim_start_matches('^').trim_end_matches('$');
    if p.starts_with("([01][0-9]|2[0-3]):") {
        return Some(format!("{:02}:{:02}", rng.below(24), rng.below(60)));
    }
    if !p.contains(['[', ']', '(', ')', '*', '+', '?', '\\', '.', '|', '{']) {
        return Some(p.to_string());
    }
    let rest = p.strip_prefix('[')?;
    let (quantifier, class) = if let Some(c) = rest.strip_suffix("]+") {
        ('+', c)
    } else if let Some(c) = rest.strip_suffix("]*") {
        ('*', c)
    } else {
        return None;
    };
    let allowed = char_class(class)?;
    if allowed.is_empty() {
        return None;
    }
    // Letters and digits mostly, so that names look like names.
    let plain: Vec<char> = allowed
        .iter()
        .copied()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let lo = if quantifier == '+' { min.max(1) } else { min };
    let len = rng.range(lo as i64, max.min(24).max(lo) as i64) as usize;
    Some(
        (0..len)
            .map(|_| {
                if !plain.is_empty() && rng.chance(85) {
                    *rng.pick(&plain)
                } else {
                    *rng.pick(&allowed)
                }
            })
            .collect(),
    )
}

/// The printable ASCII characters (and space) a character class admits:
/// ranges, `^` negation, the escapes `\s`, `\S`, `\w`, `\d` and `\uXXXX`.
/// None for a class it does not understand.
fn char_class(class: &str) -> Option<Vec<char>> {
    let (negated, class) = match class.strip_prefix('^') {
        Some(c) => (true, c),
        None => (false, class),
    };
    let chars: Vec<char> = class.chars().collect();
    // Each item: a set of characters, or a single one (which may start a range).
    let mut sets: Vec<Box<dyn Fn(char) -> bool>> = Vec::new();
    let mut singles: Vec<char> = Vec::new();
    let mut i = 0;
    let mut last_single = false;
    while i < chars.len() {
        let c = chars[i];
        let escaped = c == '\\';
        let single = if escaped {
            let e = *chars.get(i + 1)?;
            i += 2;
            match e {
                's' => {
                    sets.push(Box::new(|c: char| c.is_ascii_whitespace()));
                    last_single = false;
                    continue;
                }
                'S' => {
                    sets.push(Box::new(|c: char| !c.is_ascii_whitespace()));
                    last_single = false;
                    continue;
                }
                'w' => {
                    sets.push(Box::new(|c: char| c.is_ascii_alphanumeric() || c == '_'));
                    last_single = false;
                    continue;
                }
                'd' => {
                    sets.push(Box::new(|c: char| c.is_ascii_digit()));
                    last_single = false;
                    continue;
                }
                'u' => {
                    let hex: String = chars.get(i..i + 4)?.iter().collect();
                    i += 4;
                    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                }
                other => other,
            }
        } else {
            i += 1;
            c
        };
        // `a-z`: a range, unless the dash ends the class or follows a range.
        if single == '-' && !escaped && last_single && i < chars.len() {
            let from = singles.pop()?;
            let to = if chars[i] == '\\' {
                let e = *chars.get(i + 1)?;
                i += 2;
                if e == 'u' {
                    let hex: String = chars.get(i..i + 4)?.iter().collect();
                    i += 4;
                    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                } else {
                    e
                }
            } else {
                i += 1;
                chars[i - 1]
            };
            sets.push(Box::new(move |c: char| from <= c && c <= to));
            last_single = false;
            continue;
        }
        singles.push(single);
        last_single = true;
    }
    Some(
        (' '..='~')
            .filter(|c| (sets.iter().any(|f| f(*c)) || singles.contains(c)) != negated)
            .collect(),
    )
}

/// A zip of one entry `code.jar`. `real`: 64 MiB of zeros, deflated (a
/// thousandfold expansion); otherwise a stored entry of a few bytes whose
/// headers claim 4 GiB.
fn zip_bomb(real: bool) -> Vec<u8> {
    let (data, method, size, claimed) = if real {
        let (data, size) = zeros_deflated(64 << 20);
        (data, 8u16, size, size)
    } else {
        (b"PK bomb".to_vec(), 0u16, 7u32, u32::MAX)
    };
    let name = b"code.jar";
    let crc = 0u32; // wrong on purpose for the claimed one; nobody may trust it
    let mut z = Vec::new();
    // Local file header.
    z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    z.extend_from_slice(&20u16.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(&method.to_le_bytes());
    z.extend_from_slice(&[0; 4]);
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&claimed.max(size).to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    z.extend_from_slice(&data);
    let central = z.len() as u32;
    z.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    z.extend_from_slice(&20u16.to_le_bytes());
    z.extend_from_slice(&20u16.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(&method.to_le_bytes());
    z.extend_from_slice(&[0; 4]);
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&(data.len() as u32).to_le_bytes());
    z.extend_from_slice(&claimed.max(size).to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(name);
    let central_len = z.len() as u32 - central;
    z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    z.extend_from_slice(&[0; 4]);
    z.extend_from_slice(&1u16.to_le_bytes());
    z.extend_from_slice(&1u16.to_le_bytes());
    z.extend_from_slice(&central_len.to_le_bytes());
    z.extend_from_slice(&central.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

/// A raw deflate stream of about `bytes` zeros and its exact expanded size,
/// written by hand (one fixed-Huffman block: a literal 0, then matches of
/// 258 at distance 1, 13 bits each), so that building a bomb costs nothing
/// even in a debug build.
fn zeros_deflated(bytes: u32) -> (Vec<u8>, u32) {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        /// `len` bits of `value`, least significant first.
        fn put(&mut self, value: u32, len: u32) {
            self.acc |= u64::from(value) << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code: most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            let reversed = code.reverse_bits() >> (32 - len);
            self.put(reversed, len);
        }
    }
    let matches = (bytes.saturating_sub(1)) / 258;
    let mut w = Bits {
        out: Vec::with_capacity(matches as usize * 13 / 8 + 16),
        acc: 0,
        n: 0,
    };
    w.put(1, 1); // BFINAL
    w.put(1, 2); // BTYPE 01: fixed Huffman codes
    w.code(0x30, 8); // literal 0
    for _ in 0..matches {
        w.code(0xC5, 8); // length code 285: 258
        w.code(0, 5); // distance code 0: 1
    }
    w.code(0, 7); // end of block
    w.put(0, 7); // flush
    (w.out, 1 + matches * 258)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The headers of one request: `(name, value)`, value as bytes.
type Headers = Vec<(String, Vec<u8>)>;

/// Builds the request's headers, signing as its `auth` says.
fn headers(target: &Target, req: &Request, host: &str) -> Headers {
    let mut h: Headers = vec![
        ("host".into(), host.as_bytes().to_vec()),
        (
            "content-type".into(),
            b"application/x-amz-json-1.1".to_vec(),
        ),
    ];
    if let Some(t) = &req.target {
        h.push(("x-amz-target".into(), t.clone()));
    }
    let mut when = now_secs();
    if req.auth == Auth::Stale {
        when -= 3600;
    }
    let date = amz_date(when);
    match req.auth {
        Auth::Unsigned => return h,
        Auth::Garbage => {
            h.push(("authorization".into(), b"Basic dXNlcjpwYXNz".to_vec()));
            return h;
        }
        _ => {}
    }
    h.push(("x-amz-date".into(), date.clone().into_bytes()));
    let (key_id, secret) = if req.auth == Auth::UnknownKey {
        ("AKIAUNKNOWNFUZZKEY00", "not-the-secret")
    } else {
        (
            target.access_key_id.as_str(),
            target.secret_access_key.as_str(),
        )
    };
    let region = if req.auth == Auth::WrongRegion {
        "eu-west-3"
    } else {
        REGION
    };
    let parts: Vec<(&str, &[u8])> = h.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
    let mut signature = sign::sign_post(&parts, &req.body, secret, &date, region, req.service);
    if req.auth == Auth::BadSignature {
        let flipped = if signature.signature.starts_with('0') {
            "1"
        } else {
            "0"
        };
        signature.signature.replace_range(0..1, flipped);
    }
    h.push((
        "authorization".into(),
        signature.authorization(key_id).into_bytes(),
    ));
    h
}

/// A response: status (0 when there was none) and body.
struct Response {
    status: u16,
    body: Vec<u8>,
    /// Why there was no complete response.
    broken: Option<String>,
}

/// Sends one request on a fresh connection (`Connection: close`) and reads
/// the answer to the end. The body is written by a second thread, so an
/// early answer (413 for an oversized body) is read while it is still going.
fn exchange(addr: SocketAddr, headers: &Headers, body: &[u8], short_length: bool) -> Response {
    let broken = |why: String| Response {
        status: 0,
        body: Vec::new(),
        broken: Some(why),
    };
    let mut stream = match TcpStream::connect_timeout(&addr, Duration::from_secs(10)) {
        Ok(s) => s,
        Err(e) => return broken(format!("connect: {e}")),
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = stream.set_nodelay(true);
    let mut head = b"POST / HTTP/1.1\r\n".to_vec();
    for (n, v) in headers {
        head.extend_from_slice(n.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(v);
        head.extend_from_slice(b"\r\n");
    }
    let length = if short_length {
        body.len() / 2
    } else {
        body.len()
    };
    head.extend_from_slice(
        format!("content-length: {length}\r\nconnection: close\r\n\r\n").as_bytes(),
    );
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => return broken(format!("clone: {e}")),
    };
    let payload: Vec<u8> = body[..length].to_vec();
    let write = std::thread::spawn(move || {
        writer.write_all(&head)?;
        for chunk in payload.chunks(1 << 20) {
            writer.write_all(chunk)?;
        }
        writer.flush()
    });
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    let wrote = write.join().unwrap_or(Ok(()));
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return broken(format!(
            "no response head (read: {read:?}, write: {wrote:?}, {} bytes)",
            raw.len()
        ));
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut body = raw[split + 4..].to_vec();
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        body,
        broken: None,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        let stop = (start + size).min(data.len());
        out.extend_from_slice(&data[start..stop]);
        data = &data[(stop + 2).min(data.len())..];
    }
    out
}

/// What is wrong with a response, if anything.
fn judge(req: &Request, resp: &Response) -> Option<String> {
    if let Some(why) = &resp.broken {
        // A server may close the connection on a 73 MiB upload before the
        // client gets to read its answer; anything else is a failure.
        if req.kind == "oversized" {
            return None;
        }
        return Some(format!("no response: {why}"));
    }
    let status = resp.status;
    if status < 300 {
        if req.auth != Auth::Signed {
            return Some(format!("{status} for a request with auth {:?}", req.auth));
        }
        return match serde_json::from_slice::<Value>(&resp.body) {
            Ok(Value::Object(_)) => None,
            _ => Some(format!("{status} with a body that is not a JSON object")),
        };
    }
    let body: Value = match serde_json::from_slice(&resp.body) {
        Ok(v) => v,
        Err(_) => {
            return Some(format!(
                "{status} with a body that is not JSON: {:?}",
                String::from_utf8_lossy(&resp.body[..resp.body.len().min(300)])
            ))
        }
    };
    let kind = body["__type"].as_str().or(body["code"].as_str());
    let Some(kind) = kind else {
        return Some(format!("{status} without a string __type: {body}"));
    };
    if !body["message"].is_string() && !body["Message"].is_string() {
        return Some(format!("{status} {kind} without a message: {body}"));
    }
    if status >= 500 && kind != "ServiceUnavailableException" {
        return Some(format!("{status} {kind}: {body}"));
    }
    if (status == 403) != AUTH_TYPES.contains(&kind) {
        return Some(format!("{status} with __type {kind}"));
    }
    if req.auth != Auth::Signed && status != 403 && !(req.kind == "oversized" && status == 413) {
        return Some(format!(
            "{status} {kind} for a request with auth {:?}",
            req.auth
        ));
    }
    None
}

/// Sends `settings.requests` random requests and checks everything; the
/// report lists every failure.
pub fn run(models: &Models, target: &mut Target, settings: &Settings) -> Report {
    let mut report = Report {
        seed: settings.seed,
        ..Report::default()
    };
    let mut gen = Generator::new(models, settings.oversized, settings.large_bytes);
    let mut rng = Rng::new(settings.seed);
    let host = target.addr.to_string();
    let outside_before = outside_entries(&target.data_dir);
    let started = Instant::now();
    // WEIR_FUZZ_TRACE=<kind> prints every refusal of requests of that kind
    // (model-valid, model, ...), to see why they were refused.
    let trace = std::env::var("WEIR_FUZZ_TRACE").ok();

    // First, once each, the refusals the issue names; then the random run.
    let mut scripted = scripted(&mut gen, settings.oversized).into_iter();
    for index in 0..settings.requests {
        let req = scripted.next().unwrap_or_else(|| gen.request(&mut rng));
        let h = headers(target, &req, &host);
        let resp = exchange(target.addr, &h, &req.body, req.short_length);
        report.sent += 1;
        *report
            .by_operation
            .entry(req.operation.clone())
            .or_default() += 1;
        *report.by_status.entry(resp.status).or_default() += 1;
        *report.by_kind.entry(req.kind).or_default() += 1;
        report.count_outcome(req.kind, &resp);
        if trace.as_deref() == Some(req.kind) && resp.status >= 300 {
            eprintln!(
                "trace {} {}: {}\n  sent {}",
                req.operation,
                resp.status,
                String::from_utf8_lossy(&resp.body[..resp.body.len().min(300)]),
                String::from_utf8_lossy(&req.body[..req.body.len().min(600)])
            );
        }
        let mut what = judge(&req, &resp);
        if what.is_none() && resp.status < 300 {
            if let Ok(v) = serde_json::from_slice::<Value>(&resp.body) {
                gen.learn(&req.operation, &req.body, &v);
            }
        }
        if !(target.alive)() {
            what = Some(format!(
                "the server is gone after this request ({})",
                what.unwrap_or_default()
            ));
        }
        if let Some(what) = what {
            let gone = what.starts_with("the server is gone");
            report.failures.push(Failure {
                index,
                what,
                request: req.describe(),
            });
            if gone {
                break;
            }
        }
        if settings.progress_every > 0 && (index + 1) % settings.progress_every == 0 {
            println!(
                "  … {} requests, {} failures, {:.0} s",
                index + 1,
                report.failures.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    if (target.alive)() {
        match check_catalogue(target, &host) {
            Ok(n) => report.applications_at_end = n,
            Err(problems) => {
                for p in problems {
                    report.failures.push(Failure {
                        index: report.sent,
                        what: format!("catalogue afterwards: {p}"),
                        request: "(the checks after the run)".into(),
                    });
                }
            }
        }
    }
    let outside_after = outside_entries(&target.data_dir);
    for new in outside_after.difference(&outside_before) {
        report.failures.push(Failure {
            index: report.sent,
            what: format!("written outside the data directory: {new}"),
            request: "(the checks after the run)".into(),
        });
    }
    report.elapsed = started.elapsed();
    report
}

/// The hostile requests the issue names, sent first so that a short run has
/// them all: path traversal in names, keys and snapshot names, zip bombs,
/// invalid UTF-8, an oversized body.
fn scripted(gen: &mut Generator, oversized: bool) -> Vec<Request> {
    let mut out = Vec::new();
    let mut add = |op: &str, body: Vec<u8>| {
        let mut r = gen.finish("scripted", KA_PREFIX, op, body, Auth::Signed);
        r.kind = "scripted";
        out.push(r);
    };
    let create = |name: &str, zip: &[u8]| {
        serde_json::to_vec(&json!({
            "ApplicationName": name,
            "RuntimeEnvironment": "FLINK-1_20",
            "ServiceExecutionRole": ROLE,
            "ApplicationConfiguration": {
                "ApplicationCodeConfiguration": {
                    "CodeContentType": "ZIPFILE",
                    "CodeContent": {"ZipFileContent": base64(zip)}
                }
            }
        }))
        .expect("JSON")
    };
    let bombs = gen.bombs.clone();
    add("CreateApplication", create("fuzz-bomb", &bombs[1]));
    add("CreateApplication", create("fuzz-claims-4gib", &bombs[0]));
    add(
        "CreateApplication",
        create("fuzz-0", b"PK\x03\x04 not really a jar"),
    );
    for name in [
        "..",
        ".",
        "../../weir-fuzz-escape",
        "a/b",
        "fuzz\u{0}",
        "/weir-fuzz-escape",
    ] {
        add("CreateApplication", create(name, b"PK"));
        add(
            "DescribeApplication",
            serde_json::to_vec(&json!({"ApplicationName": name})).expect("JSON"),
        );
        for snapshot in [name, "..", "../../../weir-fuzz-escape"] {
            let body = json!({"ApplicationName": "fuzz-0", "SnapshotName": snapshot});
            add(
                "CreateApplicationSnapshot",
                serde_json::to_vec(&body).expect("JSON"),
            );
            add(
                "DescribeApplicationSnapshot",
                serde_json::to_vec(&body).expect("JSON"),
            );
            let mut body = body;
            body["SnapshotCreationTimestamp"] = json!(now_secs());
            add(
                "DeleteApplicationSnapshot",
                serde_json::to_vec(&body).expect("JSON"),
            );
        }
        let arn = format!("arn:aws:kinesisanalytics:{REGION}:000000000000:application/{name}");
        let body = json!({"ResourceARN": arn, "Tags": [{"Key": name, "Value": name}]});
        add("TagResource", serde_json::to_vec(&body).expect("JSON"));
        let arn = format!("arn:aws:kinesisanalytics:{REGION}:000000000000:application/fuzz-0");
        let body =
            json!({"ResourceARN": arn, "Tags": [{"Key": name, "Value": "../../weir-fuzz-escape"}]});
        add("TagResource", serde_json::to_vec(&body).expect("JSON"));
    }
    add(
        "DescribeApplication",
        b"{\"ApplicationName\":\"fuzz-\xff\xfe\"}".to_vec(),
    );
    add(
        "CreateApplication",
        b"{\"ApplicationName\":\"\xc3\x28\",\"RuntimeEnvironment\":\"FLINK-1_20\"}".to_vec(),
    );
    add(
        "DescribeApplication",
        b"{\"ApplicationName\":\"fuzz-0\"".to_vec(),
    );
    if oversized {
        let mut body = b"{\"ApplicationName\":\"".to_vec();
        body.resize(OVERSIZED_BYTES, b'a');
        body.extend_from_slice(b"\"}");
        add("DescribeApplication", body);
        out.last_mut().expect("just added").kind = "oversized";
    }
    out
}

/// Entries next to the data directory and above it (three levels) whose
/// names carry the traversal marker; and the entries of the data
/// directory's parent.
fn outside_entries(data_dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (level, dir) in data_dir.ancestors().skip(1).take(3).enumerate() {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if level == 0 || name.contains(ESCAPE_MARKER) {
                out.insert(e.path().display().to_string());
            }
        }
    }
    out
}

/// A signed call that must succeed, for the checks afterwards.
fn call(target: &Target, host: &str, op: &str, body: Value) -> Result<Value, String> {
    let req = Request {
        kind: "check",
        operation: format!("{KA_PREFIX}.{op}"),
        target: Some(format!("{KA_PREFIX}.{op}").into_bytes()),
        service: "kinesisanalytics",
        body: serde_json::to_vec(&body).expect("JSON"),
        auth: Auth::Signed,
        short_length: false,
    };
    let resp = exchange(target.addr, &headers(target, &req, host), &req.body, false);
    if resp.status != 200 {
        return Err(format!(
            "{op} {body}: {} {}",
            resp.status,
            String::from_utf8_lossy(&resp.body)
        ));
    }
    serde_json::from_slice(&resp.body).map_err(|e| format!("{op}: {e}"))
}

/// ListApplications pages against DescribeApplication of each, versions
/// 1..=current, no path-like name. The number of applications, or the problems.
fn check_catalogue(target: &Target, host: &str) -> Result<usize, Vec<String>> {
    let mut problems = Vec::new();
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"Limit": 7});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = match call(target, host, "ListApplications", body) {
            Ok(p) => p,
            Err(e) => return Err(vec![e]),
        };
        for s in page["ApplicationSummaries"]
            .as_array()
            .into_iter()
            .flatten()
        {
            listed.push((
                s["ApplicationName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                s["ApplicationVersionId"].as_i64().unwrap_or(-1),
            ));
        }
        token = page["NextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
        if listed.len() > 100_000 {
            return Err(vec!["ListApplications does not end".into()]);
        }
    }
    let unique: BTreeSet<&String> = listed.iter().map(|(n, _)| n).collect();
    if unique.len() != listed.len() {
        problems.push("ListApplications lists an application twice".into());
    }
    for (name, version) in &listed {
        if name.is_empty()
            || name == "."
            || name == ".."
            || name.contains('/')
            || name.contains('\\')
            || name.contains('\0')
        {
            problems.push(format!("an application with a path-like name: {name:?}"));
        }
        let detail = match call(
            target,
            host,
            "DescribeApplication",
            json!({"ApplicationName": name}),
        ) {
            Ok(d) => d,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let d = &detail["ApplicationDetail"];
        let current = d["ApplicationVersionId"].as_i64().unwrap_or(-1);
        if d["ApplicationName"].as_str() != Some(name) || current != *version {
            problems.push(format!(
                "{name}: listed at version {version}, described as {:?} version {current}",
                d["ApplicationName"]
            ));
        }
        let mut versions = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({"ApplicationName": name, "Limit": 50});
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            match call(target, host, "ListApplicationVersions", body) {
                Ok(page) => {
                    for v in page["ApplicationVersionSummaries"]
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        versions.push(v["ApplicationVersionId"].as_i64().unwrap_or(-1));
                    }
                    token = page["NextToken"].as_str().map(str::to_owned);
                }
                Err(e) => {
                    problems.push(e);
                    break;
                }
            }
            if token.is_none() || versions.len() > 10_000 {
                break;
            }
        }
        let mut sorted = versions.clone();
        sorted.sort_unstable();
        if sorted != (1..=current).collect::<Vec<_>>() {
            problems.push(format!(
                "{name}: versions listed {versions:?}, current {current}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(listed.len())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_made_deflate_stream_inflates_to_zeros() {
        let (data, size) = zeros_deflated(1 << 20);
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&data[..])
            .read_to_end(&mut out)
            .expect("a valid deflate stream");
        assert_eq!(out.len() as u32, size);
        assert!(out.iter().all(|b| *b == 0));
        assert!(data.len() * 150 < out.len(), "{} bytes", data.len());
    }

    #[test]
    fn strings_match_the_models_patterns() {
        let mut rng = Rng::new(3);
        let all = |pattern: &str, ok: &dyn Fn(char) -> bool| {
            let mut rng = Rng::new(5);
            for _ in 0..200 {
                let s = matching(&mut rng, pattern, 1, 64).expect(pattern);
                assert!(!s.is_empty() && s.len() <= 64, "{pattern}: {s:?}");
                assert!(s.chars().all(ok), "{pattern}: {s:?}");
            }
        };
        all("[a-zA-Z0-9_.-]+", &|c| {
            c.is_ascii_alphanumeric() || "_.-".contains(c)
        });
        all("[a-zA-Z0-9-_+/=]+", &|c| {
            c.is_ascii_alphanumeric() || "-_+/=".contains(c)
        });
        all("[\\.\\-_/#A-Za-z0-9]+", &|c| {
            c.is_ascii_alphanumeric() || "._-/#".contains(c)
        });
        all("[\\w#+=/:,.@-]*", &|c| {
            c.is_ascii_alphanumeric() || "_#+=/:,.@-".contains(c)
        });
        all("[^:*]*", &|c| c != ':' && c != '*' && !c.is_ascii_control());
        all("[^-\\s<>&]*", &|c| !"-<>& ".contains(c));
        all("[^\\u0000-\\u001F\\u007F]*", &|c| !c.is_ascii_control());
        assert_eq!(matching(&mut rng, "UTF-8", 5, 5).as_deref(), Some("UTF-8"));
        let time = matching(&mut rng, "([01][0-9]|2[0-3]):[0-5][0-9]", 5, 5).unwrap();
        let (h, m) = time.split_once(':').unwrap();
        assert!(h.parse::<u32>().unwrap() < 24 && m.parse::<u32>().unwrap() < 60);
        assert_eq!(matching(&mut rng, "^(?=^\\$)(?=^\\S+$).*$", 1, 9), None);
    }

    #[test]
    fn the_seed_replays() {
        let a: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next())).collect();
        let b: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next())).collect();
        assert_eq!(a, b);
    }
}
