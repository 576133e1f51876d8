//! SigV4 header signing of the benchmark's `POST /` requests.
//!
//! Every request is signed afresh, as an AWS SDK would, because the server must
//! verify every signature and the client's share of the two cores counts. Two
//! signers produce the same `Authorization` header (a test checks it):
//!
//! - [`SignerKind::Fast`] derives the signing key once per day with
//!   `aws_sigv4::sign::v4::generate_signing_key`, formats the date once per
//!   second, writes the canonical request into a reused buffer and signs it with
//!   `aws_sigv4::sign::v4::calculate_signature`: two SHA-256 digests and one HMAC
//!   per request.
//! - [`SignerKind::Sdk`] calls `aws_sigv4::http_request::sign` on every request,
//!   exactly what the AWS SDKs do (key derivation included), for comparison.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};
use aws_smithy_runtime_api::client::identity::Identity;
use sha2::{Digest, Sha256};

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const SIGNED_HEADERS: &str = "content-length;content-type;host;x-amz-date;x-amz-target";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SignerKind {
    /// Cached daily signing key, one canonical request per call.
    Fast,
    /// `aws_sigv4::http_request::sign` per request, as the SDKs do.
    Sdk,
}

/// What the signer needs to know once: credentials, scope and the `Host` header.
#[derive(Clone, Debug)]
pub struct SigningConfig {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    pub service: String,
    pub host: String,
}

/// The two headers a signature adds to a request.
pub struct Signed<'a> {
    pub host: &'a str,
    pub amz_date: &'a str,
    pub authorization: &'a str,
}

/// A per-connection signer; it owns its caches and buffers, so tasks never share one.
pub struct Signer {
    kind: SignerKind,
    config: SigningConfig,
    identity: Identity,
    /// Unix second that `amz_date` was formatted for.
    second: u64,
    amz_date: String,
    /// Unix day that `key` and `scope` were derived for.
    day: u64,
    key: Vec<u8>,
    /// `YYYYMMDD/region/service/aws4_request`.
    scope: String,
    canonical: String,
    string_to_sign: String,
    authorization: String,
}

impl Signer {
    pub fn new(kind: SignerKind, config: SigningConfig) -> Signer {
        let identity = aws_credential_types::Credentials::new(
            &config.access_key_id,
            &config.secret_access_key,
            None,
            None,
            "weir-bench",
        )
        .into();
        Signer {
            kind,
            config,
            identity,
            second: u64::MAX,
            amz_date: String::new(),
            day: u64::MAX,
            key: Vec::new(),
            scope: String::new(),
            canonical: String::with_capacity(512),
            string_to_sign: String::with_capacity(256),
            authorization: String::with_capacity(256),
        }
    }

