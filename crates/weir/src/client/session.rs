//! One command's connection to the server: the endpoint, the region, the
//! credentials and where they came from, the official SDK clients, and the
//! conversion of every failure into one line and an exit code.
//!
//! Credentials follow the AWS SDKs' standard order — `AWS_ACCESS_KEY_ID`/
//! `AWS_SECRET_ACCESS_KEY`, then the shared credentials and config files
//! (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, `AWS_PROFILE`) — and
//! when neither has any, the key pair Weir generated into
//! `<data-dir>/credentials`, so that `weir apps list` works on the server's
//! machine as it is. Instance metadata and container credentials are not
//! asked: Weir runs beside its users, not on EC2, and a look-up there only
//! costs a timeout. No region or endpoint is discovered either: both come
//! from the flags.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_kinesisanalyticsv2::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_kinesisanalyticsv2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_kinesisanalyticsv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::Value;

use super::{Connection, Exit, Failure, Output};

/// The clients and everything a command needs to say about them.
pub struct Session {
    pub kda: aws_sdk_kinesisanalyticsv2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub endpoint: String,
    pub region: String,
    pub output: Output,
    pub credentials: Credentials,
    /// Which key signs, and where it came from (for refusals).
    pub credentials_source: String,
    /// Weir's own key pair file, named in the hint of a refusal.
    weir_credentials_file: PathBuf,
}

/// The JSON 1.1 target prefix of Weir's operator API.
pub const ADMIN_TARGET_PREFIX: &str = "WeirAdmin_20261126";
/// The JSON 1.1 target prefix of Kinesis Analytics V2.
pub const KDA_TARGET_PREFIX: &str = "KinesisAnalytics_20180523";
/// Both are signed for this service name.
const SIGNING_NAME: &str = "kinesisanalytics";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Long enough for a large jar to be uploaded and stored.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(300);

impl Session {
    pub async fn open(conn: &Connection) -> Result<Session, Failure> {
        let endpoint = conn.endpoint.trim_end_matches('/').to_string();
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(Failure::usage(format!(
                "--endpoint must be an http:// or https:// URL, not {endpoint:?}"
            )));
        }
        let weir_credentials_file = conn.data_dir.join("credentials");
        let (credentials, credentials_source) =
            resolve_credentials(conn.profile.as_deref(), &weir_credentials_file).await?;

