//! The CloudWatch Logs read API on Weir's endpoint: every operation of the
//! Logs model, parsed from `X-Amz-Target: Logs_20140328.<Op>`, and the four
//! that read application logs — DescribeLogGroups, DescribeLogStreams,
//! GetLogEvents, FilterLogEvents. The others answer
//! `UnsupportedOperationException`.
//!
//! Where events appear: every application that has written to its log has
//! the group `/aws/kinesis-analytics/<AppName>` with the stream
//! `kinesis-analytics-log-stream`, as the service does; an application with
//! CloudWatch logging options is also served under the group and stream each
//! option's `LogStreamARN` names. The groups are derived on every request from
//! the store's logs and the catalogue, so they are never out of date.
//!
//! An event's position is its `seq`, which the store assigns across all logs
//! in the order of writing: events of several applications sharing a stream
//! are merged by it, and the pagination tokens are made of it.

pub mod pattern;

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::response::Response;
use weir_control::operation::LogEvent;
use weir_service::Catalogue;
use weir_store::LogQuery;

use crate::error::{ApiError, ErrorKind};
use crate::handlers::{blocking, ok};
use crate::router::ApiState;
use crate::wire::logs::*;

/// The JSON 1.1 target prefix of the CloudWatch Logs API.
pub const TARGET_PREFIX: &str = "Logs_20140328";

/// The group of an application's log: `/aws/kinesis-analytics/<AppName>`.
pub const DEFAULT_GROUP_PREFIX: &str = "/aws/kinesis-analytics/";
/// The stream of an application's log in its default group.
pub const DEFAULT_STREAM: &str = "kinesis-analytics-log-stream";

/// A page of events is at most this large, counted as the service counts
/// (each message's bytes plus 26).
const MAX_PAGE_BYTES: usize = 1_048_576;
const EVENT_OVERHEAD_BYTES: usize = 26;
/// FilterLogEvents reads the log this many events at a time…
const FILTER_CHUNK: usize = 1_000;
/// …and looks at no more than this many events per request: a rare pattern
/// over a long log answers a partial (even empty) page with a `nextToken`,
/// as the service's FilterLogEvents does, rather than hold the store.
const FILTER_SCAN_BUDGET: usize = 50_000;

macro_rules! logs_operations {
    ($($op:ident),* $(,)?) => {
        /// Every operation of the CloudWatch Logs model.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum LogsOperation { $($op),* }

        impl LogsOperation {
            pub const ALL: &'static [LogsOperation] = &[$(LogsOperation::$op),*];

            pub fn name(self) -> &'static str {
                match self { $(LogsOperation::$op => stringify!($op)),* }
            }
        }
    };
}

