//! The Logs API over a real catalogue and store: where events appear, and
//! how the pages and tokens of each operation behave.

use weir_control::model::{CodeContentType, LogLevel, RuntimeEnvironment};
use weir_control::spec::{CodeSource, NewApplication};
use weir_control::Realm;
use weir_service::LOGGER;
use weir_store::Store;

use super::pattern::FilterPattern;
use super::*;

const GROUP_A: &str = "/aws/kinesis-analytics/a";
const GROUP_B: &str = "/aws/kinesis-analytics/b";
const CUSTOM_ARN: &str = "arn:aws:logs:us-east-1:000000000000:log-group:/custom:log-stream:flink";

fn realm() -> Realm {
    Realm {
        region: "us-east-1".into(),
        account_id: "000000000000".into(),
    }
}

fn new_application(name: &str, log_stream_arns: Vec<String>) -> NewApplication<CodeSource> {
    NewApplication {
        code: Some((
            CodeContentType::Zipfile,
            Some(CodeSource::Zip(b"jar".to_vec())),
        )),
        log_stream_arns,
        ..NewApplication::required(
            name,
            realm().application_arn(name),
            RuntimeEnvironment::Flink1_20,
            "arn:aws:iam::000000000000:role/r",
            "06:00",
        )
    }
}

/// Applications `a` (5 lines, `a0`…`a4`), `b` (3 lines, also logged to
/// `/custom` `flink`) and `quiet` (no log, so no group), lines interleaved.
fn catalogue(dir: &std::path::Path) -> Catalogue {
    let c = Catalogue::open(Store::open(dir).unwrap(), realm(), "06:00".into()).unwrap();
    c.create_application(new_application("a", vec![]), vec![])
        .unwrap();
    c.create_application(new_application("b", vec![CUSTOM_ARN.into()]), vec![])
        .unwrap();
    c.create_application(new_application("quiet", vec![]), vec![])
        .unwrap();
    for i in 0..5 {
        let level = if i == 3 {
            LogLevel::Error
        } else {
            LogLevel::Info
        };
        c.log("a", level, LOGGER, format!("a{i}"));
        if i < 3 {
            c.log("b", LogLevel::Info, "org.apache.flink.Job", format!("b{i}"));
        }
    }
    c
}

fn messages_of(events: &[OutputLogEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.message).unwrap();
            v["message"].as_str().unwrap().to_string()
        })
        .collect()
}

