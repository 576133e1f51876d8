//! Python applications: how a PyFlink zip becomes a Flink job.
//!
//! The service runs a Python application's `main()` through Flink's Python
//! driver beside the Job Manager. Weir does it over the same REST call as a
//! Java job (`/jars/:id/run`), so every backend keeps one submission path:
//!
//! - the zip is unpacked into a directory the Job Manager reads (the local
//!   cluster's own; for a registered cluster, under the storage Weir and the
//!   cluster share), and the paths the run options name are checked there,
//!   so a missing `main.py` is a clear reason rather than a Python error;
//! - the jar uploaded is the application's `jarfile` (its Java functions
//!   and connectors become the job's user code, on the Job Manager's class
//!   path while `main()` runs and shipped to the Task Managers), or, without
//!   one, a jar with nothing but a manifest, as Flink's REST API runs jars
//!   only;
//! - the entry class is `org.apache.flink.client.python.PythonDriver` (in
//!   `opt/flink-python-*.jar`, on the class path of Weir's clusters), with
//!   `-py <main file>`; `pyFiles` and `pyArchives` become Flink's
//!   `python.files` and `python.archives`, and the interpreter
//!   `python.client.executable` (the driver's) and `python.executable`
//!   (the workers'), as job-level configuration — on Weir's own clusters
//!   only: a registered cluster's hosts run the interpreters its own
//!   configuration names ([`cluster_needs`] is what its operator is told).
//!
//! A run that fails says why in the Python application's terms: the
//! exception `main()` raised, with its traceback, from the Job Manager's
//! log ([`main_failure`]), or that the cluster lacks Flink's Python
//! support ([`driver_missing`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use weir_control::model::LogLevel;
use weir_control::spec::{archive_path, PythonProgram};

use super::RuntimeFailure;
use crate::RestError;

/// The class that runs a Python application's main file.
pub const PYTHON_DRIVER: &str = "org.apache.flink.client.python.PythonDriver";

/// What to run for a Python application, once its zip is unpacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PythonRun {
    pub program_args: Vec<String>,
    pub config: Vec<(String, String)>,
}

/// Unpacks the zip at `code` into `dir` (emptied first) and checks that
/// every path `program` names is in it. Blocking: call it off the runtime's
/// threads.
pub(crate) fn unpack(
    code: &Path,
    dir: &Path,
    program: &PythonProgram,
) -> Result<(), RuntimeFailure> {
    let refused = |why: String| RuntimeFailure::Refused(why);
    let file = std::fs::File::open(code).map_err(RuntimeFailure::io(format!(
        "opening the code {}",
        code.display()
    )))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| {
        refused(format!(
            "the application's code is not a zip file that Weir can read ({e}); a Python application's code is a zip with its main file (run option python = {})",
            program.main
        ))
    })?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(RuntimeFailure::io(format!("emptying {}", dir.display())))?;
    }
    std::fs::create_dir_all(dir)
        .map_err(RuntimeFailure::io(format!("creating {}", dir.display())))?;
    // `extract` refuses entries whose names leave the directory (`..`,
    // absolute paths) and keeps the entries' Unix modes.
    zip.extract(dir)
        .map_err(|e| refused(format!("the application's zip cannot be unpacked: {e}")))?;
    for path in program.paths() {
        if !dir.join(path).exists() {
            return Err(refused(format!(
                "the run options name {path:?}, which the application's zip does not have; it has: {}",
                top_entries(dir)
            )));
        }
    }
    Ok(())
}

/// The zip's top-level entries (directories with a `/`), for a reason.
fn top_entries(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return "nothing".into();
    }
    names.join(", ")
}

/// Puts the jar to upload at `jar`: the application's `jarfile` from the
/// unpacked zip in `dir`, or a jar with only a manifest.
pub(crate) fn write_jar(
    dir: &Path,
    program: &PythonProgram,
    jar: &Path,
) -> Result<(), RuntimeFailure> {
    if let Some(jarfile) = &program.jarfile {
        return std::fs::copy(dir.join(jarfile), jar)
            .map(drop)
            .map_err(RuntimeFailure::io(format!("copying {jarfile}")));
    }
    let write = || -> std::io::Result<()> {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(jar)?);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("META-INF/MANIFEST.MF", stored)?;
        zip.write_all(b"Manifest-Version: 1.0\r\nCreated-By: Weir (a Python application without a jarfile)\r\n\r\n")?;
        zip.finish()?;
        Ok(())
    };
    write().map_err(RuntimeFailure::io(format!("writing {}", jar.display())))
}

