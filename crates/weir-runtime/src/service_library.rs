//! The service's runtime library: the class that jobs written for Amazon
//! Managed Service for Apache Flink call to read their properties,
//! `com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime`
//! (from `com.amazonaws:aws-kinesisanalytics-runtime`, which the samples
//! declare `provided`: the service puts it on the classpath). Weir has its own
//! implementation in `crates/weir-runtime/java/` (only JDK classes, so one jar
//! serves every Flink version), compiled into this crate as text
//! ([`SOURCES`]), so an installed `weir` builds it without the repository.
//!
//! [`ensure_jar`] builds it once per runtimes directory and source:
//! `<runtimes-dir>/lib/kinesisanalytics-runtime-<hash>.jar`, the hash being
//! the first 12 hex digits of the sources' SHA-256, so a jar on disk is never
//! stale and a JVM started on an older one keeps its jar. The build is what a
//! Flink install is: one builder at a time across processes (an advisory lock
//! on `<runtimes-dir>/lib.lock`), the work in `<runtimes-dir>/lib.tmp-<pid>`
//! (a dead builder's is removed by the next), the jar renamed into place.
//! `javac --release 8` of the JDK beside the `java` that runs Flink compiles
//! it; that JDK's `jar` tool packages it.
//!
//! [`crate::Runtimes::ensure`] gives every [`crate::FlinkHome`] the jar
//! ([`crate::FlinkHome::service_library`]), and [`crate::FlinkHome::classpath`]
//! puts it last on the system classpath of the Job Managers and Task Managers
//! Weir starts: a job jar that leaves the library out finds it there, and one
//! that bundles its own copy keeps its copy (Flink loads user classes
//! child-first).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::runtimes::{is_executable, java_binary, lock_file, tail_lines};
use crate::RuntimeError;

/// The class jobs call.
pub const CLASS: &str = "com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime";

/// The library's sources: (path under the source root, text).
pub const SOURCES: [(&str, &str); 2] = [
    (
        "com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.java",
        include_str!(
            "../java/com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.java"
        ),
    ),
    (
        "com/amazonaws/services/kinesisanalytics/runtime/PropertyGroups.java",
        include_str!("../java/com/amazonaws/services/kinesisanalytics/runtime/PropertyGroups.java"),
    ),
];

/// How long `javac` or `jar` may take (each is one short JVM).
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// Flags that make the short-lived tool JVMs start and finish faster.
const TOOL_JVM_FLAGS: [&str; 2] = ["-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"];

/// One builder at a time in this process (the file lock covers the others
/// but would hold a blocking thread while it waits).
static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `kinesisanalytics-runtime-<first 12 hex digits of the SHA-256 of SOURCES>.jar`
/// (each source's path, a NUL, its text, a NUL).
pub fn jar_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| format!("kinesisanalytics-runtime-{}.jar", sources_hash(&SOURCES)))
}

/// The first 12 hex digits of the SHA-256 of `sources` (each source's path,
/// a NUL, its text, a NUL): what names a build of them.
pub(crate) fn sources_hash(sources: &[(&str, &str)]) -> String {
    let mut sha = Sha256::new();
    for (path, text) in sources {
        sha.update(path.as_bytes());
        sha.update([0]);
        sha.update(text.as_bytes());
        sha.update([0]);
    }
    hex::encode(sha.finalize())[..12].to_string()
}

