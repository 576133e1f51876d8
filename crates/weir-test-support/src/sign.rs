//! SigV4 by hand, in one copy: the benchmark's per-request signer
//! ([`Signer`]), the fuzz client's signer of any header set, wrong on
//! purpose when it wants ([`sign_post`]), and the SDK's own signing path
//! ([`sdk_sign`], behind the test server's [`crate::server::Weir::send`] and
//! [`SignerKind::Sdk`]).
//!
//! The benchmark signs every request afresh, as an AWS SDK would, because the
//! server must verify every signature and the client's share of the two cores
//! counts. Two signers produce the same `Authorization` header (a test checks
//! it):
//!
//! - [`SignerKind::Fast`] derives the signing key once per day
//!   ([`signing_key`]), formats the date once per
//!   second, writes the canonical request into a reused buffer and signs it with
//!   `aws_sigv4::sign::v4::calculate_signature`: two SHA-256 digests and one HMAC
//!   per request.
//! - [`SignerKind::Sdk`] calls `aws_sigv4::http_request::sign` on every request,
//!   exactly what the AWS SDKs do (key derivation included), for comparison.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SigningInstructions, SigningSettings,
};
use aws_smithy_runtime_api::client::identity::Identity;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SIGNED_HEADERS: &str = "content-length;content-type;host;x-amz-date;x-amz-target";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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
        self.amz_date.clear();
        push_amz_date(&mut self.amz_date, second);
        let day = second / 86_400;
        if day != self.day {
            self.day = day;
            self.key = signing_key(
                &self.config.secret_access_key,
                &self.amz_date,
                &self.config.region,
                &self.config.service,
            );
            self.scope = scope(&self.amz_date, &self.config.region, &self.config.service);
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

        self.string_to_sign.clear();
        push_string_to_sign(
            &mut self.string_to_sign,
            &self.amz_date,
            &self.scope,
            self.canonical.as_bytes(),
        );
        let signature =
            aws_sigv4::sign::v4::calculate_signature(&self.key, self.string_to_sign.as_bytes());
        self.authorization.clear();
        push_authorization(
            &mut self.authorization,
            &self.config.access_key_id,
            &self.scope,
            SIGNED_HEADERS,
            &signature,
        );
    }

    fn sign_sdk(&mut self, now: SystemTime, target: &str, body: &[u8]) {
        let length = body.len().to_string();
        let headers = [
            ("content-length", length.as_str()),
            ("content-type", CONTENT_TYPE),
            ("host", self.config.host.as_str()),
            ("x-amz-target", target),
        ];
        let uri = format!("http://{}/", self.config.host);
        let instructions = sdk_sign(
            &self.identity,
            &self.config.region,
            &self.config.service,
            now,
            SigningSettings::default(),
            &uri,
            headers.into_iter(),
            body,
        );
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

/// Signs `POST uri` with these headers and body exactly as the AWS SDKs do
/// (`aws_sigv4::http_request::sign`, key derivation included); `settings`
/// says where the signature goes (header, or query string for a presigned
/// URL). The caller applies the instructions to its request.
#[allow(clippy::too_many_arguments)]
pub fn sdk_sign<'a>(
    identity: &Identity,
    region: &str,
    service: &str,
    time: SystemTime,
    settings: SigningSettings,
    uri: &'a str,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    body: &'a [u8],
) -> SigningInstructions {
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .expect("complete signing parameters")
        .into();
    let request = SignableRequest::new("POST", uri, headers, SignableBody::Bytes(body))
        .expect("signable request");
    let (instructions, _) = aws_sigv4::http_request::sign(request, &params)
        .expect("signing succeeds")
        .into_parts();
    instructions
}

/// The parts of a header signature that [`sign_post`] made.
#[derive(Clone, Debug)]
pub struct HeaderSignature {
    /// `YYYYMMDD/region/service/aws4_request`.
    pub scope: String,
    /// The signed headers' names, sorted, `;`-separated.
    pub signed_headers: String,
    /// The signature, 64 hex digits.
    pub signature: String,
}

impl HeaderSignature {
    /// The `Authorization` header's value for `access_key_id`.
    pub fn authorization(&self, access_key_id: &str) -> String {
        let mut out = String::with_capacity(256);
        push_authorization(
            &mut out,
            access_key_id,
            &self.scope,
            &self.signed_headers,
            &self.signature,
        );
        out
    }
}

