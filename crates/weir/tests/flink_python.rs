//! End-to-end tests of issue 16: Python (PyFlink) applications run as the
//! service runs them. The example `python-getting-started` is a zip built
//! like the service's Python samples: `main.py` reads
//! `/etc/flink/application_properties.json` with `json`, a Java source and a
//! Java UDF come from its `jarfile`, a Python UDF (in the Python worker
//! beside the Task Manager) reads the file again and uses a dependency the
//! zip ships under `pyFiles`, and every output line carries the three tags
//! read, so a line proves that each part found its properties.
//!
//! Covered, on Flink 1.20 and 2.2 with real PyFlink (the environments the
//! test set-up installs with `weir runtime install --python`): start to
//! RUNNING; Weir killed and started again (adoption); stop with a snapshot
//! and start again, the source going on from
//! its position; a live update of the code; a failing `main()` (FAILED with
//! the Python exception first, READY, the traceback as one event in the
//! log); a zip that lacks the main file; a force stop that leaves no Java or
//! Python process. The refusals of unsupported run options are in `api.rs`.

mod flink_harness;

use std::io::{Read, Write};
use std::path::Path;

use aws_sdk_kinesisanalyticsv2::primitives::Blob;
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationCodeConfigurationUpdate, ApplicationConfigurationUpdate, CodeContentUpdate,
    OperationStatus,
};
use flink_harness::*;

/// The zip `bytes` with `main.py` passed through `edit`.
fn with_main_edited(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..from.len() {
        let mut entry = from.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        if entry.is_dir() {
            to.add_directory(name, options).unwrap();
            continue;
        }
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == "main.py" {
            content = edit(&String::from_utf8(content).unwrap()).into_bytes();
        }
        to.start_file(name, options).unwrap();
        to.write_all(&content).unwrap();
    }
    to.finish().unwrap().into_inner()
}

/// The Python processes among `app`'s: the driver of `main()` (gone once
/// the job is submitted) and the workers of its Python functions.
fn python_processes(f: &Flink, app: &str) -> Vec<String> {
    f.jvms(app)
        .into_iter()
        .filter(|p| p.comm.starts_with("python") || p.cmdline.contains("pyflink"))
        .map(|p| format!("{} {:.160}", p.pid, p.cmdline))
        .collect()
}

/// Every number of `dir`'s lines appears once: a restore that went back to
/// the start (or a sink that wrote twice) would repeat some.
fn assert_no_number_twice(app: &str, dir: &Path) {
    let mut seen = std::collections::BTreeMap::new();
    for l in python_lines(dir) {
        *seen.entry(l.n).or_insert(0) += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).take(10).collect();
    assert!(
        twice.is_empty(),
        "{app}: numbers written more than once: {twice:?}"
    );
}

