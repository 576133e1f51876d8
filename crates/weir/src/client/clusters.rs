//! `weir clusters …`: the existing Flink clusters an operator registered for
//! the remote runtime, through Weir's operator calls
//! `WeirAdmin_20261126.RegisterFlinkCluster`, `ListFlinkClusters` and
//! `DeregisterFlinkCluster` (signed by hand: no SDK knows them). Errors map
//! to exit codes as everywhere: an unknown cluster is 3, a name taken or a
//! cluster still in use 4, a cluster that does not answer (refused as
//! `InvalidArgumentException` naming `RestUrl`) 1.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::output::{self, opt, print_json, print_str, Table};
use super::session::{one_line, Session};
use super::{ClustersCommand, Failure};

/// Registering waits for the server to probe the cluster.
const TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(s: &Session, command: ClustersCommand) -> Result<(), Failure> {
    match command {
        ClustersCommand::Add {
            name,
            rest_url,
            savepoint_dir,
            runtime,
            capacity_kpus,
        } => {
            let mut body = Map::new();
            body.insert("Name".into(), json!(name));
            body.insert("RestUrl".into(), json!(rest_url));
            body.insert("SavepointDirectory".into(), json!(savepoint_dir));
            if let Some(r) = runtime {
                super::apps::runtime(&r)?;
                body.insert("RuntimeEnvironment".into(), json!(r));
            }
            if let Some(k) = capacity_kpus {
                body.insert("CapacityKPUs".into(), json!(k));
            }
            let out = s
                .admin_call("RegisterFlinkCluster", &Value::Object(body), TIMEOUT)
                .await?;
            if s.json() {
                print_json(&out);
                return Ok(());
            }
            let c = &out["FlinkClusterDescription"];
            println!(
                "Registered {} ({}, Flink {}, {} slot{}) at {}.",
                c["Name"].as_str().unwrap_or(&name),
                str_of(&c["RuntimeEnvironment"]),
                str_of(&c["FlinkVersion"]),
                num(&c["TotalSlots"]),
                if c["TotalSlots"].as_u64() == Some(1) {
                    ""
                } else {
                    "s"
                },
                str_of(&c["RestUrl"]),
            );
            Ok(())
        }
        ClustersCommand::List => {
            let out = s
                .admin_call("ListFlinkClusters", &json!({}), TIMEOUT)
                .await?;
            if s.json() {
                print_json(&out);
                return Ok(());
            }
            let clusters = out["FlinkClusterDescriptions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if clusters.is_empty() {
                eprintln!(
                    "No Flink clusters registered; applications run on Weir's own. Register one with: \
                     weir clusters add NAME --rest-url URL --savepoint-dir DIR"
                );
                return Ok(());
            }
            let mut text = table(&clusters).render();
            // Why a cluster does not answer, below the table (too long for a cell).
            for c in &clusters {
                if c["Reachable"].as_bool() == Some(false) {
                    if let Some(e) = c["Error"].as_str().filter(|e| !e.is_empty()) {
                        text.push_str(&format!("\n{}: {}", str_of(&c["Name"]), one_line(e)));
                    }
                }
            }
            if !text.ends_with('\n') {
                text.push('\n');
            }
            print_str(&text);
            Ok(())
        }
        ClustersCommand::Remove { name } => {
            let out = s
                .admin_call("DeregisterFlinkCluster", &json!({ "Name": name }), TIMEOUT)
                .await?;
            if s.json() {
                print_json(&out);
            } else {
                println!("Deregistered {name} (the Flink cluster itself is left running).");
            }
            Ok(())
        }
    }
}

/// NAME, URL, RUNTIME/VERSION, SLOTS used/total, KPUS used/cap, REACHABLE,
/// APPS.
pub fn table(clusters: &[Value]) -> Table {
    let mut table = Table::new(&[
        "NAME",
        "URL",
        "RUNTIME/VERSION",
        "SLOTS>",
        "KPUS>",
        "REACHABLE",
        "APPS",
    ]);
    let mut sorted: Vec<&Value> = clusters.iter().collect();
    sorted.sort_by_key(|c| c["Name"].as_str().unwrap_or_default().to_string());
    for c in sorted {
        let apps: Vec<&str> = c["Applications"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        table.row(vec![
            str_of(&c["Name"]),
            str_of(&c["RestUrl"]),
            format!(
                "{}/{}",
                str_of(&c["RuntimeEnvironment"]),
                str_of(&c["FlinkVersion"])
            ),
            format!("{}/{}", num(&c["UsedSlots"]), num(&c["TotalSlots"])),
            format!("{}/{}", num(&c["UsedKPUs"]), num(&c["CapacityKPUs"])),
            reachable(c),
            if apps.is_empty() {
                "-".to_string()
            } else {
                apps.join(",")
            },
        ]);
    }
    table
}

/// `yes`, `no` (since when, if told), or `-` before the first look.
fn reachable(c: &Value) -> String {
    match c["Reachable"].as_bool() {
        Some(true) => "yes".into(),
        Some(false) => match c["ReachableSince"].as_f64() {
            Some(since) => format!("no (since {})", output::epoch_ms((since * 1000.0) as i64)),
            None => "no".into(),
        },
        None => "-".into(),
    }
}

fn str_of(v: &Value) -> String {
    v.as_str().map_or_else(|| "-".to_string(), str::to_string)
}

fn num(v: &Value) -> String {
    opt(v.as_f64(), output::number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_use_against_capacity_and_reachability() {
        let clusters = vec![
            json!({
                "Name": "shared", "RestUrl": "http://jm:8081", "RuntimeEnvironment": "FLINK-1_20",
                "FlinkVersion": "1.20.1", "SavepointDirectory": "/sp", "CapacityKPUs": 8,
                "TotalSlots": 8, "UsedSlots": 2, "UsedKPUs": 2, "Applications": ["a", "b"],
                "RegisteredAt": 1.0, "Reachable": true
            }),
            json!({
                "Name": "down", "RestUrl": "http://x:8081", "RuntimeEnvironment": "FLINK-2_2",
                "FlinkVersion": "2.2.0", "CapacityKPUs": null, "TotalSlots": 4, "UsedSlots": 0,
                "UsedKPUs": 0, "Applications": [], "Reachable": false,
                "Error": "connection\nrefused"
            }),
        ];
        let text = table(&clusters).render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            [
                "NAME",
                "URL",
                "RUNTIME/VERSION",
                "SLOTS",
                "KPUS",
                "REACHABLE",
                "APPS"
            ]
        );
        assert!(lines[1].starts_with("down "), "{text}");
        assert!(
            lines[1].contains("0/4") && lines[1].contains("0/-"),
            "{text}"
        );
        assert!(lines[1].contains(" no "), "{text}");
        assert!(lines[2].contains("FLINK-1_20/1.20.1") && lines[2].contains("2/8"));
        assert!(
            lines[2].ends_with("a,b") && lines[2].contains(" yes "),
            "{text}"
        );
    }
}
