//! Entry points for the fuzz targets (`fuzz/`, cargo-fuzz): request decoding
//! and checking for every request type, SigV4 verification and the
//! CloudWatch Logs filter-pattern parser, each on arbitrary bytes and without
//! a catalogue. They return nothing: a target only looks for panics (and
//! hangs). Also run as seeded random loops in this crate's unit tests, so
//! they keep compiling and working without a nightly toolchain.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use chrono::TimeZone as _;

use crate::admin::{self, AdminOperation};
use crate::logs::{self, LogsOperation};
use crate::operation::Operation;
use crate::sigv4::Verifier;
use crate::wire::logs as wl;
use crate::wire::*;

/// The key pair [`verify`] accepts.
pub const ACCESS_KEY_ID: &str = "AKIAWEIRFUZZ00000001";
pub const SECRET_ACCESS_KEY: &str = "weir/fuzz/secret/000000000000000000000000";

/// Decodes and checks `body` as the request of `target` (an `X-Amz-Target`
/// value), as the handlers do before they touch the catalogue.
pub fn decode_any(target: &str, body: &[u8]) {
    if target.starts_with(logs::TARGET_PREFIX) {
        let Ok(op) = LogsOperation::from_target(target) else {
            return;
        };
        let _ = match op {
            LogsOperation::DescribeLogGroups => wl::DescribeLogGroupsRequest::parse(body).map(drop),
            LogsOperation::DescribeLogStreams => {
                wl::DescribeLogStreamsRequest::parse(body).map(drop)
            }
            LogsOperation::GetLogEvents => wl::GetLogEventsRequest::parse(body).map(drop),
            LogsOperation::FilterLogEvents => wl::FilterLogEventsRequest::parse(body).map(drop),
            _ => Ok(()),
        };
        return;
    }
    if target.starts_with(admin::TARGET_PREFIX) {
        let _ = match AdminOperation::from_target(target) {
            Ok(AdminOperation::StartApplicationMaintenance) => {
                StartApplicationMaintenanceRequest::parse(body).map(drop)
            }
            Ok(AdminOperation::DescribeApplicationMetrics) => {
                DescribeApplicationMetricsRequest::parse(body).map(drop)
            }
            Ok(AdminOperation::RegisterFlinkCluster) => {
                crate::wire::RegisterFlinkClusterRequest::parse(body).map(drop)
            }
            Ok(AdminOperation::DeregisterFlinkCluster) => {
                crate::wire::DeregisterFlinkClusterRequest::parse(body).map(drop)
            }
            Ok(AdminOperation::ListFlinkClusters) => Ok(()),
            Err(_) => Ok(()),
        };
        return;
    }
    let Ok(op) = Operation::from_target(target) else {
        return;
    };
    let _ = decode_operation(op, body);
}