logs_operations! {
    AssociateKmsKey,
    AssociateSourceToS3TableIntegration,
    CancelExportTask,
    CancelImportTask,
    CreateDelivery,
    CreateExportTask,
    CreateImportTask,
    CreateLogAnomalyDetector,
    CreateLogGroup,
    CreateLogStream,
    CreateLookupTable,
    CreateScheduledQuery,
    DeleteAccountPolicy,
    DeleteDataProtectionPolicy,
    DeleteDelivery,
    DeleteDeliveryDestination,
    DeleteDeliveryDestinationPolicy,
    DeleteDeliverySource,
    DeleteDestination,
    DeleteIndexPolicy,
    DeleteIntegration,
    DeleteLogAnomalyDetector,
    DeleteLogGroup,
    DeleteLogStream,
    DeleteLookupTable,
    DeleteMetricFilter,
    DeleteQueryDefinition,
    DeleteResourcePolicy,
    DeleteRetentionPolicy,
    DeleteScheduledQuery,
    DeleteSubscriptionFilter,
    DeleteSyslogConfiguration,
    DeleteTransformer,
    DescribeAccountPolicies,
    DescribeConfigurationTemplates,
    DescribeDeliveries,
    DescribeDeliveryDestinations,
    DescribeDeliverySources,
    DescribeDestinations,
    DescribeExportTasks,
    DescribeFieldIndexes,
    DescribeImportTaskBatches,
    DescribeImportTasks,
    DescribeIndexPolicies,
    DescribeLogGroups,
    DescribeLogStreams,
    DescribeLookupTables,
    DescribeMetricFilters,
    DescribeQueries,
    DescribeQueryDefinitions,
    DescribeResourcePolicies,
    DescribeSubscriptionFilters,
    DisassociateKmsKey,
    DisassociateSourceFromS3TableIntegration,
    FilterLogEvents,
    GetDataProtectionPolicy,
    GetDelivery,
    GetDeliveryDestination,
    GetDeliveryDestinationPolicy,
    GetDeliverySource,
    GetIntegration,
    GetLogAnomalyDetector,
    GetLogEvents,
    GetLogFields,
    GetLogGroupFields,
    GetLogObject,
    GetLogRecord,
    GetLookupTable,
    GetQueryResults,
    GetScheduledQuery,
    GetScheduledQueryHistory,
    GetStorageTierPolicy,
    GetTransformer,
    ListAggregateLogGroupSummaries,
    ListAnomalies,
    ListIntegrations,
    ListLogAnomalyDetectors,
    ListLogGroups,
    ListLogGroupsForQuery,
    ListScheduledQueries,
    ListSourcesForS3TableIntegration,
    ListSyslogConfigurations,
    ListTagsForResource,
    ListTagsLogGroup,
    PutAccountPolicy,
    PutBearerTokenAuthentication,
    PutDataProtectionPolicy,
    PutDeliveryDestination,
    PutDeliveryDestinationPolicy,
    PutDeliverySource,
    PutDestination,
    PutDestinationPolicy,
    PutIndexPolicy,
    PutIntegration,
    PutLogEvents,
    PutLogGroupDeletionProtection,
    PutMetricFilter,
    PutQueryDefinition,
    PutResourcePolicy,
    PutRetentionPolicy,
    PutStorageTierPolicy,
    PutSubscriptionFilter,
    PutSyslogConfiguration,
    PutTransformer,
    StartLiveTail,
    StartQuery,
    StopQuery,
    TagLogGroup,
    TagResource,
    TestMetricFilter,
    TestTransformer,
    UntagLogGroup,
    UntagResource,
    UpdateAnomaly,
    UpdateDeliveryConfiguration,
    UpdateLogAnomalyDetector,
    UpdateLookupTable,
    UpdateScheduledQuery,
}

impl LogsOperation {
    /// Parses a full `X-Amz-Target` header value.
    pub fn from_target(target: &str) -> Result<Self, ApiError> {
        let name = target
            .strip_prefix(TARGET_PREFIX)
            .and_then(|rest| rest.strip_prefix('.'))
            .unwrap_or_default();
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.name() == name)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorKind::UnknownOperation,
                    format!("Unknown operation {target:?}: expected {TARGET_PREFIX}.<Operation>"),
                )
            })
    }

    pub fn is_implemented(self) -> bool {
        use LogsOperation::*;
        matches!(
            self,
            DescribeLogGroups | DescribeLogStreams | GetLogEvents | FilterLogEvents
        )
    }

    /// The refusal for an operation Weir does not implement.
    pub fn unsupported(self) -> ApiError {
        ApiError::new(
            ErrorKind::UnsupportedOperation,
            format!(
                "{} is not supported: Weir serves its applications' logs read-only through \
                 DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents",
                self.name()
            ),
        )
    }
}

pub async fn dispatch(
    state: &ApiState,
    op: LogsOperation,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Every read goes to the store, whose one connection writers hold while
    // they fsync: on the blocking pool, like the mutations.
    let catalogue = &state.catalogue;
    match op {
        LogsOperation::DescribeLogGroups => {
            let req = DescribeLogGroupsRequest::parse(&body)?;
            ok(&blocking(catalogue, move |c| describe_log_groups(c, &req)).await?)
        }
        LogsOperation::DescribeLogStreams => {
            let req = DescribeLogStreamsRequest::parse(&body)?;
            ok(&blocking(catalogue, move |c| describe_log_streams(c, &req)).await?)
        }
        LogsOperation::GetLogEvents => {
            let req = GetLogEventsRequest::parse(&body)?;
            ok(&blocking(catalogue, move |c| get_log_events(c, &req)).await?)
        }
        LogsOperation::FilterLogEvents => {
            let req = FilterLogEventsRequest::parse(&body)?;
            ok(&blocking(catalogue, move |c| filter_log_events(c, &req)).await?)
        }
        other => Err(other.unsupported()),
    }
}

