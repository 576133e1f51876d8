//! The CloudWatch Logs read API on the wire (AWS JSON 1.1, target prefix
//! `Logs_20140328`): requests and responses of DescribeLogGroups,
//! DescribeLogStreams, GetLogEvents and FilterLogEvents, the pagination
//! tokens, and the JSON record each event's `message` is.
//!
//! The Logs model spells members in camelCase and refuses a bad member with
//! `InvalidParameterException`; the checks are the same [`Check`] as the rest
//! of the wire, with the error renamed.

use serde::{Deserialize, Serialize};
use weir_control::model::EpochMillis;
use weir_control::operation::LogEvent;
use weir_control::Realm;

use super::check::{Check, Pattern, Str};
use super::{decode, WireEnum};
use crate::error::{ApiError, ErrorKind};
use crate::logs::pattern::FilterPattern;

pub(super) const LOG_GROUP_NAME: Str = Str::len(1, 512).matching(Pattern::LogGroupName);
pub(super) const LOG_GROUP_NAME_PATTERN: Str =
    Str::len(0, 512).matching(Pattern::LogGroupNameOrEmpty);
pub(super) const LOG_GROUP_IDENTIFIER: Str =
    Str::len(1, 2048).matching(Pattern::LogGroupIdentifier);
pub(super) const LOG_STREAM_NAME: Str = Str::len(1, 512).matching(Pattern::LogStreamName);
pub(super) const NEXT_TOKEN: Str = Str::len(1, usize::MAX);
pub(super) const FILTER_PATTERN: Str = Str::len(0, 1024);
pub(super) const ACCOUNT_ID: Str = Str::len(12, 12).matching(Pattern::AccountId);
pub(super) const LOG_GROUP_CLASSES: &[&str] =
    &["STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS"];
/// `DescribeLimit`, and the page size when `limit` is absent.
pub const DESCRIBE_LIMIT: usize = 50;
/// `EventsLimit`, and the page size when `limit` is absent.
pub const EVENTS_LIMIT: usize = 10_000;
/// `InputLogStreamNames`.
pub(super) const MAX_STREAM_NAMES: usize = 100;
/// `Timestamp`: (min, max).
pub(super) const TIMESTAMP: (i64, i64) = (0, i64::MAX);
/// `AccountIds` and `DescribeLogGroupsLogGroupIdentifiers`: (min, max) items.
pub(super) const ACCOUNT_IDS: (usize, usize) = (0, 20);
pub(super) const LOG_GROUP_IDENTIFIERS: (usize, usize) = (1, 50);

/// The `threadName` of every event: Weir's supervisor writes them all,
/// including the job's status changes it observes through Flink's REST API.
pub const THREAD_NAME: &str = "weir-supervisor";

/// Check's `InvalidArgumentException` as the Logs model names it.
fn param(e: ApiError) -> ApiError {
    if e.kind == ErrorKind::InvalidArgument {
        ApiError::new(ErrorKind::InvalidParameter, e.message)
    } else {
        e
    }
}

/// A log group named by `logGroupName` or `logGroupIdentifier` (a name, or
/// the group's ARN without the trailing `:*`, which the model's pattern
/// refuses): exactly one of them.
fn group(c: &Check, name: Option<String>, identifier: Option<String>) -> Result<String, ApiError> {
    let name = c.str("logGroupName", name, LOG_GROUP_NAME)?;
    let identifier = c.str("logGroupIdentifier", identifier, LOG_GROUP_IDENTIFIER)?;
    match (name, identifier) {
        (Some(name), None) => Ok(name),
        (None, Some(id)) => group_of_identifier(&id).ok_or_else(|| {
            c.fail(
                "logGroupIdentifier",
                "is neither a log group name nor a log group ARN",
            )
        }),
        (None, None) => Err(c.fail("logGroupName", "or logGroupIdentifier is required")),
        (Some(_), Some(_)) => Err(c.fail(
            "logGroupName",
            "give either logGroupName or logGroupIdentifier, not both",
        )),
    }
}