fn decode_operation(op: Operation, body: &[u8]) -> Result<(), crate::error::ApiError> {
    match op {
        Operation::CreateApplication => {
            let req: CreateApplicationRequest = decode(body)?;
            let realm = weir_control::Realm {
                region: "us-east-1".into(),
                account_id: "000000000000".into(),
            };
            req.into_domain(&realm, "03:00").map(drop)
        }
        Operation::UpdateApplication => {
            let req: UpdateApplicationRequest = decode(body)?;
            req.into_domain().map(drop)
        }
        Operation::DescribeApplication => DescribeApplicationRequest::parse(body).map(drop),
        Operation::ListApplications => ListApplicationsRequest::parse(body).map(drop),
        Operation::DeleteApplication => DeleteApplicationRequest::parse(body).map(drop),
        Operation::ListApplicationVersions => ListApplicationVersionsRequest::parse(body).map(drop),
        Operation::DescribeApplicationVersion => {
            DescribeApplicationVersionRequest::parse(body).map(drop)
        }
        Operation::TagResource => TagResourceRequest::parse(body).map(drop),
        Operation::UntagResource => UntagResourceRequest::parse(body).map(drop),
        Operation::ListTagsForResource => ListTagsForResourceRequest::parse(body).map(drop),
        Operation::AddApplicationCloudWatchLoggingOption => {
            AddApplicationCloudWatchLoggingOptionRequest::parse(body).map(drop)
        }
        Operation::DeleteApplicationCloudWatchLoggingOption => {
            DeleteApplicationCloudWatchLoggingOptionRequest::parse(body).map(drop)
        }
        Operation::UpdateApplicationMaintenanceConfiguration => {
            UpdateApplicationMaintenanceConfigurationRequest::parse(body).map(drop)
        }
        Operation::StartApplication => StartApplicationRequest::parse(body).map(drop),
        Operation::StopApplication => StopApplicationRequest::parse(body).map(drop),
        Operation::DescribeApplicationOperation => {
            DescribeApplicationOperationRequest::parse(body).map(drop)
        }
        Operation::ListApplicationOperations => {
            ListApplicationOperationsRequest::parse(body).map(drop)
        }
        Operation::RollbackApplication => RollbackApplicationRequest::parse(body).map(drop),
        Operation::CreateApplicationSnapshot | Operation::DescribeApplicationSnapshot => {
            SnapshotRequest::parse(body).map(drop)
        }
        Operation::ListApplicationSnapshots => {
            ListApplicationSnapshotsRequest::parse(body).map(drop)
        }
        Operation::DeleteApplicationSnapshot => {
            DeleteApplicationSnapshotRequest::parse(body).map(drop)
        }
        Operation::CreateApplicationPresignedUrl => {
            CreateApplicationPresignedUrlRequest::parse(body).map(drop)
        }
        _ => Ok(()),
    }
}

/// `data` as a target and a body: the bytes up to the first newline name the
/// operation (`Describe…` alone is taken as Kinesis Analytics V2's), the
/// rest is the body.
pub fn decode_bytes(data: &[u8]) {
    let (first, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(first) = std::str::from_utf8(first) else {
        return;
    };
    if first.contains('.') {
        decode_any(first, body);
    } else {
        decode_any(&format!("KinesisAnalytics_20180523.{first}"), body);
    }
}

/// SigV4 verification of a request read from `data`: the first line is the
/// method, the second the request target, then `name: value` header lines
/// up to an empty line, then the body. Unusable parts are skipped; the
/// server's clock is fixed (2026-11-26T12:00:00Z).
pub fn verify(data: &[u8]) {
    let mut lines = data.split(|b| *b == b'\n');
    let method = lines
        .next()
        .and_then(|m| Method::from_bytes(m).ok())
        .unwrap_or(Method::POST);
    let uri = lines
        .next()
        .and_then(|u| Uri::try_from(u).ok())
        .unwrap_or_else(|| Uri::from_static("/"));
    let mut headers = HeaderMap::new();
    let mut consumed = 0;
    let mut body_start = data.len();
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        let end = consumed + line.len() + 1;
        if i >= 2 {
            if line.is_empty() {
                body_start = end.min(data.len());
                break;
            }
            if let Some(colon) = line.iter().position(|b| *b == b':') {
                let name = HeaderName::from_bytes(&line[..colon]);
                let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
                if let (Ok(name), Ok(value)) = (name, value) {
                    headers.append(name, value);
                }
            }
        }
        consumed = end;
    }
    let body = &data[body_start.min(data.len())..];
    let verifier = Verifier::new(
        "us-east-1",
        &["kinesisanalytics", "logs"],
        [(ACCESS_KEY_ID.to_string(), SECRET_ACCESS_KEY.to_string())],
    );
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 26, 12, 0, 0)
        .single()
        .expect("a valid instant");
    let _ = verifier.verify(&method, &uri, &headers, body, now);
}

/// The CloudWatch Logs filter-pattern parser, and a match of the parsed
/// pattern against the same text.
pub fn filter_pattern(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(pattern) = logs::pattern::FilterPattern::parse(&text) {
        let _ = pattern.matches(&text);
        let _ = pattern.matches("{\"a\": 1, \"b\": [\"x\", 2.5]}");
        let _ = pattern.matches("[ERROR] something failed");
    }
}