// ---------------------------------------------------------------------------
// Groups and streams

/// The log groups application logs appear in, by name.
#[derive(Debug, Default, PartialEq, Eq)]
struct Groups(BTreeMap<String, Group>);

#[derive(Debug, Default, PartialEq, Eq)]
struct Group {
    /// The first event of any of its streams.
    creation_time: i64,
    streams: BTreeMap<String, Stream>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Stream {
    creation_time: i64,
    /// The applications whose events the stream shows (sorted, one usually).
    applications: Vec<String>,
}

impl Groups {
    /// `logs`: each application's name, the time of its first event, and the
    /// `LogStreamARN`s of its CloudWatch logging options (unparseable ones
    /// are left out).
    fn new<'a>(logs: impl IntoIterator<Item = (String, i64, Vec<&'a str>)>) -> Self {
        let mut groups = Self::default();
        for (app, first, stream_arns) in logs {
            groups.add(
                format!("{DEFAULT_GROUP_PREFIX}{app}"),
                DEFAULT_STREAM.into(),
                &app,
                first,
            );
            for arn in stream_arns {
                if let Some((group, stream)) = log_stream_of_arn(arn) {
                    groups.add(group, stream, &app, first);
                }
            }
        }
        groups
    }

    fn add(&mut self, group: String, stream: String, app: &str, first: i64) {
        let g = self.0.entry(group).or_insert_with(|| Group {
            creation_time: first,
            ..Group::default()
        });
        g.creation_time = g.creation_time.min(first);
        let s = g.streams.entry(stream).or_insert_with(|| Stream {
            creation_time: first,
            ..Stream::default()
        });
        s.creation_time = s.creation_time.min(first);
        if let Err(at) = s.applications.binary_search_by(|a| a.as_str().cmp(app)) {
            s.applications.insert(at, app.to_string());
        }
    }

    /// Every log of the catalogue, placed.
    fn of(c: &Catalogue) -> Result<Self, ApiError> {
        let logs = c.logs()?;
        let entries: Vec<_> = logs.iter().map(|(name, _)| c.entry_of(name)).collect();
        Ok(Self::new(logs.into_iter().zip(&entries).map(
            |((name, first), entry)| {
                let arns = entry
                    .iter()
                    .flat_map(|e| e.app.logging_options.iter())
                    .map(|o| o.log_stream_arn.as_str())
                    .collect();
                (name, first, arns)
            },
        )))
    }

    fn group(&self, name: &str) -> Result<&Group, ApiError> {
        self.0.get(name).ok_or_else(|| {
            ApiError::new(
                ErrorKind::ResourceNotFound,
                "The specified log group does not exist.",
            )
        })
    }
}

// ---------------------------------------------------------------------------
// The operations

fn describe_log_groups(
    c: &Catalogue,
    req: &DescribeLogGroupsRequest,
) -> Result<DescribeLogGroupsResponse, ApiError> {
    let groups = Groups::of(c)?;
    let selected = groups.0.iter().filter(|(name, _)| {
        req.name_prefix
            .as_ref()
            .is_none_or(|p| name.starts_with(p.as_str()))
            && req
                .name_pattern
                .as_ref()
                .is_none_or(|p| name.contains(p.as_str()))
            && req.names.as_ref().is_none_or(|n| n.contains(name))
            // Every group Weir has is of the STANDARD class.
            && req.log_group_class.as_ref().is_none_or(|k| k == "STANDARD")
            && req.next_token.as_ref().is_none_or(|t| name.as_str() > t.as_str())
    });
    let mut page: Vec<_> = selected.take(req.limit + 1).collect();
    let next_token = (page.len() > req.limit).then(|| {
        page.truncate(req.limit);
        page.last().map(|(name, _)| (*name).clone())
    });
    let realm = c.realm();
    // With a name pattern the service reports less (see `LogGroup`).
    let full = req.name_pattern.is_none();
    Ok(DescribeLogGroupsResponse {
        log_groups: page
            .into_iter()
            .map(|(name, g)| {
                let arn = log_group_arn(realm, name);
                LogGroup {
                    log_group_name: name.clone(),
                    creation_time: g.creation_time,
                    metric_filter_count: full.then_some(0),
                    arn: format!("{arn}:*"),
                    log_group_class: full.then_some("STANDARD"),
                    log_group_arn: full.then_some(arn),
                }
            })
            .collect(),
        next_token: next_token.flatten(),
    })
}