    /// Signs `POST /` with `X-Amz-Target: target` and this body, at `now`.
    pub fn sign(&mut self, now: SystemTime, target: &str, body: &[u8]) -> Signed<'_> {
        match self.kind {
            SignerKind::Fast => self.sign_fast(now, target, body),
            SignerKind::Sdk => self.sign_sdk(now, target, body),
        }
        Signed {
            host: &self.config.host,
            amz_date: &self.amz_date,
            authorization: &self.authorization,
        }
    }

    fn refresh_clock(&mut self, now: SystemTime) {
        let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if second == self.second {
            return;
        }
        self.second = second;
        let utc = chrono::DateTime::<chrono::Utc>::from(now);
        self.amz_date.clear();
        write!(self.amz_date, "{}", utc.format("%Y%m%dT%H%M%SZ")).unwrap();
        let day = second / 86_400;
        if day != self.day {
            self.day = day;
            let key = aws_sigv4::sign::v4::generate_signing_key(
                &self.config.secret_access_key,
                now,
                &self.config.region,
                &self.config.service,
            );
            self.key = key.as_ref().to_vec();
            self.scope = format!(
                "{}/{}/{}/aws4_request",
                &self.amz_date[..8],
                self.config.region,
                self.config.service
            );
        }
    }

    fn sign_fast(&mut self, now: SystemTime, target: &str, body: &[u8]) {
        self.refresh_clock(now);
        let c = &mut self.canonical;
        c.clear();
        c.push_str("POST\n/\n\ncontent-length:");
        write!(c, "{}", body.len()).unwrap();
        c.push_str("\ncontent-type:");
        c.push_str(CONTENT_TYPE);
        c.push_str("\nhost:");
        c.push_str(&self.config.host);
        c.push_str("\nx-amz-date:");
        c.push_str(&self.amz_date);
        c.push_str("\nx-amz-target:");
        c.push_str(target);
        c.push_str("\n\n");
        c.push_str(SIGNED_HEADERS);
        c.push('\n');
        push_sha256_hex(c, body);

        let s = &mut self.string_to_sign;
        s.clear();
        s.push_str("AWS4-HMAC-SHA256\n");
        s.push_str(&self.amz_date);
        s.push('\n');
        s.push_str(&self.scope);
        s.push('\n');
        push_sha256_hex(s, self.canonical.as_bytes());

        let signature = aws_sigv4::sign::v4::calculate_signature(&self.key, s.as_bytes());
        let a = &mut self.authorization;
        a.clear();
        a.push_str("AWS4-HMAC-SHA256 Credential=");
        a.push_str(&self.config.access_key_id);
        a.push('/');
        a.push_str(&self.scope);
        a.push_str(", SignedHeaders=");
        a.push_str(SIGNED_HEADERS);
        a.push_str(", Signature=");
        a.push_str(&signature);
    }

    fn sign_sdk(&mut self, now: SystemTime, target: &str, body: &[u8]) {
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.config.region)
            .name(&self.config.service)
            .time(now)
            .settings(SigningSettings::default())
            .build()
            .expect("complete signing parameters")
            .into();
        let length = body.len().to_string();
        let headers = [
            ("content-length", length.as_str()),
            ("content-type", CONTENT_TYPE),
            ("host", self.config.host.as_str()),
            ("x-amz-target", target),
        ];
        let uri = format!("http://{}/", self.config.host);
        let request =
            SignableRequest::new("POST", &uri, headers.into_iter(), SignableBody::Bytes(body))
                .expect("signable request");
        let (instructions, _) = aws_sigv4::http_request::sign(request, &params)
            .expect("signing succeeds")
            .into_parts();
        for (name, value) in instructions.headers() {
            match name {
                "x-amz-date" => {
                    self.amz_date.clear();
                    self.amz_date.push_str(value);
                }
                "authorization" => {
                    self.authorization.clear();
                    self.authorization.push_str(value);
                }
                _ => {}
            }
        }
    }
}

fn push_sha256_hex(out: &mut String, data: &[u8]) {
    let digest = Sha256::digest(data);
    let mut hex = [0u8; 64];
    hex::encode_to_slice(digest, &mut hex).expect("64 hex digits");
    out.push_str(std::str::from_utf8(&hex).expect("hex is ASCII"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn config() -> SigningConfig {
        SigningConfig {
            access_key_id: "AKIDWEIRBENCH".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
            service: "kinesisanalytics".into(),
            host: "127.0.0.1:8095".into(),
        }
    }

    #[test]
    fn fast_signer_matches_the_sdk_signer() {
        let mut fast = Signer::new(SignerKind::Fast, config());
        let mut sdk = Signer::new(SignerKind::Sdk, config());
        let target = "KinesisAnalytics_20180523.DescribeApplication";
        // Crosses a second and a day boundary so both caches are exercised.
        let start = UNIX_EPOCH + Duration::from_secs(1_767_225_599);
        for (i, offset) in [0u64, 0, 1, 2, 86_400].into_iter().enumerate() {
            let now = start + Duration::from_secs(offset);
            let body = format!("{{\"ApplicationName\":\"app-{i:05}\"}}");
            let (a_date, a_auth) = {
                let s = fast.sign(now, target, body.as_bytes());
                (s.amz_date.to_owned(), s.authorization.to_owned())
            };
            let s = sdk.sign(now, target, body.as_bytes());
            assert_eq!(a_date, s.amz_date);
            assert_eq!(a_auth, s.authorization);
        }
    }
}