/// The group name in a `logGroupIdentifier`.
pub(crate) fn group_of_identifier(id: &str) -> Option<String> {
    if !id.starts_with("arn:") {
        return Pattern::LogGroupName.matches(id).then(|| id.to_string());
    }
    // arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME
    let mut parts = id.splitn(6, ':');
    let (Some(_), Some(_), Some("logs"), Some(_), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = resource.strip_prefix("log-group:")?;
    Pattern::LogGroupName
        .matches(name)
        .then(|| name.to_string())
}

/// The group and stream a CloudWatch logging option's `LogStreamARN` names
/// (`arn:PARTITION:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM`).
pub(crate) fn log_stream_of_arn(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("logs"), Some(_), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let (group, stream) = resource
        .strip_prefix("log-group:")?
        .split_once(":log-stream:")?;
    let ok = Pattern::LogGroupName.matches(group)
        && !stream.is_empty()
        && Pattern::LogStreamName.matches(stream);
    ok.then(|| (group.to_string(), stream.to_string()))
}

/// A log group's ARN as `logGroupArn` spells it (`arn` adds `:*`).
pub fn log_group_arn(realm: &Realm, group: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{group}",
        realm.region, realm.account_id
    )
}

pub fn log_stream_arn(realm: &Realm, group: &str, stream: &str) -> String {
    format!("{}:log-stream:{stream}", log_group_arn(realm, group))
}

fn limit(c: &Check, v: Option<i32>, max: usize) -> Result<usize, ApiError> {
    Ok(c.int("limit", v, 1, max as i64)?
        .map_or(max, |n| n.unsigned_abs() as usize))
}

fn timestamp(c: &Check, field: &str, v: Option<i64>) -> Result<Option<EpochMillis>, ApiError> {
    c.int(field, v, TIMESTAMP.0, TIMESTAMP.1)
}

/// Where a page of log events ends, in the direction of reading: the `seq`
/// of the last event read (or 0, before the first). Spelled `f/<seq>` or
/// `b/<seq>`; a reader that gets back the token it sent has reached the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogToken {
    pub forward: bool,
    pub seq: u64,
}

impl LogToken {
    pub fn forward(seq: u64) -> Self {
        Self { forward: true, seq }
    }

    pub fn backward(seq: u64) -> Self {
        Self {
            forward: false,
            seq,
        }
    }

    fn parse(c: &Check, v: Option<String>) -> Result<Option<Self>, ApiError> {
        let Some(t) = c.str("nextToken", v, NEXT_TOKEN)? else {
            return Ok(None);
        };
        let parsed = match t.split_once('/') {
            Some(("f", seq)) => seq.parse().ok().map(Self::forward),
            Some(("b", seq)) => seq.parse().ok().map(Self::backward),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| c.fail("nextToken", "is not a token this operation issued"))
    }
}

impl std::fmt::Display for LogToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let direction = if self.forward { 'f' } else { 'b' };
        write!(f, "{direction}/{}", self.seq)
    }
}

// ---------------------------------------------------------------------------
// DescribeLogGroups

/// DescribeLogGroups, checked. `next_token` is the name of the last group of
/// the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeLogGroupsRequest {
    pub name_prefix: Option<String>,
    pub name_pattern: Option<String>,
    /// Group names from `logGroupIdentifiers`.
    pub names: Option<Vec<String>>,
    pub log_group_class: Option<String>,
    pub limit: usize,
    pub next_token: Option<String>,
}