fn describe_log_streams(
    c: &Catalogue,
    req: &DescribeLogStreamsRequest,
) -> Result<DescribeLogStreamsResponse, ApiError> {
    let groups = Groups::of(c)?;
    let group = groups.group(&req.log_group_name)?;
    let realm = c.realm();
    let mut streams = Vec::new();
    for (name, stream) in &group.streams {
        if req
            .name_prefix
            .as_ref()
            .is_some_and(|p| !name.starts_with(p.as_str()))
        {
            continue;
        }
        let mut bounds: Option<(i64, i64, i64)> = None;
        for app in &stream.applications {
            if let Some((first, last, ingested)) = c.log_bounds(app)? {
                bounds = Some(match bounds {
                    None => (first, last, ingested),
                    Some((f, l, i)) => (f.min(first), l.max(last), i.max(ingested)),
                });
            }
        }
        let (first, last, ingested) = bounds.unwrap_or((
            stream.creation_time,
            stream.creation_time,
            stream.creation_time,
        ));
        streams.push(LogStream {
            log_stream_name: name.clone(),
            creation_time: stream.creation_time,
            first_event_timestamp: first,
            last_event_timestamp: last,
            last_ingestion_time: ingested,
            arn: log_stream_arn(realm, &req.log_group_name, name),
            stored_bytes: 0,
        });
    }
    if req.order_by == OrderBy::LastEventTime {
        // Stable: streams with the same last event stay in name order.
        streams.sort_by_key(|s| s.last_event_timestamp);
    }
    if req.descending {
        streams.reverse();
    }
    let end = req.start.saturating_add(req.limit).min(streams.len());
    let next_token = (end < streams.len()).then(|| end.to_string());
    Ok(DescribeLogStreamsResponse {
        log_streams: streams.drain(req.start.min(end)..end).collect(),
        next_token,
    })
}

/// The first `q.limit` events of several applications' logs together, in
/// the order `q` reads (by `seq`, which is global to the store).
fn read_merged(
    c: &Catalogue,
    applications: &[String],
    q: &LogQuery,
) -> Result<Vec<LogEvent>, ApiError> {
    if let [app] = applications {
        return Ok(c.log_events(app, q)?);
    }
    let mut events = Vec::new();
    for app in applications {
        events.extend(c.log_events(app, q)?);
    }
    if q.backwards {
        events.sort_by_key(|e| std::cmp::Reverse(e.seq));
    } else {
        events.sort_by_key(|e| e.seq);
    }
    events.truncate(q.limit);
    Ok(events)
}

/// Each application's ARN, for the events' JSON records.
fn application_arns(c: &Catalogue, applications: &[String]) -> BTreeMap<String, String> {
    applications
        .iter()
        .map(|a| (a.clone(), c.realm().application_arn(a)))
        .collect()
}