/// The program arguments and job configuration that run `program`,
/// unpacked in `dir`, with the interpreter `python` (None: the cluster's
/// own `python.executable` settings, for a registered cluster).
pub(crate) fn run(dir: &Path, program: &PythonProgram, python: Option<&Path>) -> PythonRun {
    let abs = |p: &str| dir.join(p).to_string_lossy().into_owned();
    let mut config = Vec::new();
    if let Some(python) = python {
        let python = python.to_string_lossy().into_owned();
        config.push(("python.client.executable".to_string(), python.clone()));
        config.push(("python.executable".to_string(), python));
    }
    if !program.py_files.is_empty() {
        let files: Vec<String> = program.py_files.iter().map(|p| abs(p)).collect();
        config.push(("python.files".to_string(), files.join(",")));
    }
    if !program.py_archives.is_empty() {
        let archives: Vec<String> = program
            .py_archives
            .iter()
            .map(|a| {
                let path = abs(archive_path(a));
                match a.split_once('#') {
                    Some((_, target)) => format!("{path}#{target}"),
                    None => path,
                }
            })
            .collect();
        config.push(("python.archives".to_string(), archives.join(",")));
    }
    PythonRun {
        program_args: vec!["-py".to_string(), abs(&program.main)],
        config,
    }
}

/// Where a cluster keeps the unpacked zip of the job it runs.
pub(crate) fn unpack_dir(base: &Path) -> PathBuf {
    base.join("python")
}

/// The keys of a cluster's configuration that name its interpreters: the
/// one that runs `main()` beside the Job Manager, the one the Task
/// Managers' Python workers run.
const INTERPRETERS: [&str; 2] = ["python.client.executable", "python.executable"];

/// The line for a Python application's log when it is placed on
/// registered cluster `cluster` (Flink `flink_version`): what the cluster,
/// not Weir, must provide, and what its Job Manager's configuration
/// (`config`, or why it could not be read) says of the interpreters. A
/// warning when it names neither or only one: Flink then runs `python`
/// from the hosts' `PATH`, which rarely has PyFlink.
pub(crate) fn cluster_needs(
    app: &str,
    cluster: &str,
    flink_version: &str,
    shared_dir: &Path,
    app_dir: &Path,
    config: Result<&[(String, String)], &str>,
) -> (LogLevel, String) {
    let mut level = LogLevel::Info;
    let says = match config {
        Ok(config) => {
            let set: Vec<String> = INTERPRETERS
                .iter()
                .map(|key| match config.iter().find(|(k, _)| k == key) {
                    Some((_, v)) => format!("{key} = {v}"),
                    None => {
                        level = LogLevel::Warn;
                        format!("no {key} (Flink's default: `python` on each host's PATH)")
                    }
                })
                .collect();
            format!("Its Job Manager's configuration has {}.", set.join(" and "))
        }
        Err(why) => format!("Its Job Manager's configuration could not be read: {why}."),
    };
    let line = format!(
        "Application {app} is a Python application: Flink cluster {cluster} runs its main() (beside the Job Manager) and its Python functions (on the Task Managers) with what the cluster provides, not Weir: Flink's Python support (flink-python-{flink_version}.jar, which Flink adds to a Python job from its distribution's opt/ directory, FLINK_OPT_DIR, or on the classpath), a Python with PyFlink {flink_version} (apache-flink=={flink_version}) named by python.client.executable (for main()) and python.executable (for the functions) in the cluster's configuration, and the shared directory {} at the same path on every host, readable by the cluster's user: Weir unpacks the zip into {} and writes the properties to {}, named to main() as `--properties <file>`. {says}",
        shared_dir.display(),
        unpack_dir(app_dir).display(),
        app_dir.join(PROPERTIES_FILE).display(),
    );
    (level, line)
}

/// The properties file of an application on a registered cluster, in its
/// directory of the shared storage.
pub(crate) const PROPERTIES_FILE: &str = "application_properties.json";