impl DescribeLogGroupsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            account_identifiers: Option<Vec<String>>,
            log_group_name_prefix: Option<String>,
            log_group_name_pattern: Option<String>,
            next_token: Option<String>,
            limit: Option<i32>,
            #[allow(dead_code)]
            include_linked_accounts: Option<bool>,
            log_group_class: Option<String>,
            log_group_identifiers: Option<Vec<String>>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        (|| {
            // One account: there are no linked accounts to include.
            c.list(
                "accountIdentifiers",
                raw.account_identifiers,
                ACCOUNT_IDS.0,
                ACCOUNT_IDS.1,
                |a, c| c.item_str(a, ACCOUNT_ID),
            )?;
            let name_prefix = c.str(
                "logGroupNamePrefix",
                raw.log_group_name_prefix,
                LOG_GROUP_NAME,
            )?;
            let name_pattern = c.str(
                "logGroupNamePattern",
                raw.log_group_name_pattern,
                LOG_GROUP_NAME_PATTERN,
            )?;
            let names = c.list(
                "logGroupIdentifiers",
                raw.log_group_identifiers,
                LOG_GROUP_IDENTIFIERS.0,
                LOG_GROUP_IDENTIFIERS.1,
                |id, c| {
                    let id = c.item_str(id, LOG_GROUP_IDENTIFIER)?;
                    group_of_identifier(&id).ok_or_else(|| {
                        c.fail("", "is neither a log group name nor a log group ARN")
                    })
                },
            )?;
            if name_prefix.is_some() && name_pattern.is_some() {
                return Err(c.fail(
                    "logGroupNamePrefix",
                    "give either logGroupNamePrefix or logGroupNamePattern, not both",
                ));
            }
            if names.is_some() && (name_prefix.is_some() || name_pattern.is_some()) {
                return Err(c.fail(
                    "logGroupIdentifiers",
                    "cannot be combined with logGroupNamePrefix or logGroupNamePattern",
                ));
            }
            let log_group_class = match raw.log_group_class {
                None => None,
                Some(s) => Some(c.req_keyword("logGroupClass", Some(s), LOG_GROUP_CLASSES)?),
            };
            Ok(Self {
                name_prefix,
                name_pattern,
                names,
                log_group_class,
                limit: limit(&c, raw.limit, DESCRIBE_LIMIT)?,
                next_token: c.str("nextToken", raw.next_token, NEXT_TOKEN)?,
            })
        })()
        .map_err(param)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogGroupsResponse {
    pub log_groups: Vec<LogGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `LogGroup`. With `logGroupNamePattern` the service reports only the name,
/// `creationTime` and `arn`: the other members are then `None`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    pub log_group_name: String,
    pub creation_time: EpochMillis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_filter_count: Option<u32>,
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_class: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_arn: Option<String>,
}

// ---------------------------------------------------------------------------
// DescribeLogStreams

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    LogStreamName,
    LastEventTime,
}

impl WireEnum for OrderBy {
    const ALL: &'static [Self] = &[Self::LogStreamName, Self::LastEventTime];
    fn wire(self) -> &'static str {
        match self {
            Self::LogStreamName => "LogStreamName",
            Self::LastEventTime => "LastEventTime",
        }
    }
}

/// DescribeLogStreams, checked. `start` is where the page begins (the
/// decimal offset a previous page gave as its `nextToken`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeLogStreamsRequest {
    pub log_group_name: String,
    pub name_prefix: Option<String>,
    pub order_by: OrderBy,
    pub descending: bool,
    pub limit: usize,
    pub start: usize,
}

impl DescribeLogStreamsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            log_group_name: Option<String>,
            log_group_identifier: Option<String>,
            log_stream_name_prefix: Option<String>,
            order_by: Option<String>,
            descending: Option<bool>,
            next_token: Option<String>,
            limit: Option<i32>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        (|| {
            let log_group_name = group(&c, raw.log_group_name, raw.log_group_identifier)?;
            let name_prefix = c.str(
                "logStreamNamePrefix",
                raw.log_stream_name_prefix,
                LOG_STREAM_NAME,
            )?;
            let order_by = c
                .enumeration("orderBy", raw.order_by)?
                .unwrap_or(OrderBy::LogStreamName);
            if order_by == OrderBy::LastEventTime && name_prefix.is_some() {
                return Err(c.fail(
                    "logStreamNamePrefix",
                    "cannot be given when orderBy is LastEventTime",
                ));
            }
            let start = match c.str("nextToken", raw.next_token, NEXT_TOKEN)? {
                None => 0,
                Some(t) => t
                    .parse()
                    .map_err(|_| c.fail("nextToken", "is not a token this operation issued"))?,
            };
            Ok(Self {
                log_group_name,
                name_prefix,
                order_by,
                descending: raw.descending.unwrap_or(false),
                limit: limit(&c, raw.limit, DESCRIBE_LIMIT)?,
                start,
            })
        })()
        .map_err(param)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogStreamsResponse {
    pub log_streams: Vec<LogStream>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `LogStream`. `storedBytes` is always 0, as the service has reported it for
/// streams since 2019.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStream {
    pub log_stream_name: String,
    pub creation_time: EpochMillis,
    pub first_event_timestamp: EpochMillis,
    pub last_event_timestamp: EpochMillis,
    pub last_ingestion_time: EpochMillis,
    pub arn: String,
    pub stored_bytes: u64,
}