/// The library's jar in `<runtimes_dir>/lib/`, built first when it is not
/// there. A stat when it is.
///
/// Errors: [`RuntimeError::ServiceLibrary`] (no `javac`, or it failed),
/// [`RuntimeError::Io`].
pub async fn ensure_jar(runtimes_dir: &Path) -> Result<PathBuf, RuntimeError> {
    let lib = runtimes_dir.join("lib");
    let jar = lib.join(jar_name());
    if jar.is_file() {
        return Ok(jar);
    }
    let javac = javac_binary()?;
    let jar_tool = jar_tool_beside(&javac)?;
    let _in_process = BUILDING.lock().await;
    tokio::fs::create_dir_all(&lib)
        .await
        .map_err(RuntimeError::io(format!("creating {}", lib.display())))?;
    let lock_path = runtimes_dir.join("lib.lock");
    let _cross_process = tokio::task::spawn_blocking(move || lock_file(&lock_path))
        .await
        .expect("lock task panicked")?;
    if jar.is_file() {
        return Ok(jar); // another process built it while we waited
    }
    remove_stale_temps(runtimes_dir).await;
    let work = runtimes_dir.join(format!("lib.tmp-{}", std::process::id()));
    let _ = tokio::fs::remove_dir_all(&work).await;
    let started = std::time::Instant::now();
    let tools = JavaTools {
        javac,
        jar: jar_tool,
    };
    let result = tools.build(&SOURCES, None, "8", &work, &jar).await;
    let _ = tokio::fs::remove_dir_all(&work).await;
    result?;
    tracing::info!(jar = %jar.display(), elapsed_ms = started.elapsed().as_millis() as u64, "built the service's runtime library");
    Ok(jar)
}

/// The JDK tools that build jars: `javac` and `jar` of the JDK beside the
/// `java` that runs Flink.
pub(crate) struct JavaTools {
    javac: PathBuf,
    jar: PathBuf,
}

impl JavaTools {
    /// Errors: [`RuntimeError::ServiceLibrary`] when either is missing.
    pub(crate) fn find() -> Result<JavaTools, RuntimeError> {
        let javac = javac_binary()?;
        let jar = jar_tool_beside(&javac)?;
        Ok(JavaTools { javac, jar })
    }

    /// Compiles `sources` (path under the source root, text) with `javac
    /// --release <release>` against `classpath`, and packages the classes
    /// into `jar`: built in `work`, renamed into place.
    pub(crate) async fn build(
        &self,
        sources: &[(&str, &str)],
        classpath: Option<&str>,
        release: &str,
        work: &Path,
        jar: &Path,
    ) -> Result<(), RuntimeError> {
        let io = |what: String| RuntimeError::io(what);
        let src = work.join("src");
        let classes = work.join("classes");
        let mut files = Vec::new();
        for (path, text) in sources {
            let file = src.join(path);
            if let Some(dir) = file.parent() {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(io(format!("creating {}", dir.display())))?;
            }
            tokio::fs::write(&file, text)
                .await
                .map_err(io(format!("writing {}", file.display())))?;
            files.push(file);
        }
        let mut javac_cmd = tokio::process::Command::new(&self.javac);
        javac_cmd.args(TOOL_JVM_FLAGS);
        if let Some(classpath) = classpath {
            javac_cmd.arg("-cp").arg(classpath);
        }
        javac_cmd
            .args(["--release", release, "-nowarn", "-encoding", "UTF-8", "-d"])
            .arg(&classes)
            .args(&files);
        run_tool(javac_cmd, &self.javac).await?;
        let name = jar.file_name().unwrap_or_else(|| OsStr::new("built.jar"));
        let built = work.join(name);
        let mut jar_cmd = tokio::process::Command::new(&self.jar);
        jar_cmd
            .args(TOOL_JVM_FLAGS)
            .arg("--create")
            .arg("--file")
            .arg(&built)
            .arg("-C")
            .arg(&classes)
            .arg(".");
        run_tool(jar_cmd, &self.jar).await?;
        tokio::fs::rename(&built, jar).await.map_err(io(format!(
            "renaming {} to {}",
            built.display(),
            jar.display()
        )))
    }
}