#[cfg(test)]
mod tests {
    //! The fuzz targets as seeded random loops: random bytes and random
    //! mutations of valid inputs, a few thousand of each per target.

    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        fn mutate(&mut self, seed: &[u8]) -> Vec<u8> {
            let mut out = seed.to_vec();
            for _ in 0..=self.below(4) {
                let at = self.below(out.len() + 1);
                match self.below(4) {
                    0 if at < out.len() => out[at] = self.next() as u8,
                    1 if at < out.len() => {
                        out.remove(at);
                    }
                    2 => {
                        let b = *b"{}[]\":,.\\0-9e\n\xff"
                            .get(self.below(16))
                            .unwrap_or(&b'x');
                        out.insert(at, b);
                    }
                    _ => out.truncate(at),
                }
            }
            out
        }
    }

    fn run(seeds: &[&[u8]], target: fn(&[u8])) {
        let mut rng = Rng(0x5eed);
        for _ in 0..3_000 {
            let seed = seeds[rng.below(seeds.len())];
            let input = rng.mutate(seed);
            target(&input);
            let len = rng.below(64);
            let noise: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            target(&noise);
        }
    }

    #[test]
    fn decoding_never_panics() {
        run(
            &[
                b"CreateApplication\n{\"ApplicationName\":\"a\",\"RuntimeEnvironment\":\"FLINK-1_20\",\"ServiceExecutionRole\":\"arn:aws:iam::1:role/r\",\"ApplicationConfiguration\":{\"FlinkApplicationConfiguration\":{\"ParallelismConfiguration\":{\"ConfigurationType\":\"CUSTOM\",\"Parallelism\":2}},\"ApplicationCodeConfiguration\":{\"CodeContentType\":\"ZIPFILE\",\"CodeContent\":{\"ZipFileContent\":\"UEs=\"}}},\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}",
                b"UpdateApplication\n{\"ApplicationName\":\"a\",\"CurrentApplicationVersionId\":1,\"ApplicationConfigurationUpdate\":{\"EnvironmentPropertyUpdates\":{\"PropertyGroups\":[{\"PropertyGroupId\":\"g\",\"PropertyMap\":{\"k\":\"v\"}}]}}}",
                b"StartApplication\n{\"ApplicationName\":\"a\",\"RunConfiguration\":{\"ApplicationRestoreConfiguration\":{\"ApplicationRestoreType\":\"RESTORE_FROM_CUSTOM_SNAPSHOT\",\"SnapshotName\":\"s\"}}}",
                b"ListApplicationOperations\n{\"ApplicationName\":\"a\",\"Limit\":5,\"NextToken\":\"3\"}",
                b"DeleteApplicationSnapshot\n{\"ApplicationName\":\"a\",\"SnapshotName\":\"s\",\"SnapshotCreationTimestamp\":1764158400.5}",
                b"Logs_20140328.FilterLogEvents\n{\"logGroupName\":\"/aws/kinesis-analytics/a\",\"filterPattern\":\"{ $.a = 1 }\",\"startTime\":1,\"limit\":10}",
                b"Logs_20140328.GetLogEvents\n{\"logGroupName\":\"/aws/kinesis-analytics/a\",\"logStreamName\":\"s\",\"nextToken\":\"f/1\"}",
                b"WeirAdmin_20261126.DescribeApplicationMetrics\n{\"ApplicationName\":\"a\",\"Since\":1}",
            ],
            decode_bytes,
        );
    }

    #[test]
    fn verification_never_panics() {
        run(
            &[
                b"POST\n/?a=b&c\nhost: 127.0.0.1:8095\nx-amz-date: 20261126T120000Z\nauthorization: AWS4-HMAC-SHA256 Credential=AKIAWEIRFUZZ00000001/20261126/us-east-1/kinesisanalytics/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\n{}",
                b"GET\n/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAWEIRFUZZ00000001%2F20261126%2Fus-east-1%2Fkinesisanalytics%2Faws4_request&X-Amz-Date=20261126T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00\nhost: h\n\n",
            ],
            verify,
        );
    }

    #[test]
    fn filter_patterns_never_panic() {
        run(
            &[
                b"{ ($.a = 1 && $.b[0] != \"x\") || $.c IS NULL }",
                b"[ip, user, ..., status = 5*, size > 1000]",
                b"\"quoted term\" -excluded ?maybe",
                b"%[0-9]+ ERROR%",
            ],
            filter_pattern,
        );
    }
}