// ---------------------------------------------------------------------------
// GetLogEvents

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetLogEventsRequest {
    pub log_group_name: String,
    pub log_stream_name: String,
    /// Inclusive.
    pub start_time: Option<EpochMillis>,
    /// Exclusive.
    pub end_time: Option<EpochMillis>,
    pub token: Option<LogToken>,
    pub limit: usize,
    pub start_from_head: bool,
}

impl GetLogEventsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            log_group_name: Option<String>,
            log_group_identifier: Option<String>,
            log_stream_name: Option<String>,
            start_time: Option<i64>,
            end_time: Option<i64>,
            next_token: Option<String>,
            limit: Option<i32>,
            start_from_head: Option<bool>,
            #[allow(dead_code)]
            unmask: Option<bool>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        (|| {
            Ok(Self {
                log_group_name: group(&c, raw.log_group_name, raw.log_group_identifier)?,
                log_stream_name: c.req_str(
                    "logStreamName",
                    raw.log_stream_name,
                    LOG_STREAM_NAME,
                )?,
                start_time: timestamp(&c, "startTime", raw.start_time)?,
                end_time: timestamp(&c, "endTime", raw.end_time)?,
                token: LogToken::parse(&c, raw.next_token)?,
                limit: limit(&c, raw.limit, EVENTS_LIMIT)?,
                start_from_head: raw.start_from_head.unwrap_or(false),
            })
        })()
        .map_err(param)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetLogEventsResponse {
    pub events: Vec<OutputLogEvent>,
    pub next_forward_token: String,
    pub next_backward_token: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputLogEvent {
    pub timestamp: EpochMillis,
    pub message: String,
    pub ingestion_time: EpochMillis,
}

// ---------------------------------------------------------------------------
// FilterLogEvents

/// FilterLogEvents, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterLogEventsRequest {
    pub log_group_name: String,
    pub stream_names: Option<Vec<String>>,
    pub stream_prefix: Option<String>,
    /// Inclusive.
    pub start_time: Option<EpochMillis>,
    /// Inclusive, unlike GetLogEvents' `endTime`.
    pub end_time: Option<EpochMillis>,
    pub pattern: FilterPattern,
    pub token: Option<LogToken>,
    pub limit: usize,
    /// Oldest first (the default) or newest first; a token keeps its own direction.
    pub start_from_head: bool,
}