async fn run_tool(mut cmd: tokio::process::Command, tool: &Path) -> Result<(), RuntimeError> {
    let failed = |what: String| RuntimeError::ServiceLibrary(format!("{}: {what}", tool.display()));
    cmd.stdin(std::process::Stdio::null()).kill_on_drop(true);
    let output = tokio::time::timeout(TOOL_TIMEOUT, cmd.output())
        .await
        .map_err(|_| {
            failed(format!(
                "did not finish within {} s",
                TOOL_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| failed(format!("cannot be run: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Err(failed(format!(
        "exited with {}:\n{}",
        output.status,
        tail_lines(text.lines(), 20)
    )))
}

async fn remove_stale_temps(runtimes_dir: &Path) {
    let Ok(mut entries) = tokio::fs::read_dir(runtimes_dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if entry.file_name().to_string_lossy().starts_with("lib.tmp-") {
            let _ = tokio::fs::remove_dir_all(entry.path()).await;
        }
    }
}

/// The `javac` of the JDK that runs Flink: beside [`java_binary`] (at its
/// real path first, which follows `/usr/bin/java`'s links into the JDK, then
/// at the path as given), else `javac` on `PATH`.
pub fn javac_binary() -> Result<PathBuf, RuntimeError> {
    let java = java_binary();
    let path = std::env::var_os("PATH");
    find_javac(&java, path.as_deref()).ok_or_else(|| {
        RuntimeError::ServiceLibrary(format!(
            "`javac` was found neither beside {} nor on PATH. Weir compiles the class jobs \
             read their properties with (KinesisAnalyticsRuntime) with the JDK that runs Flink: \
             install a JDK 17, not only a Java runtime (e.g. `apt-get install \
             openjdk-17-jdk-headless`), or set JAVA_HOME to one",
            java.display()
        ))
    })
}

/// The JDK's `jar` tool beside `javac` (at its real path, then as given),
/// else on `PATH`.
fn jar_tool_beside(javac: &Path) -> Result<PathBuf, RuntimeError> {
    let path = std::env::var_os("PATH");
    find_tool("jar", javac, path.as_deref()).ok_or_else(|| {
        RuntimeError::ServiceLibrary(format!(
            "the JDK's `jar` tool was found neither beside {} nor on PATH: install a complete \
             JDK 17 (e.g. `apt-get install openjdk-17-jdk-headless`)",
            javac.display()
        ))
    })
}

fn find_javac(java: &Path, path_var: Option<&OsStr>) -> Option<PathBuf> {
    find_tool("javac", java, path_var)
}

/// `tool` in the directory of `beside` (resolved on `path_var` when it is a
/// bare name; its real path first), else on `path_var`.
fn find_tool(tool: &str, beside: &Path, path_var: Option<&OsStr>) -> Option<PathBuf> {
    let on_path = |name: &OsStr| {
        path_var
            .map(std::env::split_paths)
            .into_iter()
            .flatten()
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
    };
    let beside = if beside.components().count() == 1 {
        on_path(beside.as_os_str())
    } else {
        Some(beside.to_path_buf())
    };
    let dirs = beside.iter().flat_map(|b| {
        let real = std::fs::canonicalize(b).ok();
        [real, Some(b.clone())]
            .into_iter()
            .flatten()
            .filter_map(|p| p.parent().map(Path::to_path_buf))
    });
    for dir in dirs {
        let candidate = dir.join(tool);
        if is_executable(&candidate) {
            return Some(candidate);
        }
    }
    on_path(OsStr::new(tool))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn executable(path: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn the_jar_is_named_by_the_sources_hash() {
        let name = jar_name();
        let hash = name
            .strip_prefix("kinesisanalytics-runtime-")
            .and_then(|n| n.strip_suffix(".jar"))
            .unwrap();
        assert_eq!(hash.len(), 12);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
        for (path, text) in SOURCES {
            assert!(path.ends_with(".java"));
            assert!(
                text.contains("package com.amazonaws.services.kinesisanalytics.runtime;"),
                "{path}"
            );
        }
    }

    /// A Java program run against the built jar: every case of the class's
    /// behaviour in one JVM (it throws at the first that fails).
    const DRIVER: &str = r#"
import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;

public class Driver {
    static int checks;

    static void check(boolean ok, String what) {
        checks++;
        if (!ok) throw new AssertionError(what);
    }

    static void eq(Object want, Object got, String what) {
        check(Objects.equals(want, got), what + ": want <" + want + ">, got <" + got + ">");
    }

    static Map<String, Properties> read(Path file) throws IOException {
        return KinesisAnalyticsRuntime.getApplicationProperties(file.toString());
    }

    /** Which file getApplicationProperties() read: its group From's "where". */
    static String where() throws IOException {
        Properties from = KinesisAnalyticsRuntime.getApplicationProperties().get("From");
        return from == null ? "nothing" : from.getProperty("where");
    }

    static void malformed(Path file, String... parts) {
        try {
            read(file);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            check(m.contains(file.toString()), file + ": the message does not name the file: " + m);
            for (String part : parts) check(m.contains(part), file + ": <" + m + "> lacks <" + part + ">");
            return;
        }
        throw new AssertionError(file + ": no IOException");
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);

        // Compiled for Java 8 (class file version 52), whatever the JDK.
        try (InputStream in = KinesisAnalyticsRuntime.class.getResourceAsStream("KinesisAnalyticsRuntime.class")) {
            byte[] head = new byte[8];
            check(in.read(head) == 8, "class file header");
            eq(52, ((head[6] & 0xff) << 8) | (head[7] & 0xff), "class file major version");
        }

        // The service's array: groups, escapes, unicode, non-string values.
        Map<String, Properties> g = read(dir.resolve("groups.json"));
        eq(new TreeSet<>(Arrays.asList("OutputConfig", "Numbers", "Empty", "Dup", "\u00dcn\u00efc\u00f6d\u00e9 \u2713")),
                new TreeSet<>(g.keySet()), "group ids");
        Properties out = g.get("OutputConfig");
        eq("/tmp/out", out.getProperty("output.path"), "a plain value");
        eq("t\"q\\b/s\n\t\u00e9\ud83d\ude00\u0001", out.getProperty("tag"), "escapes");
        eq("", out.getProperty("empty"), "an empty value");
        Properties n = g.get("Numbers");
        eq("10", n.getProperty("int"), "an integer as text");
        eq("-2.5e3", n.getProperty("neg"), "a number as written");
        eq("0", n.getProperty("zero"), "zero");
        eq("true", n.getProperty("yes"), "true as text");
        eq("false", n.getProperty("no"), "false as text");
        check(!n.containsKey("nothing"), "a null value leaves its key out");
        eq(5, n.size(), "Numbers' keys");
        eq(0, g.get("Empty").size(), "a group without PropertyMap");
        eq("3", g.get("Dup").getProperty("k"), "the last group and key of a name win");
        eq(1, g.get("Dup").size(), "Dup's keys");
        eq("\u5024", g.get("\u00dcn\u00efc\u00f6d\u00e9 \u2713").getProperty("\u043a\u043b\u044e\u0447"), "UTF-8 text");

        // A missing file: an empty map the caller may fill.
        Map<String, Properties> none = read(dir.resolve("missing.json"));
        check(none.isEmpty(), "a missing file gives no groups");
        none.put("Mine", new Properties());
        eq(0, read(dir.resolve("blank.json")).size(), "a file of white space");
        eq(1, read(dir.resolve("bom.json")).size(), "a byte-order mark");

        // Malformed: an IOException naming the file and where.
        malformed(dir.resolve("unterminated.json"), "expected ',' or ']'", "the end of the text");
        malformed(dir.resolve("bad-id.json"), "PropertyGroupId must be a string", "line 2, column 23");
        malformed(dir.resolve("api-shape.json"), "expected a JSON array", "line 1, column 1");
        malformed(dir.resolve("no-id.json"), "has no \"PropertyGroupId\"");
        malformed(dir.resolve("nested.json"), "the value of \"k\"", "is an object; property values are strings");
        malformed(dir.resolve("trailing-comma.json"), "expected a member name");
        malformed(dir.resolve("bad-escape.json"), "invalid escape \\x");
        malformed(dir.resolve("control.json"), "control character U+000A");
        malformed(dir.resolve("bad-number.json"), "invalid number: digits expected after");
        malformed(dir.resolve("latin1.json"), "not UTF-8");
        malformed(dir.resolve("after.json"), "unexpected text after");

        if (!args[1].equals("order")) {
            System.out.println("ok " + checks + " checks (lookup order skipped)");
            return;
        }
        // The lookup order below the fixed path, which does not exist here.
        eq("env", where(), "the environment variable's file without the system property");
        System.setProperty("weir.application.properties", dir.resolve("sysprop.json").toString());
        eq("sysprop", where(), "the system property's file before the environment variable's");
        System.setProperty("weir.application.properties", dir.resolve("missing.json").toString());
        eq("env", where(), "a missing system-property file falls through");
        System.clearProperty("weir.application.properties");
        Files.delete(dir.resolve("env.json"));

        Thread thread = Thread.currentThread();
        thread.setContextClassLoader(new URLClassLoader(new URL[] {dir.resolve("context").toUri().toURL()}, null));
        eq("context", where(), "the context loader's resource before the class's own");
        thread.setContextClassLoader(new URLClassLoader(new URL[0], null));
        eq("own", where(), "the class's own loader's resource");
        thread.setContextClassLoader(null);
        eq("own", where(), "no context loader");
        Files.delete(dir.resolve("own/META-INF/weir/application_properties.json"));
        Map<String, Properties> empty = KinesisAnalyticsRuntime.getApplicationProperties();
        check(empty.isEmpty(), "nothing anywhere gives no groups");
        empty.put("Mine", new Properties());
        thread.setContextClassLoader(new URLClassLoader(new URL[] {dir.resolve("bad").toUri().toURL()}, null));
        try {
            KinesisAnalyticsRuntime.getApplicationProperties();
            throw new AssertionError("a malformed resource: no IOException");
        } catch (IOException e) {
            check(e.getMessage().contains("META-INF/weir/application_properties.json"), "names the resource: " + e.getMessage());
        }
        System.out.println("ok " + checks + " checks");
    }
}
"#;

    fn write(path: &Path, bytes: impl AsRef<[u8]>) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn from(place: &str) -> String {
        format!(r#"[{{"PropertyGroupId": "From", "PropertyMap": {{"where": "{place}"}}}}]"#)
    }

    #[tokio::test]
    async fn the_class_reads_the_services_file_and_looks_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let runtimes = tmp.path().join("runtimes");
        // A dead builder's work is removed; two builders make one jar.
        write(&runtimes.join("lib.tmp-4000000/x"), "");
        let (a, b) = tokio::join!(ensure_jar(&runtimes), ensure_jar(&runtimes));
        let jar = a.unwrap();
        assert_eq!(b.unwrap(), jar);
        assert_eq!(jar, runtimes.join("lib").join(jar_name()));
        let left: Vec<String> = std::fs::read_dir(&runtimes)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!left.iter().any(|n| n.contains(".tmp-")), "{left:?}");

        let dir = tmp.path().join("cases");
        write(
            &dir.join("groups.json"),
            r#"[
  {"PropertyGroupId": "OutputConfig", "PropertyMap": {"output.path": "/tmp/out",
     "tag": "t\"q\\b\/s\n\t\u00e9\ud83d\ude00\u0001", "empty": ""}},
  {"PropertyGroupId": "Numbers", "Other": [1, {"x": [null, true]}, "s"],
   "PropertyMap": {"int": 10, "neg": -2.5e3, "zero": 0, "yes": true, "no": false, "nothing": null}},
  {"PropertyGroupId": "Empty"},
  {"PropertyGroupId": "Dup", "PropertyMap": {"k": "1", "j": "2"}},
  {"PropertyMap": {"k": "2", "k": "3"}, "PropertyGroupId": "Dup"},
  {"PropertyGroupId": "Ünïcödé ✓", "PropertyMap": {"ключ": "値"}}
]
"#,
        );
        write(&dir.join("blank.json"), " \n\t ");
        write(&dir.join("bom.json"), format!("\u{feff}{}", from("bom")));
        let cases = [
            (
                "unterminated.json",
                r#"[{"PropertyGroupId": "A", "PropertyMap": {"k": "v"}}"#,
            ),
            ("bad-id.json", "[\n  {\"PropertyGroupId\": 5}\n]"),
            ("api-shape.json", r#"{"PropertyGroups": []}"#),
            ("no-id.json", r#"[{"PropertyMap": {}}]"#),
            (
                "nested.json",
                r#"[{"PropertyGroupId": "A", "PropertyMap": {"k": {"x": 1}}}]"#,
            ),
            ("trailing-comma.json", r#"[{"PropertyGroupId": "A",}]"#),
            (
                "bad-escape.json",
                r#"[{"PropertyGroupId": "A", "PropertyMap": {"k": "\x"}}]"#,
            ),
            (
                "control.json",
                "[{\"PropertyGroupId\": \"A\", \"PropertyMap\": {\"k\": \"a\nb\"}}]",
            ),
            (
                "bad-number.json",
                r#"[{"PropertyGroupId": "A", "PropertyMap": {"k": 1.}}]"#,
            ),
            ("after.json", "[] x"),
        ];
        for (name, text) in cases {
            write(&dir.join(name), text);
        }
        write(
            &dir.join("latin1.json"),
            b"[{\"PropertyGroupId\": \"caf\xe9\"}]",
        );
        write(&dir.join("sysprop.json"), from("sysprop"));
        write(&dir.join("env.json"), from("env"));
        let resource = "META-INF/weir/application_properties.json";
        write(&dir.join("context").join(resource), from("context"));
        write(&dir.join("own").join(resource), from("own"));
        write(&dir.join("bad").join(resource), "[{");

        let driver = tmp.path().join("driver");
        write(&driver.join("Driver.java"), DRIVER);
        let javac = javac_binary().unwrap();
        let status = std::process::Command::new(&javac)
            .args(["-nowarn", "-encoding", "UTF-8", "-cp"])
            .arg(&jar)
            .arg("-d")
            .arg(&driver)
            .arg(driver.join("Driver.java"))
            .status()
            .unwrap();
        assert!(status.success(), "javac Driver.java");

        // The fixed path comes first; it cannot be made here (never write the
        // host's /etc), so the order below it is checked only where it is absent.
        let fixed = Path::new("/etc/flink/application_properties.json");
        let order = if fixed.exists() {
            eprintln!(
                "{} exists: the lookup order is not checked",
                fixed.display()
            );
            "no-order"
        } else {
            "order"
        };
        let classpath = std::env::join_paths([&jar, &driver, &dir.join("own")]).unwrap();
        let output = std::process::Command::new(java_binary())
            .args(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp"])
            .arg(&classpath)
            .arg("Driver")
            .arg(&dir)
            .arg(order)
            .env("WEIR_APPLICATION_PROPERTIES", dir.join("env.json"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.starts_with("ok "), "{stdout}");
    }

    #[test]
    fn javac_is_found_beside_the_real_java_then_on_path() {
        let tmp = tempfile::tempdir().unwrap();
        let jdk = tmp.path().join("jdk/bin");
        let other = tmp.path().join("other/bin");
        executable(&jdk.join("java"));
        executable(&jdk.join("javac"));
        executable(&other.join("javac"));
        // `java` on PATH is a link into the JDK (as /usr/bin/java is): the
        // JDK's own javac, not the first on PATH.
        let usr_bin = tmp.path().join("usr/bin");
        std::fs::create_dir_all(&usr_bin).unwrap();
        std::os::unix::fs::symlink(jdk.join("java"), usr_bin.join("java")).unwrap();
        let path = std::env::join_paths([&other, &usr_bin]).unwrap();
        assert_eq!(
            find_javac(Path::new("java"), Some(&path)),
            Some(jdk.join("javac"))
        );
        assert_eq!(
            find_javac(&usr_bin.join("java"), None),
            Some(jdk.join("javac"))
        );
        // A java without a javac beside it (a JRE): the one on PATH.
        let jre = tmp.path().join("jre/bin/java");
        executable(&jre);
        assert_eq!(find_javac(&jre, Some(&path)), Some(other.join("javac")));
        // None at all.
        assert_eq!(find_javac(&jre, None), None);
        assert_eq!(find_javac(Path::new("java"), None), None);
    }
}
