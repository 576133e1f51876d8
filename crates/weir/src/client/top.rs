//! `weir top [APP]`: a live table of an application's Job Manager and Task
//! Managers, or one line per RUNNING application.
//!
//! The figures come from Weir's operator call
//! `WeirAdmin_20261126.DescribeApplicationMetrics` — `POST /`, AWS JSON 1.1,
//! SigV4 with the signing name `kinesisanalytics`, the same keys as every
//! other call — which no AWS SDK knows, so it is signed by hand
//! (`Session::admin_call`). Every number in its answer may be
//! null (not measured yet, or not at this metrics level); those show as `-`.

use std::io::IsTerminal;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::output::{self, opt, print_json, print_json_line, print_str, Table};
use super::session::Session;
use super::{Failure, TopArgs};

/// DescribeApplicationMetrics for `app`, the current figures only.
pub async fn fetch(s: &Session, app: &str, timeout: Duration) -> Result<Value, Failure> {
    s.admin_call(
        "DescribeApplicationMetrics",
        &json!({ "ApplicationName": app, "HistorySeconds": 0 }),
        timeout,
    )
    .await
}

pub async fn run(s: &Session, args: &TopArgs) -> Result<(), Failure> {
    let interval = Duration::from_secs_f64(args.interval.clamp(0.2, 3600.0));
    let live = !args.once && std::io::stdout().is_terminal() && !s.json();
    loop {
        let frame = match &args.name {
            Some(app) => one_app(s, app).await,
            None => all_apps(s).await,
        };
        let (text, raw) = match frame {
            Ok(frame) => frame,
            // A live view rides out a server restart; anything else ends it.
            Err(f) if live && f.exit == super::Exit::Unreachable => (format!("{f}\n"), Value::Null),
            Err(f) => return Err(f),
        };
        if s.json() {
            if args.once {
                print_json(&raw);
            } else {
                print_json_line(&raw);
            }
        } else if live {
            // Redrawn in place: from the top-left corner, each line
            // clearing what is left of the old one, then the rest of the
            // old screen cleared.
            let screen = format!(
                "{}  (every {} s; Ctrl-C quits)\n\n{text}",
                output::epoch_ms(now_ms()),
                output::number(interval.as_secs_f64())
            );
            let mut frame = String::from("\x1b[H");
            for line in screen.lines() {
                frame.push_str(line);
                frame.push_str("\x1b[K\n");
            }
            frame.push_str("\x1b[J");
            print_str(&frame);
        } else if args.once {
            print_str(&text);
        } else {
            print_str(&format!("--- {}\n{text}\n", output::epoch_ms(now_ms())));
        }
        if args.once {
            return Ok(());
        }
        tokio::time::sleep(interval).await;
    }
}

async fn one_app(s: &Session, app: &str) -> Result<(String, Value), Failure> {
    let m = fetch(s, app, Duration::from_secs(30)).await?;
    Ok((render_app(&m), m))
}