impl FilterLogEventsRequest {
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            log_group_name: Option<String>,
            log_group_identifier: Option<String>,
            log_stream_names: Option<Vec<String>>,
            log_stream_name_prefix: Option<String>,
            start_time: Option<i64>,
            end_time: Option<i64>,
            filter_pattern: Option<String>,
            next_token: Option<String>,
            limit: Option<i32>,
            start_from_head: Option<bool>,
            #[allow(dead_code)]
            interleaved: Option<bool>,
            #[allow(dead_code)]
            unmask: Option<bool>,
        }
        let raw: Raw = decode(body)?;
        let c = Check::root();
        (|| {
            let log_group_name = group(&c, raw.log_group_name, raw.log_group_identifier)?;
            let stream_names = c.list(
                "logStreamNames",
                raw.log_stream_names,
                1,
                MAX_STREAM_NAMES,
                |s, c| c.item_str(s, LOG_STREAM_NAME),
            )?;
            let stream_prefix = c.str(
                "logStreamNamePrefix",
                raw.log_stream_name_prefix,
                LOG_STREAM_NAME,
            )?;
            if stream_names.is_some() && stream_prefix.is_some() {
                return Err(c.fail(
                    "logStreamNames",
                    "give either logStreamNames or logStreamNamePrefix, not both",
                ));
            }
            let pattern = c
                .str("filterPattern", raw.filter_pattern, FILTER_PATTERN)?
                .map_or(Ok(FilterPattern::All), |p| FilterPattern::parse(&p))
                .map_err(|e| c.fail("filterPattern", e))?;
            Ok(Self {
                log_group_name,
                stream_names,
                stream_prefix,
                start_time: timestamp(&c, "startTime", raw.start_time)?,
                end_time: timestamp(&c, "endTime", raw.end_time)?,
                pattern,
                token: LogToken::parse(&c, raw.next_token)?,
                limit: limit(&c, raw.limit, EVENTS_LIMIT)?,
                start_from_head: raw.start_from_head.unwrap_or(true),
            })
        })()
        .map_err(param)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterLogEventsResponse {
    pub events: Vec<FilteredLogEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilteredLogEvent {
    pub log_stream_name: String,
    pub timestamp: EpochMillis,
    pub message: String,
    pub ingestion_time: EpochMillis,
    pub event_id: String,
}

// ---------------------------------------------------------------------------
// The events

/// An event's `message`: the JSON record the service writes for an
/// application's log line, members in the service's order.
#[derive(Debug, Serialize)]
struct Record<'a> {
    logger: &'a str,
    message: &'a str,
    #[serde(rename = "threadName")]
    thread_name: &'a str,
    #[serde(rename = "applicationARN")]
    application_arn: &'a str,
    #[serde(rename = "applicationVersionId")]
    application_version_id: String,
    #[serde(rename = "messageSchemaVersion")]
    message_schema_version: &'a str,
    #[serde(rename = "messageType")]
    message_type: &'a str,
}