/// Waits until part files named `prefix…` under `dir` hold a line; their lines.
async fn wait_part_lines(f: &Flink, app: &str, dir: &Path, prefix: &str) -> Vec<PythonLine> {
    let deadline = std::time::Instant::now() + EVENT_TIMEOUT;
    loop {
        let files: Vec<_> = part_files(dir)
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
            .collect();
        let scratch = tempfile::tempdir().unwrap();
        for (i, file) in files.iter().enumerate() {
            std::fs::copy(file, scratch.path().join(format!("part-{i}"))).unwrap();
        }
        let lines = python_lines(scratch.path());
        if !lines.is_empty() {
            return lines;
        }
        if std::time::Instant::now() > deadline {
            panic!(
                "{app}: no {prefix}* part file with a line in {}\n{}",
                dir.display(),
                f.diagnosis(app).await
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_application_runs_keeps_its_position_and_takes_new_code() {
    python_env(FLINK_1_20.version);
    python_env(FLINK_2_2.version);
    let mut f = Flink::start(&[FLINK_1_20, FLINK_2_2]).await;
    let out = tempfile::tempdir().unwrap();
    let apps = [("py-1-20", FLINK_1_20, "one"), ("py-2-2", FLINK_2_2, "two")];
    let dir = |app: &str| out.path().join(app);
    for (name, rt, tag) in apps {
        f.create(&python_app(name, rt, &dir(name), tag)).await;
    }
    let mut ops = Vec::new();
    for (name, _, _) in apps {
        ops.push(f.start_app(name).await);
    }
    for ((name, _, tag), op) in apps.iter().zip(&ops) {
        f.wait_running_after(name, op).await;
        let line = wait_python_line(&f, name, &dir(name), tag, None).await;
        assert!(
            line.library.starts_with(PROVIDED_LIBRARY),
            "{name}: the Java UDF's KinesisAnalyticsRuntime is Weir's: {line:?}"
        );
        assert!(
            line.ordinal.starts_with(&line.n.to_string())
                && line.ordinal.len() > line.n.to_string().len(),
            "{name}: humanize.ordinal from the zip's dep/: {line:?}"
        );
        let python = python_processes(&f, name);
        assert!(
            !python.is_empty(),
            "{name}: its Python functions run in Python workers of its own: {:?}",
            f.jvms(name)
        );
        // Forked warm by Weir's fork server (its waiter, and the worker
        // showing the command line Flink ran), yet found as the cluster's.
        assert!(
            python.iter().any(|p| p.contains("fork_server.py waiter"))
                && python
                    .iter()
                    .any(|p| p.contains("-m pyflink.fn_execution.beam.beam_boot")),
            "{name}: {python:#?}"
        );
        // The runtime's class-data archives were recorded with a Python
        // job too (the environment was there): its driver's and workers'
        // Java classes load from them.
        let trained = weir_test_support::flink::runtimes_dir()
            .join(apps.iter().find(|a| a.0 == *name).unwrap().1.version)
            .join("cds/trained");
        assert_eq!(
            std::fs::read_to_string(&trained).unwrap_or_default(),
            "java\npython\n",
            "{}",
            trained.display()
        );
        // main()'s own output, from the Python driver, is in the log.
        let log = f.log(name).await;
        assert!(
            log.iter()
                .any(|l| l.starts_with("[python] python-getting-started: output=")),
            "{name}: main()'s print reaches the log as [python]: {log:#?}"
        );
    }

    // Weir killed and started again adopts the clusters as they are: the
    // jobs go on, with the same Python workers.
    let workers = python_processes(&f, apps[0].0);
    f.weir.restart();
    f.reconnect();
    for (name, _, tag) in apps {
        assert_eq!(f.status(name).await, s("RUNNING"), "{name}");
        let past = python_lines(&dir(name)).iter().map(|l| l.n).max().unwrap();
        wait_python_line(&f, name, &dir(name), tag, Some(past + 20)).await;
    }
    assert_eq!(
        python_processes(&f, apps[0].0),
        workers,
        "adopted, not restarted"
    );

    // Stop with a snapshot and start again: the Java source goes on from
    // where it was (exactly once through the file sink: no number twice).
    let (name, _, tag) = apps[0];
    let stop = f.stop_app(name, false).await;
    f.wait_status(name, s("READY"), &[], STOP_TIMEOUT).await;
    f.assert_operation(name, &stop, OperationStatus::Successful)
        .await;
    f.assert_no_jvms(name).await;
    let before = python_lines(&dir(name)).iter().map(|l| l.n).max().unwrap();
    let op = f.start_app(name).await;
    f.wait_running_after(name, &op).await;
    wait_python_line(&f, name, &dir(name), tag, Some(before + 40)).await;
    assert_no_number_twice(name, &dir(name));

    // A live update of the code: the new main.py names its part files
    // differently, and the numbers still go on.
    for (name, rt, tag) in apps {
        let zip = std::fs::read(example_zip(rt.version, PYTHON_EXAMPLE)).unwrap();
        let v2 = with_main_edited(&zip, |main| {
            assert!(main.contains("JOB_NAME = \"python-getting-started\""));
            main.replace(
                "JOB_NAME = \"python-getting-started\"",
                "JOB_NAME = \"python-getting-started-v2\"",
            )
        });
        let update = ApplicationConfigurationUpdate::builder()
            .application_code_configuration_update(
                ApplicationCodeConfigurationUpdate::builder()
                    .code_content_update(
                        CodeContentUpdate::builder()
                            .zip_file_content_update(Blob::new(v2))
                            .build(),
                    )
                    .build(),
            )
            .build();
        let op = f
            .update(name, update, "code")
            .await
            .expect("a live update has an operation");
        f.wait_running_after(name, &op).await;
        // The old job commits until its stop-with-savepoint; the new one's
        // lines are those of its own part files, which must come.
        let new = wait_part_lines(&f, name, &dir(name), "python-getting-started-v2").await;
        assert!(
            new.iter()
                .all(|l| l.main_tag == tag && l.udf_tag == tag && l.java_tag == tag),
            "{name}: the new code reads the same properties: {:?}",
            &new[..new.len().min(5)]
        );
        // A job that did not restore would start again from 0: numbers twice.
        assert_no_number_twice(name, &dir(name));
    }

    // A force stop leaves nothing: no JVM, no Python driver or worker.
    for (name, _, _) in apps {
        f.stop_app(name, true).await;
    }
    for (name, _, _) in apps {
        f.wait_status(name, s("READY"), &[], STOP_TIMEOUT).await;
        f.assert_no_jvms(name).await;
        assert!(python_processes(&f, name).is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_main_shows_the_python_exception_and_its_traceback() {
    python_env(FLINK_1_20.version);
    python_env(FLINK_2_2.version);
    let f = Flink::start(&[FLINK_1_20, FLINK_2_2]).await;
    let out = tempfile::tempdir().unwrap();
    const RAISED: &str = "ValueError: python-getting-started: asked to fail in main()";
    for (name, rt) in [("fails-1-20", FLINK_1_20), ("fails-2-2", FLINK_2_2)] {
        let mut app = python_app(name, rt, &out.path().join(name), "x");
        app.properties.retain(|(id, _)| *id != "OutputConfig");
        let app = app.group("OutputConfig", &[("tag", "x"), ("fail", "main")]);
        f.create(&app).await;
        let op = f.start_app(name).await;
        f.wait_status(name, s("READY"), &[s("RUNNING")], START_TIMEOUT)
            .await;
        let detail = f.operation(name, &op).await;
        assert_eq!(
            detail.operation_status(),
            &OperationStatus::Failed,
            "{detail:#?}"
        );
        let error = error_string(&detail);
        assert!(error.starts_with(RAISED), "{name}: ErrorString: {error}");
        assert!(
            error.contains("Traceback (most recent call last):"),
            "{error}"
        );
        // The traceback is one event of the application's log.
        let log = f
            .wait_log(
                name,
                "the traceback as one [python] event",
                |log| {
                    log.iter().any(|l| {
                        l.starts_with("[python] Traceback (most recent call last):")
                            && l.contains(RAISED)
                    })
                },
                EVENT_TIMEOUT,
            )
            .await;
        let traceback = log
            .iter()
            .find(|l| l.starts_with("[python] Traceback"))
            .unwrap();
        assert!(
            traceback.contains("in main"),
            "the frames are in it: {traceback}"
        );
        f.assert_no_jvms(name).await;
    }

    // A zip without the file the run options name: a reason, not a Python error.
    let mut app = python_app("no-main", FLINK_1_20, &out.path().join("no-main"), "x");
    app.properties
        .retain(|(id, _)| *id != "kinesis.analytics.flink.run.options");
    let app = app.group(
        "kinesis.analytics.flink.run.options",
        &[("python", "MyApplication/main.py")],
    );
    f.create(&app).await;
    let op = f.start_app("no-main").await;
    f.wait_status("no-main", s("READY"), &[s("RUNNING")], START_TIMEOUT)
        .await;
    let detail = f.operation("no-main", &op).await;
    let error = error_string(&detail);
    assert!(
        error.contains(
            "\"MyApplication/main.py\", which the application's zip does not have; it has: dep/, lib/, main.py"
        ),
        "{error}"
    );
    f.assert_no_jvms("no-main").await;
}