async fn all_apps(s: &Session) -> Result<(String, Value), Failure> {
    let mut running = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = s
            .kda
            .list_applications()
            .limit(50)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| s.fail(e))?;
        running.extend(
            page.application_summaries()
                .iter()
                .filter(|a| a.application_status().as_str() == "RUNNING")
                .map(|a| a.application_name().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut all = Vec::new();
    for app in &running {
        match fetch(s, app, Duration::from_secs(30)).await {
            Ok(m) => all.push(m),
            // Stopped or deleted between the two calls.
            Err(f) if f.exit == super::Exit::NotFound => {}
            Err(f) => return Err(f),
        }
    }
    let raw = json!({ "Applications": all });
    if all.is_empty() {
        return Ok(("No RUNNING applications.\n".into(), raw));
    }
    let mut table = Table::new(&[
        "APPLICATION",
        "JOB",
        "UPTIME>",
        "RESTARTS>",
        "PARALLELISM>",
        "KPUS>",
        "TMS>",
        "MAX CPU %>",
        "MAX HEAP %>",
        "IN/s>",
        "OUT/s>",
    ]);
    for m in &all {
        let job = &m["Job"];
        let tms = m["TaskManagers"].as_array().cloned().unwrap_or_default();
        let max = |key: &str| {
            tms.iter()
                .filter_map(|tm| tm[key].as_f64())
                .fold(None, |acc: Option<f64>, v| {
                    Some(acc.map_or(v, |a| a.max(v)))
                })
        };
        table.row(vec![
            str_of(&m["ApplicationName"]),
            str_of(&job["JobStatus"]),
            opt(job["Uptime"].as_f64(), |ms| {
                output::duration_secs((ms / 1000.0) as u64)
            }),
            opt(job["NumRestarts"].as_f64(), output::number),
            opt(job["CurrentParallelism"].as_f64(), output::number),
            opt(job["KPUs"].as_f64(), output::number),
            tms.len().to_string(),
            opt(max("CpuUtilization"), output::number),
            opt(max("HeapMemoryUtilization"), output::number),
            opt(job["RecordsInPerSecond"].as_f64(), output::number),
            opt(job["RecordsOutPerSecond"].as_f64(), output::number),
        ]);
    }
    Ok((table.render(), raw))
}

fn str_of(v: &Value) -> String {
    v.as_str().map_or_else(|| "-".to_string(), str::to_string)
}

fn num(v: &Value) -> String {
    opt(v.as_f64(), output::number)
}

fn ms(v: &Value) -> String {
    opt(v.as_f64(), |ms| {
        if ms < 10_000.0 {
            format!("{} ms", output::number(ms))
        } else {
            format!("{} s", output::number(ms / 1000.0))
        }
    })
}

/// `RUNNING, up 5m 02s, 0 restarts` — the job line of `weir apps describe`.
pub fn job_summary(m: &Value) -> Option<String> {
    let job = m.get("Job").filter(|j| j.is_object())?;
    let mut line = str_of(&job["JobStatus"]);
    if let Some(up) = job["Uptime"].as_f64() {
        line.push_str(&format!(
            ", up {}",
            output::duration_secs((up / 1000.0) as u64)
        ));
    }
    if let Some(n) = job["NumRestarts"].as_f64() {
        line.push_str(&format!(", {} restarts", output::number(n)));
    }
    if let Some(id) = job["JobId"].as_str() {
        line.push_str(&format!(" (job {id})"));
    }
    Some(line)
}

/// The view of one application: a summary and the table of its JVMs.
pub fn render_app(m: &Value) -> String {
    let mut out = format!(
        "{}  {}",
        str_of(&m["ApplicationName"]),
        str_of(&m["ApplicationStatus"])
    );
    let job = &m["Job"];
    if job.is_object() {
        out.push_str(&format!(
            "  job {}  up {}  restarts {}  parallelism {} on {} KPU(s)\n",
            str_of(&job["JobStatus"]),
            opt(job["Uptime"].as_f64(), |ms| output::duration_secs(
                (ms / 1000.0) as u64
            )),
            num(&job["NumRestarts"]),
            num(&job["CurrentParallelism"]),
            num(&job["KPUs"]),
        ));
        out.push_str(&format!(
            "records in {}/s, out {}/s; busy {} ms/s, back-pressured {} ms/s\n",
            num(&job["RecordsInPerSecond"]),
            num(&job["RecordsOutPerSecond"]),
            num(&job["BusyTimeMsPerSecond"]),
            num(&job["BackPressuredTimeMsPerSecond"]),
        ));
        out.push_str(&format!(
            "last checkpoint {}, {}; {} failed\n",
            ms(&job["LastCheckpointDuration"]),
            opt(job["LastCheckpointSize"].as_f64(), output::bytes),
            num(&job["NumberOfFailedCheckpoints"]),
        ));
    } else {
        out.push_str("  no job\n");
    }
    let mut collected = match m["CollectedAt"].as_f64() {
        Some(at) => format!("collected {}", output::epoch_ms((at * 1000.0) as i64)),
        None => "not collected yet".to_string(),
    };
    if let Some(every) = m["IntervalSeconds"].as_f64() {
        collected.push_str(&format!(", every {} s", output::number(every)));
    }
    if let Some(level) = m["MetricsLevel"].as_str() {
        collected.push_str(&format!(", metrics level {level}"));
    }
    if m["Stale"].as_bool() == Some(true) {
        collected.push_str(" (stale: Flink did not answer the last collection)");
    }
    out.push_str(&collected);
    out.push_str("\n\n");

    let mut table = Table::new(&[
        "ROLE",
        "ID",
        "SLOTS>",
        "FREE>",
        "CPU %>",
        "HEAP %>",
        "HEAP USED>",
        "HEAP MAX>",
        "GC>",
        "GC TIME>",
        "THREADS>",
        "IN/s>",
        "OUT/s>",
    ]);
    let row = |role: &str, v: &Value| -> Vec<String> {
        vec![
            role.to_string(),
            str_of(&v["Id"]),
            num(&v["Slots"]),
            num(&v["FreeSlots"]),
            num(&v["CpuUtilization"]),
            num(&v["HeapMemoryUtilization"]),
            opt(v["HeapUsed"].as_f64(), output::bytes),
            opt(v["HeapMax"].as_f64(), output::bytes),
            num(&v["GcCount"]),
            ms(&v["GcTime"]),
            num(&v["Threads"]),
            num(&v["RecordsInPerSecond"]),
            num(&v["RecordsOutPerSecond"]),
        ]
    };
    if m["JobManager"].is_object() {
        table.row(row("JM", &m["JobManager"]));
    }
    let mut tms: Vec<&Value> = m["TaskManagers"].as_array().into_iter().flatten().collect();
    tms.sort_by_key(|tm| tm["Id"].as_str().unwrap_or_default().to_string());
    for tm in tms {
        table.row(row("TM", tm));
    }
    if table.is_empty() {
        out.push_str("(no Job Manager or Task Manager reported)\n");
    } else {
        out.push_str(&table.render());
    }
    out
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_nulls_as_dashes_and_every_jvm_as_a_row() {
        let m = json!({
            "ApplicationName": "orders", "ApplicationStatus": "RUNNING",
            "CollectedAt": null, "IntervalSeconds": 5, "MetricsLevel": "APPLICATION",
            "Job": {"JobId": "ab", "JobStatus": "RUNNING", "Uptime": 65000, "NumRestarts": 0,
                    "RecordsInPerSecond": 100.0, "RecordsOutPerSecond": null,
                    "CurrentParallelism": 2, "KPUs": 2, "LastCheckpointDuration": 120,
                    "LastCheckpointSize": 2048},
            "JobManager": {"Id": "jobmanager", "CpuUtilization": 3.5, "HeapUsed": 1048576,
                           "HeapMax": null},
            "TaskManagers": [
                {"Id": "tm-1", "Slots": 1, "FreeSlots": 0, "CpuUtilization": 12.25},
                {"Id": "tm-2", "Slots": 1, "FreeSlots": null}
            ],
            "History": []
        });
        let text = render_app(&m);
        assert!(text.starts_with("orders  RUNNING  job RUNNING  up 1m 05s  restarts 0"));
        assert!(text.contains("last checkpoint 120 ms, 2.0 KiB; - failed"));
        assert!(text.contains("not collected yet, every 5 s, metrics level APPLICATION"));
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("JM ") || l.starts_with("TM "))
            .collect();
        assert_eq!(rows.len(), 3, "{text}");
        assert!(rows[0].contains("1.0 MiB"), "{}", rows[0]);
        assert!(rows[1].contains("tm-1") && rows[1].contains("12.2"));
        assert_eq!(
            job_summary(&m).unwrap(),
            "RUNNING, up 1m 05s, 0 restarts (job ab)"
        );
        assert!(job_summary(&json!({"Job": null})).is_none());
    }
}