/// Whether Flink's answer to running a Python application says that the
/// cluster lacks Flink's Python support — `PythonDriver` cannot be loaded
/// (neither the classpath nor `FLINK_OPT_DIR` has a flink-python jar) —
/// and if so, the line of Flink's text that says it.
pub(crate) fn driver_missing(e: &RestError) -> Option<String> {
    let RestError::Status { body, .. } = e else {
        return None;
    };
    let not_found = ["ClassNotFoundException", "NoClassDefFoundError"];
    let python_classes = [
        "org.apache.flink.client.python.",
        "org/apache/flink/client/python/",
    ];
    // PackagedProgram's own words: "The program's entry point class '…'
    // was not found in the jar file.", and "Found 0 flink-python jar."
    // when it looks in FLINK_OPT_DIR for one to add to the job.
    body.lines()
        .map(str::trim)
        .find(|line| {
            (line.contains(PYTHON_DRIVER) && line.contains("was not found"))
                || line.contains("flink-python jar")
                || (not_found.iter().any(|n| line.contains(n))
                    && python_classes.iter().any(|c| line.contains(c)))
        })
        .map(str::to_string)
}

/// Why a Python application's run failed, when its `main()` raised: the
/// exception, first, with the traceback, as the Python driver logged it in
/// the Job Manager's log (`jm_log`) since `since_ms`. Flink's own answer
/// says only that the Python process exited with 1; `None` when no
/// traceback was logged (the driver did not start Python at all).
pub(crate) fn main_failure(jm_log: &str, since_ms: i64) -> Option<RuntimeFailure> {
    let err = crate::python_log::last_python_error(jm_log, Some(since_ms))?;
    Some(RuntimeFailure::Refused(format!(
        "{}\n\nThe application's Python main() failed; its traceback:\n{}",
        err.exception, err.traceback
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut zip = zip::ZipWriter::new(file.reopen().unwrap());
        for (name, bytes) in entries {
            if name.ends_with('/') {
                zip.add_directory(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
            } else {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(bytes).unwrap();
            }
        }
        zip.finish().unwrap();
        file
    }

    fn program(
        main: &str,
        jarfile: Option<&str>,
        py_files: &[&str],
        archives: &[&str],
    ) -> PythonProgram {
        PythonProgram {
            main: main.into(),
            jarfile: jarfile.map(Into::into),
            py_files: py_files.iter().map(|s| s.to_string()).collect(),
            py_archives: archives.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_zip_is_unpacked_and_run_through_the_python_driver() {
        let code = zip_with(&[
            ("App/main.py", b"print(1)"),
            ("lib/deps.jar", b"jar"),
            ("dep/", b""),
            ("dep/humanize/__init__.py", b""),
            ("venv.zip", b"zip"),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("python");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale.py"), "old").unwrap();
        let p = program(
            "App/main.py",
            Some("lib/deps.jar"),
            &["dep/"],
            &["venv.zip#venv"],
        );
        unpack(code.path(), &out, &p).unwrap();
        assert!(out.join("App/main.py").is_file());
        assert!(
            !out.join("stale.py").exists(),
            "the previous job's files go"
        );

        let jar = dir.path().join("app.jar");
        write_jar(&out, &p, &jar).unwrap();
        assert_eq!(std::fs::read(&jar).unwrap(), b"jar");

        let run = run(&out, &p, Some(Path::new("/envs/py/bin/python")));
        let o = out.display();
        assert_eq!(
            run.program_args,
            ["-py".to_string(), format!("{o}/App/main.py")]
        );
        assert_eq!(
            run.config,
            [
                (
                    "python.client.executable".to_string(),
                    "/envs/py/bin/python".to_string()
                ),
                (
                    "python.executable".to_string(),
                    "/envs/py/bin/python".to_string()
                ),
                ("python.files".to_string(), format!("{o}/dep/")),
                ("python.archives".to_string(), format!("{o}/venv.zip#venv")),
            ]
        );
    }

    #[test]
    fn without_a_jarfile_the_upload_is_a_jar_with_a_manifest_only() {
        let dir = tempfile::tempdir().unwrap();
        let jar = dir.path().join("app.jar");
        write_jar(dir.path(), &program("main.py", None, &[], &[]), &jar).unwrap();
        let zip = zip::ZipArchive::new(std::fs::File::open(&jar).unwrap()).unwrap();
        assert_eq!(zip.len(), 1);
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(names, ["META-INF/MANIFEST.MF"]);
    }

    #[test]
    fn a_cluster_without_flink_python_is_told_from_other_failures() {
        let status = |body: &str| RestError::Status {
            url: "http://jm:8081/jars/x/run".into(),
            code: 500,
            body: body.into(),
        };
        for missing in [
            "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\nCaused by: org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'org.apache.flink.client.python.PythonDriver' was not found in the jar file.\nCaused by: java.lang.ClassNotFoundException: org.apache.flink.client.python.PythonDriver",
            "Internal server error.\n<Exception on server side:\njava.util.concurrent.CompletionException: java.lang.RuntimeException: Found 0 flink-python jar.\n\tat org.apache.flink.client.program.PackagedProgramUtils.getPythonJar(PackagedProgramUtils.java:1)\nEnd of exception on server side>",
            "java.lang.NoClassDefFoundError: org/apache/flink/client/python/PythonEnvUtils",
        ] {
            let said = driver_missing(&status(missing)).unwrap_or_else(|| panic!("{missing}"));
            assert!(missing.lines().any(|l| l == said), "{said}");
        }
        for other in [
            "org.apache.flink.client.program.ProgramAbortException: java.lang.RuntimeException: Python process exits with code: 1",
            "java.lang.ClassNotFoundException: weir.examples.SequenceSource",
        ] {
            assert_eq!(driver_missing(&status(other)), None, "{other}");
        }
        let unreachable = RestError::Connect {
            url: "http://jm:8081".into(),
            detail: "refused".into(),
        };
        assert_eq!(driver_missing(&unreachable), None);
    }

    #[test]
    fn the_operator_is_told_what_a_python_application_needs_of_a_cluster() {
        let (shared, app_dir) = (Path::new("/shared"), Path::new("/shared/weir/py"));
        let both = [
            (
                "python.client.executable".to_string(),
                "/opt/py/bin/python".to_string(),
            ),
            (
                "python.executable".to_string(),
                "/opt/py/bin/python".to_string(),
            ),
        ];
        let (level, line) = cluster_needs("py", "edge", "1.20.5", shared, app_dir, Ok(&both));
        assert_eq!(level, LogLevel::Info);
        for part in [
            "flink-python-1.20.5.jar",
            "apache-flink==1.20.5",
            "python.client.executable = /opt/py/bin/python and python.executable = /opt/py/bin/python",
            "the shared directory /shared at the same path on every host",
            "/shared/weir/py/python",
            "/shared/weir/py/application_properties.json",
            "--properties <file>",
        ] {
            assert!(line.contains(part), "{part:?} in {line}");
        }
        let (level, line) = cluster_needs("py", "edge", "1.20.5", shared, app_dir, Ok(&both[1..]));
        assert_eq!(level, LogLevel::Warn);
        assert!(line.contains("no python.client.executable (Flink's default: `python` on each host's PATH) and python.executable = /opt/py/bin/python"), "{line}");
        let (level, line) =
            cluster_needs("py", "edge", "1.20.5", shared, app_dir, Err("timed out"));
        assert_eq!(level, LogLevel::Info);
        assert!(line.ends_with("could not be read: timed out."), "{line}");
    }

    #[test]
    fn a_path_the_zip_lacks_is_refused_with_what_it_has() {
        let code = zip_with(&[("main.py", b""), ("lib/", b"")]);
        let dir = tempfile::tempdir().unwrap();
        let err = unpack(
            code.path(),
            &dir.path().join("python"),
            &program("main.py", Some("lib/missing.jar"), &[], &[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"lib/missing.jar\""), "{err}");
        assert!(err.contains("it has: lib/, main.py"), "{err}");

        let not_zip = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(not_zip.path(), b"print(1)").unwrap();
        let err = unpack(
            not_zip.path(),
            &dir.path().join("p"),
            &program("main.py", None, &[], &[]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not a zip file"), "{err}");
    }
}