fn get_log_events(
    c: &Catalogue,
    req: &GetLogEventsRequest,
) -> Result<GetLogEventsResponse, ApiError> {
    let groups = Groups::of(c)?;
    let stream = groups
        .group(&req.log_group_name)?
        .streams
        .get(&req.log_stream_name)
        .ok_or_else(|| {
            ApiError::new(
                ErrorKind::ResourceNotFound,
                "The specified log stream does not exist.",
            )
        })?;
    // Without a token: the oldest events (startFromHead), or else the newest.
    let forward = req.token.map_or(req.start_from_head, |t| t.forward);
    let q = LogQuery {
        start_time: req.start_time,
        end_time: req.end_time,
        after_seq: req.token.map(|t| t.seq),
        backwards: !forward,
        limit: req.limit,
    };
    let events = read_merged(c, &stream.applications, &q)?;
    let arns = application_arns(c, &stream.applications);
    let mut page = Vec::new();
    let mut bytes = 0;
    for e in events {
        let message = event_message(&arns[&e.application], &e);
        let size = message.len() + EVENT_OVERHEAD_BYTES;
        if !page.is_empty() && bytes + size > MAX_PAGE_BYTES {
            break;
        }
        bytes += size;
        page.push((e, message));
    }
    if !forward {
        page.reverse();
    }
    let (next_forward, next_backward) = match (page.first(), page.last(), req.token) {
        (Some((first, _)), Some((last, _)), _) => {
            (LogToken::forward(last.seq), LogToken::backward(first.seq))
        }
        // Nothing more this way: the same token again, which is how readers
        // know they have reached the end; the other way starts from there.
        (_, _, Some(t)) if t.forward => (t, LogToken::backward(t.seq.saturating_add(1))),
        (_, _, Some(t)) => (LogToken::forward(t.seq.saturating_sub(1)), t),
        (_, _, None) => (LogToken::forward(0), LogToken::backward(0)),
    };
    Ok(GetLogEventsResponse {
        events: page
            .into_iter()
            .map(|(e, message)| OutputLogEvent {
                timestamp: e.timestamp,
                message,
                ingestion_time: e.ingestion_time,
            })
            .collect(),
        next_forward_token: next_forward.to_string(),
        next_backward_token: next_backward.to_string(),
    })
}

fn filter_log_events(
    c: &Catalogue,
    req: &FilterLogEventsRequest,
) -> Result<FilterLogEventsResponse, ApiError> {
    let groups = Groups::of(c)?;
    let group = groups.group(&req.log_group_name)?;
    // The streams searched, by the application they show.
    let mut streams_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, stream) in &group.streams {
        let wanted = req
            .stream_names
            .as_ref()
            .is_none_or(|names| names.contains(name))
            && req
                .stream_prefix
                .as_ref()
                .is_none_or(|p| name.starts_with(p.as_str()));
        if wanted {
            for app in &stream.applications {
                streams_of.entry(app).or_default().push(name);
            }
        }
    }
    let applications: Vec<String> = streams_of.keys().map(|a| a.to_string()).collect();
    let arns = application_arns(c, &applications);

    let forward = req.token.map_or(req.start_from_head, |t| t.forward);
    let mut cursor = req.token.map(|t| t.seq);
    let mut events = Vec::new();
    let mut bytes = 0;
    let mut scanned = 0;
    let mut exhausted = applications.is_empty();
    'scan: while !exhausted {
        let q = LogQuery {
            start_time: req.start_time,
            // FilterLogEvents' endTime is inclusive.
            end_time: req.end_time.map(|t| t.saturating_add(1)),
            after_seq: cursor,
            backwards: !forward,
            limit: FILTER_CHUNK,
        };
        let chunk = read_merged(c, &applications, &q)?;
        exhausted = chunk.len() < FILTER_CHUNK;
        for e in chunk {
            let message = event_message(&arns[&e.application], &e);
            if req.pattern.matches(&message) {
                let streams = &streams_of[e.application.as_str()];
                let size = (message.len() + EVENT_OVERHEAD_BYTES) * streams.len();
                if !events.is_empty()
                    && (events.len() + streams.len() > req.limit || bytes + size > MAX_PAGE_BYTES)
                {
                    exhausted = false;
                    break 'scan;
                }
                bytes += size;
                for (i, stream) in streams.iter().enumerate() {
                    events.push(FilteredLogEvent {
                        log_stream_name: stream.to_string(),
                        timestamp: e.timestamp,
                        message: message.clone(),
                        ingestion_time: e.ingestion_time,
                        // Unique within the group, where one event may show
                        // in several streams.
                        event_id: if i == 0 {
                            e.seq.to_string()
                        } else {
                            format!("{}.{i}", e.seq)
                        },
                    });
                }
            }
            cursor = Some(e.seq);
            scanned += 1;
            if events.len() >= req.limit {
                exhausted = false;
                break 'scan;
            }
        }
        if scanned >= FILTER_SCAN_BUDGET {
            break;
        }
    }
    let next_token = match (exhausted, cursor) {
        (false, Some(seq)) => Some(if forward {
            LogToken::forward(seq)
        } else {
            LogToken::backward(seq)
        }),
        _ => None,
    };
    Ok(FilterLogEventsResponse {
        events,
        next_token: next_token.map(|t| t.to_string()),
    })
}

#[cfg(test)]
mod tests;
