//! End-to-end tests of issue 15: jobs written for the managed service run
//! unchanged. The example `getting-started` reads its properties with
//! `KinesisAnalyticsRuntime.getApplicationProperties()` in `main()` and
//! again in its running task, and writes both, with the jar the class came
//! from, into every output line. Built twice: with the library left out
//! (Weir provides it on the classpath) and with a stand-in of the real
//! library bundled (which reads only `/etc/flink/application_properties.json`).
//!
//! Covered: three applications at once (left out on 1.20 and 2.2, bundled
//! on 1.20), each of whose JVMs sees its own file at the fixed path; a live
//! update's properties reach the new job; Weir run as an ordinary user
//! (through a user namespace); and a host where no namespace can be made
//! (Weir says so at start-up and in the application's log, and the jobs
//! that use Weir's library still get their properties). The registered
//! cluster's case is in `flink_remote.rs`.
//!
//! Needs root (to run Weir as another user and to look into the JVMs'
//! mount namespaces through /proc), as CI has. No test writes the host's
//! /etc; each checks that /etc/flink is absent before and after.

mod flink_harness;

use std::process::Command;

use flink_harness::*;
use weir_test_support::server::RunAs;

async fn start_all(f: &Flink, apps: &[&str]) {
    let mut ops = Vec::new();
    for app in apps {
        ops.push((*app, f.start_app(app).await));
    }
    for (app, op) in ops {
        f.wait_running_after(app, &op).await;
    }
}