        // One configuration for both clients.
        let shared = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(Region::new(conn.region.clone()))
            .credentials_provider(SharedCredentialsProvider::new(credentials.clone()))
            // A refusal is reported as it is; --wait polls again anyway.
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            )
            .build();
        let kda = aws_sdk_kinesisanalyticsv2::Client::new(&shared);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&shared);
        Ok(Session {
            kda,
            logs,
            endpoint,
            region: conn.region.clone(),
            output: conn.output,
            credentials,
            credentials_source,
            weir_credentials_file,
        })
    }

    pub fn json(&self) -> bool {
        self.output == Output::Json
    }

    /// One line and an exit code for a failed SDK call.
    pub fn fail<E, R>(&self, err: SdkError<E, R>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                self.refused(
                    e.code().unwrap_or("UnknownError"),
                    e.message().unwrap_or_default(),
                )
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                self.unreachable(&root_cause(&err), matches!(err, SdkError::TimeoutError(_)))
            }
            _ => Failure::other(one_line(&format!(
                "unexpected answer from {}: {}",
                self.endpoint,
                DisplayErrorContext(&err)
            ))),
        }
    }

    /// A call to Weir's operator API (`WeirAdmin_20261126.<operation>`),
    /// which no AWS SDK knows.
    pub async fn admin_call(
        &self,
        operation: &str,
        body: &Value,
        timeout: Duration,
    ) -> Result<Value, Failure> {
        self.signed_call(&format!("{ADMIN_TARGET_PREFIX}.{operation}"), body, timeout)
            .await
    }

    /// A request signed here with `aws-sigv4` and sent with `reqwest`, for
    /// what the SDK cannot send: Weir's operator calls and Weir's own
    /// members of Kinesis Analytics V2 requests (`WeirCluster`). `target` is
    /// the whole `X-Amz-Target`. The answer's JSON, or the AWS error it
    /// answered with as a [`Failure`].
    pub async fn signed_call(
        &self,
        target: &str,
        body: &Value,
        timeout: Duration,
    ) -> Result<Value, Failure> {
        let operation = target.rsplit('.').next().unwrap_or(target);
        let body = serde_json::to_vec(body).expect("JSON values serialize");
        let url = format!("{}/", self.endpoint);
        let host = url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default())
            .unwrap_or_default()
            .to_string();
        let headers = [
            ("content-type", CONTENT_TYPE),
            ("host", host.as_str()),
            ("x-amz-target", target),
        ];
        let identity: Identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SIGNING_NAME)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Failure::other(format!("signing {operation}: {e}")))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| Failure::other(format!("signing {operation}: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| Failure::other(format!("signing {operation}: {e}")))?
            .into_parts();

        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(timeout)
            .build()
            .map_err(|e| Failure::other(format!("HTTP client: {e}")))?;
        let mut request = client
            .post(&url)
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", target)
            .body(body);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.unreachable(&root_cause(&e), e.is_timeout()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.unreachable(&e.to_string(), e.is_timeout()))?;
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        let code = json
            .get("__type")
            .and_then(Value::as_str)
            .map(|t| {
                let t = t.rsplit('#').next().unwrap_or(t);
                t.split(':').next().unwrap_or(t).to_string()
            })
            .unwrap_or_else(|| format!("HTTP{}", status.as_u16()));
        let message = json
            .get("message")
            .or_else(|| json.get("Message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| one_line(&String::from_utf8_lossy(&bytes)));
        Err(self.refused(&code, &message))
    }

    /// The server could not be reached (or did not answer in time).
    pub fn unreachable(&self, detail: &str, timed_out: bool) -> Failure {
        let what = if timed_out {
            "no answer from Weir at"
        } else {
            "cannot reach Weir at"
        };
        Failure::new(
            Exit::Unreachable,
            one_line(&format!(
                "{what} {} ({detail}); is `weir server` running there? (--endpoint, WEIR_ENDPOINT)",
                self.endpoint
            )),
        )
    }

    /// An AWS error the server answered with: `Code: message`, the exit
    /// code its kind calls for, and for an authentication refusal which
    /// credentials were used.
    pub fn refused(&self, code: &str, message: &str) -> Failure {
        let exit = classify(code);
        let mut line = format!("{code}: {message}");
        if exit == Exit::Auth {
            line.push_str(&format!(
                " — signed with {} for region {}",
                self.credentials_source, self.region
            ));
            if self.weir_credentials_file.is_file() {
                line.push_str(&format!(
                    "; Weir's own key pair is in {} (AWS_SHARED_CREDENTIALS_FILE={} AWS_PROFILE=weir)",
                    self.weir_credentials_file.display(),
                    self.weir_credentials_file.display()
                ));
            } else {
                line.push_str(
                    "; Weir's key pair is in <data-dir>/credentials on the server's machine (--data-dir)",
                );
            }
        }
        Failure::new(exit, one_line(&line))
    }
}

/// The exit code of an AWS error code.
pub fn classify(code: &str) -> Exit {
    match code {
        "ResourceNotFoundException" => Exit::NotFound,
        "ResourceInUseException"
        | "ConcurrentModificationException"
        | "InvalidApplicationConfigurationException" => Exit::Conflict,
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "IncompleteSignatureException"
        | "MissingAuthenticationTokenException"
        | "AccessDeniedException"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch" => Exit::Auth,
        _ => Exit::Other,
    }
}

/// The innermost cause of an error (`Connection refused (os error 111)`),
/// which says more to a person than the layers of client machinery above it.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Newlines and runs of white space folded into single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn short_key(credentials: &Credentials) -> String {
    let id = credentials.access_key_id();
    if id.len() > 8 {
        format!("{}…", &id[..8])
    } else {
        id.to_string()
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn env_path(var: &str, default: &str) -> String {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path).display().to_string(),
        None => home()
            .map(|h| h.join(default).display().to_string())
            .unwrap_or_else(|| format!("~/{default}")),
    }
}

/// The key to sign with and a sentence naming it and its origin.
async fn resolve_credentials(
    profile: Option<&str>,
    weir_file: &Path,
) -> Result<(Credentials, String), Failure> {
    if let Ok(credentials) = EnvironmentVariableCredentialsProvider::new()
        .provide_credentials()
        .await
    {
        let source = format!(
            "access key {} from AWS_ACCESS_KEY_ID in the environment",
            short_key(&credentials)
        );
        return Ok((credentials, source));
    }

    let mut builder = ProfileFileCredentialsProvider::builder();
    if let Some(name) = profile {
        builder = builder.profile_name(name);
    }
    let files = format!(
        "{}, {}",
        env_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
        env_path("AWS_CONFIG_FILE", ".aws/config")
    );
    match builder.build().provide_credentials().await {
        Ok(credentials) => {
            let source = format!(
                "access key {} of profile {} ({files})",
                short_key(&credentials),
                profile.unwrap_or("default")
            );
            return Ok((credentials, source));
        }
        // A profile asked for by name must be there.
        Err(e) if profile.is_some() => {
            return Err(Failure::new(
                Exit::Auth,
                one_line(&format!(
                    "no credentials for profile {} in {files}: {}",
                    profile.unwrap_or_default(),
                    DisplayErrorContext(&e)
                )),
            ));
        }
        Err(_) => {}
    }

    match std::fs::read_to_string(weir_file) {
        Ok(text) => match crate::credentials::parse(&text) {
            Some(pair) => {
                let credentials = Credentials::new(
                    pair.access_key_id,
                    pair.secret_access_key,
                    None,
                    None,
                    "weir-data-dir",
                );
                let source = format!(
                    "access key {} from Weir's key pair file {}",
                    short_key(&credentials),
                    weir_file.display()
                );
                Ok((credentials, source))
            }
            None => Err(Failure::new(
                Exit::Auth,
                format!(
                    "{} has no aws_access_key_id and aws_secret_access_key",
                    weir_file.display()
                ),
            )),
        },
        Err(_) => Err(Failure::new(
            Exit::Auth,
            format!(
                "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
                 AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE, or point --data-dir at the \
                 server's data directory (no {} here)",
                weir_file.display()
            ),
        )),
    }
}

/// Keeps the body of the response an SDK call received, so `--output json`
/// prints what the server said, member for member, rather than a re-encoding
/// of the SDK's types. Attach a fresh one to a call with
/// `.customize().interceptor(capture.clone())`.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Option<Vec<u8>>>>);

impl Capture {
    /// The response body as JSON (`{}` when there was none).
    pub fn json(&self) -> Value {
        let body = self.0.lock().expect("capture lock").take();
        body.and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_else(|| Value::Object(Default::default()))
    }
}

impl Capture {
    /// The array `member` of the response body, as the server sent it
    /// (empty when there is none).
    pub fn items(&self, member: &str) -> Vec<Value> {
        self.json()[member].as_array().cloned().unwrap_or_default()
    }
}

/// One page of a list call: its items as the server sent them (for
/// `--output json`), the same typed, and the token of the next page.
pub type Page<T> = (Vec<Value>, Vec<T>, Option<String>);

/// Every page of a list call, raw and typed: `page(token)` sends one (the
/// first with no token); the walk ends at the first page without a next
/// token.
pub async fn all_pages<T, F, Fut>(mut page: F) -> Result<(Vec<Value>, Vec<T>), Failure>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, Failure>>,
{
    let mut raw = Vec::new();
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let (page_raw, page_items, next) = page(token).await?;
        raw.extend(page_raw);
        items.extend(page_items);
        if next.is_none() {
            return Ok((raw, items));
        }
        token = next;
    }
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "WeirCliCapture"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(bytes) = context.response().body().bytes() {
            *self.0.lock().expect("capture lock") = Some(bytes.to_vec());
        }
        Ok(())
    }
}