fn filtered(events: &[FilteredLogEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.message).unwrap();
            (
                e.log_stream_name.clone(),
                v["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn not_found(err: ApiError, message: &str) {
    assert_eq!(err.kind, ErrorKind::ResourceNotFound, "{err}");
    assert_eq!(err.message, message);
}

#[test]
fn every_logs_operation_parses_from_its_target() {
    assert_eq!(LogsOperation::ALL.len(), 118);
    for op in LogsOperation::ALL {
        let target = format!("{TARGET_PREFIX}.{}", op.name());
        assert_eq!(LogsOperation::from_target(&target).unwrap(), *op);
    }
    for bad in [
        "Logs_20140328",
        "Logs_20140328.",
        "Logs_20140328.Nope",
        "Logs_20140328.getLogEvents",
        "KinesisAnalytics_20180523.GetLogEvents",
    ] {
        let err = LogsOperation::from_target(bad).unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnknownOperation, "{bad:?}");
    }
    let implemented: Vec<_> = LogsOperation::ALL
        .iter()
        .filter(|op| op.is_implemented())
        .map(|op| op.name())
        .collect();
    assert_eq!(
        implemented,
        [
            "DescribeLogGroups",
            "DescribeLogStreams",
            "FilterLogEvents",
            "GetLogEvents"
        ]
    );
    let refusal = LogsOperation::PutLogEvents.unsupported();
    assert_eq!(refusal.kind, ErrorKind::UnsupportedOperation);
    assert!(refusal.message.starts_with("PutLogEvents is not supported"));
}

#[test]
fn logs_are_placed_in_their_default_and_configured_groups() {
    let arn = |g: &str, s: &str| format!("arn:aws:logs:eu-west-1:1:log-group:{g}:log-stream:{s}");
    let shared = arn("/shared", "all");
    let groups = Groups::new([
        ("a".to_string(), 30, vec![shared.as_str()]),
        (
            "b".to_string(),
            10,
            vec![shared.as_str(), "arn:aws:logs:bad"],
        ),
        ("c".to_string(), 20, vec![]),
    ]);
    type Placed<'a> = (&'a str, i64, Vec<(&'a str, i64, Vec<&'a str>)>);
    let placed: Vec<Placed> = groups
        .0
        .iter()
        .map(|(g, group)| {
            (
                g.as_str(),
                group.creation_time,
                group
                    .streams
                    .iter()
                    .map(|(s, stream)| {
                        (
                            s.as_str(),
                            stream.creation_time,
                            stream.applications.iter().map(String::as_str).collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        placed,
        [
            (
                "/aws/kinesis-analytics/a",
                30,
                vec![(DEFAULT_STREAM, 30, vec!["a"])]
            ),
            (
                "/aws/kinesis-analytics/b",
                10,
                vec![(DEFAULT_STREAM, 10, vec!["b"])]
            ),
            (
                "/aws/kinesis-analytics/c",
                20,
                vec![(DEFAULT_STREAM, 20, vec!["c"])]
            ),
            ("/shared", 10, vec![("all", 10, vec!["a", "b"])]),
        ]
    );
}

#[test]
fn describe_log_groups_lists_pages_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let req = |body: &str| DescribeLogGroupsRequest::parse(body.as_bytes()).unwrap();
    let names = |r: &DescribeLogGroupsResponse| -> Vec<String> {
        r.log_groups
            .iter()
            .map(|g| g.log_group_name.clone())
            .collect()
    };

    let all = describe_log_groups(&c, &req("{}")).unwrap();
    assert_eq!(names(&all), [GROUP_A, GROUP_B, "/custom"]);
    assert!(all.next_token.is_none());
    let a = &all.log_groups[0];
    assert_eq!(
        a.log_group_arn.as_deref(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/aws/kinesis-analytics/a")
    );
    assert_eq!(a.arn, format!("{}:*", a.log_group_arn.as_deref().unwrap()));
    assert_eq!(a.log_group_class, Some("STANDARD"));

    let first = describe_log_groups(&c, &req(r#"{"limit":2}"#)).unwrap();
    assert_eq!(names(&first), [GROUP_A, GROUP_B]);
    assert_eq!(first.next_token.as_deref(), Some(GROUP_B));
    let rest = describe_log_groups(
        &c,
        &req(&format!(r#"{{"limit":2,"nextToken":"{GROUP_B}"}}"#)),
    )
    .unwrap();
    assert_eq!(names(&rest), ["/custom"]);
    assert!(rest.next_token.is_none());

    let table: &[(&str, &[&str])] = &[
        (
            r#"{"logGroupNamePrefix":"/aws/kinesis-analytics/"}"#,
            &[GROUP_A, GROUP_B],
        ),
        (
            r#"{"logGroupNamePrefix":"/aws/kinesis-analytics/quiet"}"#,
            &[],
        ),
        (r#"{"logGroupNamePattern":"stom"}"#, &["/custom"]),
        (r#"{"logGroupNamePattern":"CUSTOM"}"#, &[]),
        (
            r#"{"logGroupIdentifiers":["/custom","arn:aws:logs:us-east-1:000000000000:log-group:/aws/kinesis-analytics/a","/nope"]}"#,
            &[GROUP_A, "/custom"],
        ),
        (
            r#"{"logGroupClass":"STANDARD"}"#,
            &[GROUP_A, GROUP_B, "/custom"],
        ),
        (r#"{"logGroupClass":"INFREQUENT_ACCESS"}"#, &[]),
    ];
    for (body, want) in table {
        assert_eq!(
            names(&describe_log_groups(&c, &req(body)).unwrap()),
            *want,
            "{body}"
        );
    }
    // A name pattern reports the name, creation time and ARN only.
    let by_pattern = describe_log_groups(&c, &req(r#"{"logGroupNamePattern":"a"}"#)).unwrap();
    let v = serde_json::to_value(&by_pattern.log_groups[0]).unwrap();
    let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["arn", "creationTime", "logGroupName"]);
}

#[test]
fn describe_log_streams_reports_each_streams_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let req = |body: &str| DescribeLogStreamsRequest::parse(body.as_bytes()).unwrap();

    let streams =
        describe_log_streams(&c, &req(&format!(r#"{{"logGroupName":"{GROUP_A}"}}"#))).unwrap();
    assert!(streams.next_token.is_none());
    let [s] = streams.log_streams.as_slice() else {
        panic!("{:?}", streams.log_streams)
    };
    let (first, last, ingested) = c.log_bounds("a").unwrap().unwrap();
    assert_eq!(s.log_stream_name, DEFAULT_STREAM);
    assert_eq!(
        (
            s.creation_time,
            s.first_event_timestamp,
            s.last_event_timestamp,
            s.last_ingestion_time
        ),
        (first, first, last, ingested)
    );
    assert_eq!(
        s.arn,
        "arn:aws:logs:us-east-1:000000000000:log-group:/aws/kinesis-analytics/a:log-stream:kinesis-analytics-log-stream"
    );

    let custom = describe_log_streams(
        &c,
        &req(r#"{"logGroupIdentifier":"arn:aws:logs:us-east-1:000000000000:log-group:/custom","orderBy":"LastEventTime","descending":true}"#),
    )
    .unwrap();
    let names: Vec<_> = custom
        .log_streams
        .iter()
        .map(|s| s.log_stream_name.as_str())
        .collect();
    assert_eq!(names, ["flink"]);

    for body in [
        r#"{"logGroupName":"/custom","logStreamNamePrefix":"x"}"#,
        r#"{"logGroupName":"/custom","nextToken":"1"}"#,
    ] {
        let r = describe_log_streams(&c, &req(body)).unwrap();
        assert!(r.log_streams.is_empty() && r.next_token.is_none(), "{body}");
    }
    let err = describe_log_streams(
        &c,
        &req(r#"{"logGroupName":"/aws/kinesis-analytics/quiet"}"#),
    )
    .unwrap_err();
    not_found(err, "The specified log group does not exist.");
}

#[test]
fn get_log_events_pages_both_ways_and_repeats_its_token_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let get = |extra: &str| {
        let body =
            format!(r#"{{"logGroupName":"{GROUP_A}","logStreamName":"{DEFAULT_STREAM}"{extra}}}"#);
        get_log_events(&c, &GetLogEventsRequest::parse(body.as_bytes()).unwrap()).unwrap()
    };

    // By default the newest events, oldest first.
    let tail = get(r#","limit":2"#);
    assert_eq!(messages_of(&tail.events), ["a3", "a4"]);
    // Forward from the tail: nothing yet, and the same token back.
    let after = get(&format!(r#","nextToken":"{}""#, tail.next_forward_token));
    assert!(after.events.is_empty());
    assert_eq!(after.next_forward_token, tail.next_forward_token);
    // Backward from the tail, to the beginning.
    let before = get(&format!(
        r#","limit":2,"nextToken":"{}""#,
        tail.next_backward_token
    ));
    assert_eq!(messages_of(&before.events), ["a1", "a2"]);
    let start = get(&format!(
        r#","limit":2,"nextToken":"{}""#,
        before.next_backward_token
    ));
    assert_eq!(messages_of(&start.events), ["a0"]);
    let beyond = get(&format!(
        r#","limit":2,"nextToken":"{}""#,
        start.next_backward_token
    ));
    assert!(beyond.events.is_empty());
    assert_eq!(beyond.next_backward_token, start.next_backward_token);
    // …and forward again from there.
    let again = get(&format!(
        r#","limit":2,"nextToken":"{}""#,
        beyond.next_forward_token
    ));
    assert_eq!(messages_of(&again.events), ["a0", "a1"]);

    // From the head, page by page, until the token repeats.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let extra = match &token {
            None => r#","limit":2,"startFromHead":true"#.to_string(),
            Some(t) => format!(r#","limit":2,"nextToken":"{t}""#),
        };
        let page = get(&extra);
        seen.extend(messages_of(&page.events));
        if token.as_deref() == Some(page.next_forward_token.as_str()) {
            break;
        }
        token = Some(page.next_forward_token);
    }
    assert_eq!(seen, ["a0", "a1", "a2", "a3", "a4"]);

    // The records and the time range.
    let head = get(r#","limit":1,"startFromHead":true"#);
    let record: serde_json::Value = serde_json::from_str(&head.events[0].message).unwrap();
    assert_eq!(
        record,
        serde_json::json!({
            "logger": LOGGER,
            "message": "a0",
            "threadName": "weir-supervisor",
            "applicationARN": "arn:aws:kinesisanalytics:us-east-1:000000000000:application/a",
            "applicationVersionId": "1",
            "messageSchemaVersion": "1",
            "messageType": "INFO",
        })
    );
    let (first, last, _) = c.log_bounds("a").unwrap().unwrap();
    assert_eq!(get(&format!(r#","startTime":{first}"#)).events.len(), 5);
    assert!(get(&format!(r#","startTime":{}"#, last + 1))
        .events
        .is_empty());
    assert!(get(&format!(r#","endTime":{first}"#)).events.is_empty());
    let empty = get(&format!(r#","endTime":{first}"#));
    assert_eq!(
        (
            empty.next_forward_token.as_str(),
            empty.next_backward_token.as_str()
        ),
        ("f/0", "b/0")
    );

    // `b` is also served under its configured group and stream.
    let custom = get_log_events(
        &c,
        &GetLogEventsRequest::parse(
            br#"{"logGroupName":"/custom","logStreamName":"flink","startFromHead":true}"#,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(messages_of(&custom.events), ["b0", "b1", "b2"]);

    let missing =
        |body: &[u8]| get_log_events(&c, &GetLogEventsRequest::parse(body).unwrap()).unwrap_err();
    not_found(
        missing(br#"{"logGroupName":"/custom","logStreamName":"kinesis-analytics-log-stream"}"#),
        "The specified log stream does not exist.",
    );
    not_found(
        missing(br#"{"logGroupName":"/nope","logStreamName":"s"}"#),
        "The specified log group does not exist.",
    );
}

#[test]
fn filter_log_events_matches_pages_and_ends_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let c = catalogue(dir.path());
    let filter = |body: &str| {
        filter_log_events(&c, &FilterLogEventsRequest::parse(body.as_bytes()).unwrap()).unwrap()
    };
    let stream = DEFAULT_STREAM.to_string();
    let pairs = |names: &[&str]| -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (stream.clone(), n.to_string()))
            .collect()
    };

    let all = filter(&format!(r#"{{"logGroupName":"{GROUP_A}"}}"#));
    assert_eq!(
        filtered(&all.events),
        pairs(&["a0", "a1", "a2", "a3", "a4"])
    );
    assert!(all.next_token.is_none());
    let ids: std::collections::BTreeSet<_> = all.events.iter().map(|e| &e.event_id).collect();
    assert_eq!(ids.len(), 5);

    let table: &[(&str, &[&str])] = &[
        (r#"{ $.messageType = "ERROR" }"#, &["a3"]),
        (r#"{ $.messageType != "ERROR" }"#, &["a0", "a1", "a2", "a4"]),
        ("ERROR", &["a3"]),
        ("?a1 ?a4", &["a1", "a4"]),
        (r#""a2""#, &["a2"]),
        ("INFO -a0 -a1", &["a2", "a4"]),
    ];
    for (pattern, want) in table {
        let body =
            serde_json::json!({"logGroupName": GROUP_A, "filterPattern": pattern}).to_string();
        assert_eq!(filtered(&filter(&body).events), pairs(want), "{pattern}");
    }

    // Pages of two, oldest first, until there is no token.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = serde_json::json!({"logGroupName": GROUP_A, "limit": 2});
        if let Some(t) = &token {
            body["nextToken"] = t.clone().into();
        }
        let page = filter(&body.to_string());
        pages += 1;
        seen.extend(filtered(&page.events));
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen, pairs(&["a0", "a1", "a2", "a3", "a4"]));
    assert_eq!(pages, 3);

    // Newest first, and a page of it.
    let newest = filter(&format!(
        r#"{{"logGroupName":"{GROUP_A}","startFromHead":false,"limit":2}}"#
    ));
    assert_eq!(filtered(&newest.events), pairs(&["a4", "a3"]));
    let older = filter(&format!(
        r#"{{"logGroupName":"{GROUP_A}","limit":2,"nextToken":"{}"}}"#,
        newest.next_token.unwrap()
    ));
    assert_eq!(filtered(&older.events), pairs(&["a2", "a1"]));

    // The time range: endTime is inclusive here.
    let (first, _, _) = c.log_bounds("a").unwrap().unwrap();
    let upto = filter(&format!(
        r#"{{"logGroupName":"{GROUP_A}","endTime":{first}}}"#
    ));
    assert!(!upto.events.is_empty());
    assert_eq!(filtered(&upto.events)[0].1, "a0");

    // Stream selection in the configured group; unknown names select nothing.
    let custom = filter(r#"{"logGroupName":"/custom","logStreamNames":["flink","other"]}"#);
    let got: Vec<_> = filtered(&custom.events);
    assert_eq!(
        got,
        ["b0", "b1", "b2"].map(|m| ("flink".to_string(), m.to_string()))
    );
    assert!(
        filter(r#"{"logGroupName":"/custom","logStreamNamePrefix":"x"}"#)
            .events
            .is_empty()
    );

    let err = filter_log_events(
        &c,
        &FilterLogEventsRequest::parse(br#"{"logGroupName":"/nope"}"#).unwrap(),
    )
    .unwrap_err();
    not_found(err, "The specified log group does not exist.");
}

#[test]
fn filter_patterns_reach_the_request() {
    let req =
        FilterLogEventsRequest::parse(br#"{"logGroupName":"/g","filterPattern":"?a ?b"}"#).unwrap();
    assert_eq!(req.pattern, FilterPattern::parse("?a ?b").unwrap());
}