/// Signs `POST /` with every one of `headers` (lower-case names, values as
/// bytes, trimmed as SigV4 says) and `body`, at `amz_date`
/// (`YYYYMMDDTHHMMSSZ`), for `region` and `service`: the fuzz client's
/// signer, which may be handed any header set, key, date or region.
pub fn sign_post(
    headers: &[(&str, &[u8])],
    body: &[u8],
    secret_access_key: &str,
    amz_date: &str,
    region: &str,
    service: &str,
) -> HeaderSignature {
    let mut sorted: Vec<&(&str, &[u8])> = headers.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let names: Vec<&str> = sorted.iter().map(|(n, _)| *n).collect();
    let signed_headers = names.join(";");
    let mut canonical = b"POST\n/\n\n".to_vec();
    for (n, v) in &sorted {
        canonical.extend_from_slice(n.as_bytes());
        canonical.push(b':');
        canonical.extend_from_slice(v.trim_ascii());
        canonical.push(b'\n');
    }
    canonical.push(b'\n');
    canonical.extend_from_slice(signed_headers.as_bytes());
    canonical.push(b'\n');
    let mut body_hash = String::with_capacity(64);
    push_sha256_hex(&mut body_hash, body);
    canonical.extend_from_slice(body_hash.as_bytes());
    let scope = scope(amz_date, region, service);
    let mut to_sign = String::with_capacity(256);
    push_string_to_sign(&mut to_sign, amz_date, &scope, &canonical);
    let key = signing_key(secret_access_key, amz_date, region, service);
    let signature = aws_sigv4::sign::v4::calculate_signature(&key, to_sign.as_bytes());
    HeaderSignature {
        scope,
        signed_headers,
        signature,
    }
}

/// The day's signing key (`AWS4<secret>` through HMAC-SHA256 with the
/// date `YYYYMMDD` of `amz_date`, the region, the service, `aws4_request`).
pub fn signing_key(
    secret_access_key: &str,
    amz_date: &str,
    region: &str,
    service: &str,
) -> Vec<u8> {
    let hmac = |key: &[u8], data: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    };
    let k = hmac(
        format!("AWS4{secret_access_key}").as_bytes(),
        &amz_date.as_bytes()[..8],
    );
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    hmac(&k, b"aws4_request")
}

/// `YYYYMMDD/region/service/aws4_request` for the day of `amz_date`.
fn scope(amz_date: &str, region: &str, service: &str) -> String {
    format!("{}/{region}/{service}/aws4_request", &amz_date[..8])
}

/// `AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex SHA-256 of the canonical request>`.
fn push_string_to_sign(out: &mut String, amz_date: &str, scope: &str, canonical: &[u8]) {
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    out.push_str(scope);
    out.push('\n');
    push_sha256_hex(out, canonical);
}

fn push_authorization(
    out: &mut String,
    access_key_id: &str,
    scope: &str,
    signed_headers: &str,
    signature: &str,
) {
    out.push_str(ALGORITHM);
    out.push_str(" Credential=");
    out.push_str(access_key_id);
    out.push('/');
    out.push_str(scope);
    out.push_str(", SignedHeaders=");
    out.push_str(signed_headers);
    out.push_str(", Signature=");
    out.push_str(signature);
}

/// `YYYYMMDDTHHMMSSZ` for epoch seconds (UTC).
pub fn amz_date(secs: u64) -> String {
    let mut out = String::with_capacity(16);
    push_amz_date(&mut out, secs);
    out
}

/// [`amz_date`] into a buffer (civil-from-days, no allocation).
pub fn push_amz_date(out: &mut String, secs: u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    write!(
        out,
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
    .expect("writing to a String");
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

    #[test]
    fn the_general_signer_matches_the_fast_one() {
        let mut fast = Signer::new(SignerKind::Fast, config());
        let c = config();
        let target = "KinesisAnalytics_20180523.DescribeApplication";
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_599);
        let body = br#"{"ApplicationName":"app"}"#;
        let length = body.len().to_string();
        let date = amz_date(1_767_225_599);
        let headers: [(&str, &[u8]); 5] = [
            ("x-amz-target", target.as_bytes()),
            ("host", c.host.as_bytes()),
            ("content-type", CONTENT_TYPE.as_bytes()),
            ("x-amz-date", date.as_bytes()),
            ("content-length", length.as_bytes()),
        ];
        let general = sign_post(
            &headers,
            body,
            &c.secret_access_key,
            &date,
            &c.region,
            &c.service,
        )
        .authorization(&c.access_key_id);
        let s = fast.sign(now, target, body);
        assert_eq!(s.amz_date, date);
        assert_eq!(s.authorization, general);
    }

    #[test]
    fn amz_date_is_utc_basic_format() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(1_764_158_400), "20251126T120000Z");
        assert_eq!(amz_date(951_782_400), "20000229T000000Z");
    }
}