async fn force_stop_all(f: &Flink, apps: &[&str]) {
    for app in apps {
        f.stop_app(app, true).await;
    }
    for app in apps {
        f.wait_status(app, s("READY"), &[], STOP_TIMEOUT).await;
        f.assert_no_jvms(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_service_jobs_at_once_each_read_their_own_properties_at_the_fixed_path() {
    assert_host_has_no_etc_flink();
    let f = Flink::start(&[FLINK_1_20, FLINK_2_2]).await;
    assert!(
        f.weir
            .log()
            .contains("see their own properties at /etc/flink"),
        "Weir says at start-up how the JVMs get /etc/flink:\n{}",
        f.weir.log()
    );
    let out = tempfile::tempdir().unwrap();
    let dir = |app: &str| out.path().join(app);
    let apps = [
        ("left-out-1-20", FLINK_1_20, SERVICE_JOB, "one"),
        ("left-out-2-2", FLINK_2_2, SERVICE_JOB, "two"),
        ("bundled-1-20", FLINK_1_20, SERVICE_JOB_BUNDLED, "three"),
    ];
    for (name, rt, jar, tag) in apps {
        f.create(&service_app(name, rt, jar, &dir(name), tag)).await;
    }
    let names: Vec<&str> = apps.iter().map(|a| a.0).collect();
    start_all(&f, &names).await;

    for (name, _, jar, tag) in apps {
        assert_jvms_see_tag(&f, name, tag);
        let line = wait_service_line(&f, name, &dir(name), tag).await;
        if jar == SERVICE_JOB {
            assert!(
                line.library.starts_with(PROVIDED_LIBRARY),
                "{name}: the class comes from Weir's library: {line:?}"
            );
        } else {
            assert!(
                !line.library.starts_with(PROVIDED_LIBRARY) && line.library != "unknown",
                "{name}: the bundled copy comes first (child-first class loading): {line:?}"
            );
        }
        // Only its own tag, ever.
        for l in service_lines(&dir(name)) {
            assert_eq!(
                (l.main_tag.as_str(), l.task_tag.as_str()),
                (tag, tag),
                "{name}"
            );
        }
    }

    // A live update: the new job reads the new properties, in main() and
    // in its task, at the same path; the others are untouched.
    for (name, _, _, _) in [apps[0], apps[2]] {
        let retagged = service_app(
            name,
            FLINK_1_20,
            SERVICE_JOB,
            &dir(name),
            &format!("{name}-v2"),
        );
        let op = f.update_properties(name, &retagged.properties).await;
        f.wait_running_after(name, &op).await;
    }
    for (name, _, _, _) in [apps[0], apps[2]] {
        let tag = format!("{name}-v2");
        assert_jvms_see_tag(&f, name, &tag);
        wait_service_line(&f, name, &dir(name), &tag).await;
    }
    assert_jvms_see_tag(&f, apps[1].0, apps[1].3);

    force_stop_all(&f, &names).await;
    assert_host_has_no_etc_flink();
}

/// The first line getting-started printed to a Task Manager's stdout
/// (`<cluster>/log/*.out`; Flink's print sink may put `N> ` before it).
async fn wait_printed_line(f: &Flink, app: &str) -> String {
    let deadline = std::time::Instant::now() + EVENT_TIMEOUT;
    loop {
        let logs = f.cluster_dir(app).join("log");
        let found = std::fs::read_dir(&logs)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".out"))
            .flat_map(|e| {
                std::fs::read_to_string(e.path())
                    .unwrap_or_default()
                    .lines()
                    .map(|l| l.split_once("> ").map_or(l, |(_, rest)| rest).to_string())
                    .collect::<Vec<_>>()
            })
            .find(|l| {
                let cols: Vec<&str> = l.split(',').collect();
                cols.len() == 4 && cols[0].parse::<u64>().is_ok()
            });
        if let Some(line) = found {
            return line;
        }
        if std::time::Instant::now() > deadline {
            panic!("{app}: printed no line\n{}", f.diagnosis(app).await);
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// nobody:nogroup
const NOBODY: (u32, u32) = (65534, 65534);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weir_run_as_an_ordinary_user_gives_each_application_its_own_etc_flink() {
    assert_host_has_no_etc_flink();
    let scratch = tempfile::tempdir().unwrap();
    let runtimes = weir_test_support::flink::runtimes_for_user(
        &runtimes_dir(),
        scratch.path(),
        NOBODY.0,
        NOBODY.1,
    )
    .expect("the runtimes, for nobody");
    let run_as = RunAs {
        user: Some(NOBODY),
        ..RunAs::default()
    };
    let f = Flink::start_as(&[FLINK_1_20], run_as, runtimes, &[]).await;
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::chown(&out, Some(NOBODY.0), Some(NOBODY.1)).unwrap();
    let apps = [
        ("user-left-out", SERVICE_JOB, "u-one"),
        ("user-bundled", SERVICE_JOB_BUNDLED, "u-two"),
    ];
    for (name, jar, tag) in apps {
        f.create(&service_app(name, FLINK_1_20, jar, &out.join(name), tag))
            .await;
    }
    let names: Vec<&str> = apps.iter().map(|a| a.0).collect();
    start_all(&f, &names).await;

    let log = f.weir.log();
    if log.contains("cannot be given their own /etc/flink") {
        // The kernel allows no user namespace here: said once at start-up
        // and in each application's log, and the job that uses Weir's
        // library still gets its properties.
        eprintln!("this kernel gives an ordinary user no user namespace; checking the fallback");
        for (name, _, _) in apps {
            let said = f.filter_log(name, "cannot be given their own").await;
            assert_eq!(said.len(), 1, "{name}: {said:?}");
        }
        wait_service_line(&f, apps[0].0, &out.join(apps[0].0), apps[0].2).await;
    } else {
        assert!(log.contains("in a user namespace"), "{log}");
        let ours = std::fs::read_link("/proc/self/ns/user").unwrap();
        for (name, _, tag) in apps {
            assert_jvms_see_tag(&f, name, tag);
            for p in f.jvms(name) {
                let status = std::fs::read_to_string(format!("/proc/{}/status", p.pid)).unwrap();
                let uid = status
                    .lines()
                    .find(|l| l.starts_with("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(2))
                    .unwrap();
                assert_eq!(uid, "65534", "{name}: process {} runs as nobody", p.pid);
                let theirs = std::fs::read_link(format!("/proc/{}/ns/user", p.pid)).unwrap();
                assert_ne!(
                    theirs, ours,
                    "{name}: process {} in a user namespace",
                    p.pid
                );
            }
            wait_service_line(&f, name, &out.join(name), tag).await;
        }
    }
    force_stop_all(&f, &names).await;
    assert_host_has_no_etc_flink();
}

/// A host where neither way works, made for real: Weir runs as root of a
/// user namespace whose limit of nested user namespaces is 0, without
/// CAP_SYS_ADMIN (so no mount namespace either).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_no_namespace_can_be_made_weir_says_so_and_jobs_still_get_their_properties() {
    assert_host_has_no_etc_flink();
    const CONFINE: &str = "echo 0 > /proc/sys/user/max_user_namespaces && \
        exec setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin \"$@\"";
    let confined = Command::new("unshare")
        .args(["-U", "-r", "sh", "-c", CONFINE, "sh", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        confined,
        "cannot confine a process with unshare -U -r and setpriv here (util-linux, user namespaces for root)"
    );
    let run_as = RunAs {
        wrapper: ["unshare", "-U", "-r", "sh", "-c", CONFINE, "sh"]
            .map(String::from)
            .to_vec(),
        user: None,
    };
    let f = Flink::start_as(&[FLINK_1_20], run_as, runtimes_dir(), &[]).await;
    let log = f.weir.log();
    assert_eq!(
        log.matches("cannot be given their own /etc/flink").count(),
        1,
        "said once at start-up:\n{log}"
    );
    assert!(log.contains("max_user_namespaces"), "{log}");

    let out = tempfile::tempdir().unwrap();
    let apps = [
        ("plain-left-out", SERVICE_JOB, "p-one"),
        ("plain-bundled", SERVICE_JOB_BUNDLED, "p-two"),
    ];
    for (name, jar, tag) in apps {
        f.create(&service_app(
            name,
            FLINK_1_20,
            jar,
            &out.path().join(name),
            tag,
        ))
        .await;
    }
    let names: Vec<&str> = apps.iter().map(|a| a.0).collect();
    start_all(&f, &names).await;
    for (name, _, _) in apps {
        let said = f.filter_log(name, "cannot be given their own").await;
        assert_eq!(said.len(), 1, "{name}: said once in its log: {said:?}");
    }
    // Weir's library reads the file the environment names.
    let line = wait_service_line(&f, apps[0].0, &out.path().join(apps[0].0), apps[0].2).await;
    assert!(line.library.starts_with(PROVIDED_LIBRARY), "{line:?}");
    // The bundled stand-in reads only the fixed path, absent here: an
    // empty map, so no output path either: the job prints its lines, with
    // no tag, to its Task Manager's stdout.
    let printed = wait_printed_line(&f, apps[1].0).await;
    let cols: Vec<&str> = printed.split(',').collect();
    assert_eq!(cols.get(1..3), Some(&["", ""][..]), "{printed}");
    force_stop_all(&f, &names).await;
    assert_host_has_no_etc_flink();
}