/// The `message` of `event`, from the application whose ARN is `application_arn`.
pub fn event_message(application_arn: &str, event: &LogEvent) -> String {
    let record = Record {
        logger: &event.logger,
        message: &event.message,
        thread_name: THREAD_NAME,
        application_arn,
        application_version_id: event.version_id.to_string(),
        message_schema_version: "1",
        message_type: event.level.wire(),
    };
    // Strings and a number: serializing cannot fail.
    serde_json::to_string(&record).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use weir_control::model::LogLevel;

    use super::*;

    #[test]
    fn log_requests_parse_to_plain_fields() {
        assert_eq!(
            DescribeLogGroupsRequest::parse(b"{}").unwrap(),
            DescribeLogGroupsRequest {
                name_prefix: None,
                name_pattern: None,
                names: None,
                log_group_class: None,
                limit: 50,
                next_token: None,
            }
        );
        assert_eq!(
            DescribeLogGroupsRequest::parse(
                br#"{"logGroupIdentifiers":["/aws/kinesis-analytics/a","arn:aws:logs:us-east-1:000000000000:log-group:/b"],"limit":5,"logGroupClass":"STANDARD","includeLinkedAccounts":false}"#
            )
            .unwrap(),
            DescribeLogGroupsRequest {
                name_prefix: None,
                name_pattern: None,
                names: Some(vec!["/aws/kinesis-analytics/a".into(), "/b".into()]),
                log_group_class: Some("STANDARD".into()),
                limit: 5,
                next_token: None,
            }
        );
        assert_eq!(
            DescribeLogStreamsRequest::parse(
                br#"{"logGroupIdentifier":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/kinesis-analytics/a","orderBy":"LastEventTime","descending":true,"limit":1,"nextToken":"3"}"#
            )
            .unwrap(),
            DescribeLogStreamsRequest {
                log_group_name: "/aws/kinesis-analytics/a".into(),
                name_prefix: None,
                order_by: OrderBy::LastEventTime,
                descending: true,
                limit: 1,
                start: 3,
            }
        );
        assert_eq!(
            GetLogEventsRequest::parse(
                br#"{"logGroupName":"/g","logStreamName":"kinesis-analytics-log-stream","startTime":0,"endTime":1764134400000,"nextToken":"b/42","startFromHead":true}"#
            )
            .unwrap(),
            GetLogEventsRequest {
                log_group_name: "/g".into(),
                log_stream_name: "kinesis-analytics-log-stream".into(),
                start_time: Some(0),
                end_time: Some(1_764_134_400_000),
                token: Some(LogToken::backward(42)),
                limit: 10_000,
                start_from_head: true,
            }
        );
        let filter = FilterLogEventsRequest::parse(
            br#"{"logGroupName":"/g","logStreamNames":["s"],"filterPattern":"{ $.messageType = \"ERROR\" }","limit":10,"nextToken":"f/7","interleaved":true}"#,
        )
        .unwrap();
        assert_eq!(filter.stream_names, Some(vec!["s".to_string()]));
        assert_eq!(filter.token, Some(LogToken::forward(7)));
        assert_eq!(filter.limit, 10);
        assert!(filter.start_from_head);
        assert!(matches!(filter.pattern, FilterPattern::Json(_)));
        assert_eq!(
            FilterLogEventsRequest::parse(br#"{"logGroupName":"/g"}"#)
                .unwrap()
                .pattern,
            FilterPattern::All
        );
    }

    #[test]
    fn bad_log_requests_are_invalid_parameters_naming_the_member() {
        use ErrorKind::{InvalidParameter as Param, Serialization as Ser};
        type Parse = fn(&[u8]) -> Result<(), ApiError>;
        let groups: Parse = |b| DescribeLogGroupsRequest::parse(b).map(drop);
        let streams: Parse = |b| DescribeLogStreamsRequest::parse(b).map(drop);
        let get: Parse = |b| GetLogEventsRequest::parse(b).map(drop);
        let filter: Parse = |b| FilterLogEventsRequest::parse(b).map(drop);
        let table: &[(&str, Parse, &str, ErrorKind, &str)] = &[
            (
                "groups: limit 0",
                groups,
                r#"{"limit":0}"#,
                Param,
                "limit: must be between 1 and 50, is 0",
            ),
            (
                "groups: limit 51",
                groups,
                r#"{"limit":51}"#,
                Param,
                "limit: must be between 1 and 50, is 51",
            ),
            (
                "groups: bad prefix",
                groups,
                r#"{"logGroupNamePrefix":"a b"}"#,
                Param,
                "logGroupNamePrefix: \"a b\" does not match",
            ),
            (
                "groups: prefix and pattern",
                groups,
                r#"{"logGroupNamePrefix":"/a","logGroupNamePattern":"b"}"#,
                Param,
                "logGroupNamePrefix: give either",
            ),
            (
                "groups: identifiers and prefix",
                groups,
                r#"{"logGroupNamePrefix":"/a","logGroupIdentifiers":["/a"]}"#,
                Param,
                "logGroupIdentifiers: cannot be combined",
            ),
            (
                "groups: no identifiers",
                groups,
                r#"{"logGroupIdentifiers":[]}"#,
                Param,
                "logGroupIdentifiers: must have between 1 and 50",
            ),
            (
                "groups: ARN with :*",
                groups,
                r#"{"logGroupIdentifiers":["arn:aws:logs:us-east-1:000000000000:log-group:/b:*"]}"#,
                Param,
                "logGroupIdentifiers[0]: \"arn:aws:logs",
            ),
            (
                "groups: foreign ARN",
                groups,
                r#"{"logGroupIdentifiers":["arn:aws:s3:::b"]}"#,
                Param,
                "logGroupIdentifiers[0]: is neither",
            ),
            (
                "groups: bad class",
                groups,
                r#"{"logGroupClass":"COLD"}"#,
                Param,
                "logGroupClass: \"COLD\" is not one of",
            ),
            (
                "groups: bad account",
                groups,
                r#"{"accountIdentifiers":["1"]}"#,
                Param,
                "accountIdentifiers[0]: must be exactly 12",
            ),
            (
                "groups: empty token",
                groups,
                r#"{"nextToken":""}"#,
                Param,
                "nextToken: must be at least 1",
            ),
            (
                "groups: limit a string",
                groups,
                r#"{"limit":"5"}"#,
                Ser,
                "member limit has the wrong type",
            ),
            (
                "streams: no group",
                streams,
                r#"{}"#,
                Param,
                "logGroupName: or logGroupIdentifier is required",
            ),
            (
                "streams: both group members",
                streams,
                r#"{"logGroupName":"/a","logGroupIdentifier":"/a"}"#,
                Param,
                "logGroupName: give either",
            ),
            (
                "streams: bad order",
                streams,
                r#"{"logGroupName":"/a","orderBy":"Name"}"#,
                Param,
                "orderBy: \"Name\" is not one of LogStreamName, LastEventTime",
            ),
            (
                "streams: prefix by time",
                streams,
                r#"{"logGroupName":"/a","orderBy":"LastEventTime","logStreamNamePrefix":"k"}"#,
                Param,
                "logStreamNamePrefix: cannot be given",
            ),
            (
                "streams: foreign token",
                streams,
                r#"{"logGroupName":"/a","nextToken":"f/1"}"#,
                Param,
                "nextToken: is not a token",
            ),
            (
                "streams: bad prefix",
                streams,
                r#"{"logGroupName":"/a","logStreamNamePrefix":"a:b"}"#,
                Param,
                "logStreamNamePrefix: \"a:b\" does not match",
            ),
            (
                "get: no stream",
                get,
                r#"{"logGroupName":"/a"}"#,
                Param,
                "logStreamName: is required",
            ),
            (
                "get: stream with a star",
                get,
                r#"{"logGroupName":"/a","logStreamName":"a*"}"#,
                Param,
                "logStreamName: ",
            ),
            (
                "get: negative start",
                get,
                r#"{"logGroupName":"/a","logStreamName":"s","startTime":-1}"#,
                Param,
                "startTime: must be at least 0",
            ),
            (
                "get: limit 10001",
                get,
                r#"{"logGroupName":"/a","logStreamName":"s","limit":10001}"#,
                Param,
                "limit: must be between 1 and 10000",
            ),
            (
                "get: foreign token",
                get,
                r#"{"logGroupName":"/a","logStreamName":"s","nextToken":"x/1"}"#,
                Param,
                "nextToken: is not a token",
            ),
            (
                "get: token without a number",
                get,
                r#"{"logGroupName":"/a","logStreamName":"s","nextToken":"f/"}"#,
                Param,
                "nextToken: is not a token",
            ),
            (
                "get: bad group ARN",
                get,
                r#"{"logGroupIdentifier":"arn:aws:logs:r:a:log-stream:x","logStreamName":"s"}"#,
                Param,
                "logGroupIdentifier: is neither",
            ),
            (
                "get: bad group name",
                get,
                r#"{"logGroupName":"a b","logStreamName":"s"}"#,
                Param,
                "logGroupName: ",
            ),
            (
                "filter: names and prefix",
                filter,
                r#"{"logGroupName":"/a","logStreamNames":["s"],"logStreamNamePrefix":"s"}"#,
                Param,
                "logStreamNames: give either",
            ),
            (
                "filter: no names",
                filter,
                r#"{"logGroupName":"/a","logStreamNames":[]}"#,
                Param,
                "logStreamNames: must have between 1 and 100",
            ),
            (
                "filter: bad name",
                filter,
                r#"{"logGroupName":"/a","logStreamNames":["ok","a:b"]}"#,
                Param,
                "logStreamNames[1]: ",
            ),
            (
                "filter: bad pattern",
                filter,
                r#"{"logGroupName":"/a","filterPattern":"[ip, user]"}"#,
                Param,
                "filterPattern: space-delimited",
            ),
            (
                "filter: long pattern",
                filter,
                &format!(
                    r#"{{"logGroupName":"/a","filterPattern":"{}"}}"#,
                    "x".repeat(1025)
                ),
                Param,
                "filterPattern: must be at most 1024",
            ),
            (
                "filter: end a string",
                filter,
                r#"{"logGroupName":"/a","endTime":"now"}"#,
                Ser,
                "member endTime has the wrong type",
            ),
        ];
        for (case, parse, body, kind, text) in table {
            let err = parse(body.as_bytes()).expect_err(case);
            assert_eq!(err.kind, *kind, "{case}: {err}");
            if *kind == Param {
                assert!(err.message.starts_with(text), "{case}: {:?}", err.message);
            } else {
                assert!(err.message.contains(text), "{case}: {:?}", err.message);
            }
        }
    }

    #[test]
    fn group_identifiers_are_names_or_arns() {
        let table: &[(&str, Option<&str>)] = &[
            ("/aws/kinesis-analytics/a", Some("/aws/kinesis-analytics/a")),
            (
                "arn:aws:logs:us-east-1:000000000000:log-group:/g",
                Some("/g"),
            ),
            ("arn:aws:logs:us-east-1:000000000000:log-group:/g:*", None),
            (
                "arn:aws-cn:logs:cn-north-1:000000000000:log-group:g#1",
                Some("g#1"),
            ),
            (
                "arn:aws:logs:us-east-1:000000000000:log-group:/g:log-stream:s",
                None,
            ),
            ("arn:aws:s3:::bucket", None),
            ("arn:aws:logs:us-east-1:000000000000:destination:d", None),
            ("a@b", None),
        ];
        for (id, name) in table {
            assert_eq!(group_of_identifier(id).as_deref(), *name, "{id}");
        }
    }

    #[test]
    fn logging_option_arns_name_a_group_and_stream() {
        let table: &[(&str, Option<(&str, &str)>)] = &[
            (
                "arn:aws:logs:us-east-1:000000000000:log-group:/aws/kinesis-analytics/a:log-stream:main",
                Some(("/aws/kinesis-analytics/a", "main")),
            ),
            (
                "arn:aws:logs:eu-west-1:111111111111:log-group:my-logs:log-stream:flink/app 1",
                Some(("my-logs", "flink/app 1")),
            ),
            ("arn:aws:logs:us-east-1:000000000000:log-group:g", None),
            ("arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:", None),
            ("arn:aws:logs:us-east-1:000000000000:log-group:a b:log-stream:s", None),
            ("arn:aws:s3:::bucket", None),
            ("not an arn", None),
        ];
        for (arn, want) in table {
            let got = log_stream_of_arn(arn);
            assert_eq!(
                got.as_ref().map(|(g, s)| (g.as_str(), s.as_str())),
                *want,
                "{arn}"
            );
        }
        let realm = Realm {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
        };
        assert_eq!(
            log_stream_arn(&realm, "/g", "s"),
            "arn:aws:logs:us-east-1:000000000000:log-group:/g:log-stream:s"
        );
    }

    #[test]
    fn tokens_round_trip() {
        for t in [LogToken::forward(0), LogToken::backward(12_345)] {
            let c = Check::root();
            assert_eq!(LogToken::parse(&c, Some(t.to_string())).unwrap(), Some(t));
        }
        assert_eq!(LogToken::forward(3).to_string(), "f/3");
        assert_eq!(LogToken::backward(3).to_string(), "b/3");
    }

    #[test]
    fn event_messages_are_the_services_json_records() {
        let event = LogEvent {
            seq: 7,
            application: "orders".into(),
            timestamp: 1,
            ingestion_time: 2,
            version_id: 3,
            level: LogLevel::Warn,
            logger: "com.weir.supervisor".into(),
            message: "say \"hi\"".into(),
        };
        let arn = "arn:aws:kinesisanalytics:us-east-1:000000000000:application/orders";
        assert_eq!(
            event_message(arn, &event),
            r#"{"logger":"com.weir.supervisor","message":"say \"hi\"","threadName":"weir-supervisor","applicationARN":"arn:aws:kinesisanalytics:us-east-1:000000000000:application/orders","applicationVersionId":"3","messageSchemaVersion":"1","messageType":"WARN"}"#
        );
    }
}
