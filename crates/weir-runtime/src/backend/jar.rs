//! The jar Weir uploads to a registered Flink cluster: the application's
//! own jar with what a job written for the service expects the service to
//! provide. On a cluster Weir does not run, nothing of Weir's is on the
//! classpath and no file of Weir's is on the hosts, so the jar carries it:
//!
//! - the application's properties, as the service's JSON array, in the
//!   classpath resource [`PROPERTIES_RESOURCE`], which Weir's
//!   `KinesisAnalyticsRuntime.getApplicationProperties()` reads when
//!   `/etc/flink/application_properties.json` and the `weir.application.properties`
//!   path are not there;
//! - Weir's build of that library (its classes), unless the jar bundles a
//!   copy of its own ([`RUNTIME_CLASS`]): that copy is the one the job's
//!   class loader finds first, and it is left as it is.
//!
//! Every entry of the application's jar is copied raw: the same compressed
//! bytes, CRC, name, times and extra fields, never decompressed, so a big
//! jar costs little more than a file copy and nothing in it changes.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::flink::refused;
use super::RuntimeFailure;

/// The classpath resource that holds the application's properties.
pub(crate) const PROPERTIES_RESOURCE: &str = "META-INF/weir/application_properties.json";

/// The library's class: a jar that contains it bundles the library.
pub(crate) const RUNTIME_CLASS: &str =
    "com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.class";

/// What became of the `KinesisAnalyticsRuntime` library in the uploaded jar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Library {
    /// Weir's build was added.
    Added,
    /// The application's jar bundles its own copy, which reads only
    /// `/etc/flink/application_properties.json` (Weir's resource is not
    /// what it looks for).
    Bundled,
    /// The jar has no copy, and Weir was given none to add.
    Missing,
}

/// Writes to `out` the application's jar at `code` with `properties` as
/// [`PROPERTIES_RESOURCE`] (replacing one already there) and, unless the
/// jar bundles it, the classes of the library jar at `library`.
pub(crate) fn with_properties(
    code: &Path,
    properties: &str,
    library: Option<&Path>,
    out: &Path,
) -> Result<Library, RuntimeFailure> {
    let not_a_jar = |e: ZipError| {
        refused(format!(
            "the application's code is not a jar file Weir can read ({e})"
        ))
    };
    let mut user = open(code).map_err(not_a_jar)?;
    let bundled = user.index_for_name(RUNTIME_CLASS).is_some();
    let mut jar = ZipWriter::new(Output {
        file: BufWriter::new(
            File::create(out).map_err(RuntimeFailure::io(format!("creating {}", out.display())))?,
        ),
        at: 0,
    });
    let writing = |e: ZipError| RuntimeFailure::io(format!("writing {}", out.display()))(e.into());

    // The application's entries, in their order (the manifest stays where
    // the jar tool put it, first), all but the resource that is replaced.
    let mut names = HashSet::new();
    for i in 0..user.len() {
        let entry = user.by_index_raw(i).map_err(not_a_jar)?;
        let name = entry.name_raw().to_vec();
        if name == PROPERTIES_RESOURCE.as_bytes() {
            continue;
        }
        names.insert(name);
        jar.raw_copy_file(entry).map_err(|e| match e {
            ZipError::Io(e) => RuntimeFailure::io(format!("copying {}", code.display()))(e),
            e => not_a_jar(e),
        })?;
    }

    let outcome = match library {
        _ if bundled => Library::Bundled,
        None => Library::Missing,
        Some(library) => {
            let unreadable = |e: ZipError| {
                RuntimeFailure::io(format!("reading the library jar {}", library.display()))(
                    e.into(),
                )
            };
            let mut lib = open(library).map_err(unreadable)?;
            for i in 0..lib.len() {
                let entry = lib.by_index_raw(i).map_err(unreadable)?;
                // Its own manifest is not the job's; what the application
                // already has (a shared directory entry) stays the
                // application's.
                let name = entry.name_raw();
                if name.starts_with(b"META-INF/") || names.contains(name) {
                    continue;
                }
                jar.raw_copy_file(entry).map_err(writing)?;
            }
            Library::Added
        }
    };

    jar.start_file(
        PROPERTIES_RESOURCE,
        SimpleFileOptions::default().compression_method(CompressionMethod::Stored),
    )
    .map_err(writing)?;
    jar.write_all(properties.as_bytes())
        .map_err(RuntimeFailure::io(format!("writing {}", out.display())))?;
    jar.finish()
        .map_err(writing)?
        .flush()
        .map_err(RuntimeFailure::io(format!("writing {}", out.display())))?;
    Ok(outcome)
}

fn open(path: &Path) -> Result<ZipArchive<Input>, ZipError> {
    ZipArchive::new(Input {
        file: BufReader::new(File::open(path)?),
        at: 0,
    })
}

/// A buffered jar that knows where it is. The zip reader seeks to every
/// entry it reads; `BufReader` would drop its buffer and ask the file each
/// time, where the next entry is almost always already in the buffer.
struct Input {
    file: BufReader<File>,
    at: u64,
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.at += n as u64;
        Ok(n)
    }
}

impl Seek for Input {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let by = match pos {
            SeekFrom::Start(to) => i64::try_from(i128::from(to) - i128::from(self.at)).ok(),
            SeekFrom::Current(by) => Some(by),
            SeekFrom::End(_) => None,
        };
        match by.and_then(|by| Some((by, self.at.checked_add_signed(by)?))) {
            Some((by, to)) => {
                self.file.seek_relative(by)?;
                self.at = to;
            }
            None => self.at = self.file.seek(pos)?,
        }
        Ok(self.at)
    }
}

/// A buffered jar being written that knows where it is. The zip writer asks
/// for its position twice an entry; `BufWriter` would flush and ask the
/// file each time (for a jar of many small classes, most of the copy's time).
struct Output {
    file: BufWriter<File>,
    at: u64,
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for Output {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if pos != SeekFrom::Current(0) {
            self.at = self.file.seek(pos)?;
        }
        Ok(self.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use zip::write::SimpleFileOptions;

    const MANIFEST: &str = "Manifest-Version: 1.0\r\nMain-Class: example.Main\r\n\r\n";

    /// A jar as `jar` and Maven write them: the manifest first, deflated
    /// entries, directory entries.
    fn write_jar(path: &Path, entries: &[(&str, &[u8])]) {
        let mut jar = ZipWriter::new(File::create(path).unwrap());
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, bytes) in entries {
            if name.ends_with('/') {
                jar.add_directory(*name, deflated).unwrap();
            } else {
                jar.start_file(*name, deflated).unwrap();
                jar.write_all(bytes).unwrap();
            }
        }
        jar.finish().unwrap();
    }

    fn user_entries() -> Vec<(&'static str, &'static [u8])> {
        vec![
            ("META-INF/", b""),
            ("META-INF/MANIFEST.MF", MANIFEST.as_bytes()),
            ("example/", b""),
            ("example/Main.class", b"\xca\xfe\xba\xbe the main class"),
            (
                "example/data.txt",
                b"compressible compressible compressible compressible",
            ),
        ]
    }

    fn library_jar(path: &Path) {
        write_jar(
            path,
            &[
                ("META-INF/", b""),
                ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n"),
                ("com/", b""),
                ("com/amazonaws/services/kinesisanalytics/runtime/", b""),
                (RUNTIME_CLASS, b"\xca\xfe\xba\xbe Weir's library"),
                (
                    "com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime$1.class",
                    b"\xca\xfe\xba\xbe an inner class",
                ),
            ],
        );
    }

    /// Every entry's name and raw (compressed) bytes, CRC, method and
    /// sizes, in order.
    fn raw_entries(path: &Path) -> Vec<(String, Vec<u8>, u32, CompressionMethod, u64)> {
        let mut z = open(path).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index_raw(i).unwrap();
                let mut raw = Vec::new();
                f.read_to_end(&mut raw).unwrap();
                (
                    f.name().unwrap().to_string(),
                    raw,
                    f.crc32(),
                    f.compression(),
                    f.size(),
                )
            })
            .collect()
    }

    fn content(path: &Path, name: &str) -> Option<Vec<u8>> {
        let mut z = open(path).unwrap();
        let mut f = z.by_name(name).ok()?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        Some(bytes)
    }

    fn names(path: &Path) -> Vec<String> {
        open(path)
            .unwrap()
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .collect()
    }

    /// A scratch directory and the paths of the application's jar, the
    /// library's and the rewritten one in it.
    struct Jars {
        dir: tempfile::TempDir,
        code: PathBuf,
        lib: PathBuf,
        out: PathBuf,
    }

    fn jars() -> Jars {
        let dir = tempfile::tempdir().unwrap();
        let [code, lib, out] = ["app.jar", "lib.jar", "out.jar"].map(|n| dir.path().join(n));
        Jars {
            dir,
            code,
            lib,
            out,
        }
    }

    const PROPS: &str = r#"[{"PropertyGroupId":"g","PropertyMap":{"k":"v"}}]"#;

    #[test]
    fn copies_every_entry_raw_and_adds_the_properties_and_the_library() {
        let j = jars();
        write_jar(&j.code, &user_entries());
        library_jar(&j.lib);
        let added = with_properties(&j.code, PROPS, Some(&j.lib), &j.out).unwrap();
        assert_eq!(added, Library::Added);

        let before = raw_entries(&j.code);
        let after = raw_entries(&j.out);
        assert_eq!(
            after[..before.len()],
            before[..],
            "the same entries, first, byte for byte"
        );
        assert!(
            before.iter().any(|e| e.3 == CompressionMethod::Deflated),
            "the test copies compressed entries"
        );
        assert_eq!(names(&j.out)[1], "META-INF/MANIFEST.MF");
        assert_eq!(
            content(&j.out, "META-INF/MANIFEST.MF").unwrap(),
            MANIFEST.as_bytes(),
            "Main-Class kept"
        );
        assert_eq!(
            content(&j.out, PROPERTIES_RESOURCE).unwrap(),
            PROPS.as_bytes()
        );
        assert_eq!(
            content(&j.out, RUNTIME_CLASS).unwrap(),
            b"\xca\xfe\xba\xbe Weir's library"
        );
        let added: Vec<String> = names(&j.out)[before.len()..].to_vec();
        assert_eq!(
            added,
            [
                "com/",
                "com/amazonaws/services/kinesisanalytics/runtime/",
                RUNTIME_CLASS,
                "com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime$1.class",
                PROPERTIES_RESOURCE,
            ],
            "the library's own manifest is not copied"
        );
    }

    #[test]
    fn a_jar_that_bundles_the_library_keeps_its_own() {
        let j = jars();
        let mut entries = user_entries();
        entries.push((RUNTIME_CLASS, b"\xca\xfe\xba\xbe the real library"));
        write_jar(&j.code, &entries);
        library_jar(&j.lib);
        assert_eq!(
            with_properties(&j.code, PROPS, Some(&j.lib), &j.out).unwrap(),
            Library::Bundled
        );
        assert_eq!(
            content(&j.out, RUNTIME_CLASS).unwrap(),
            b"\xca\xfe\xba\xbe the real library"
        );
        assert_eq!(
            names(&j.out).len(),
            entries.len() + 1,
            "only the resource added"
        );
        assert_eq!(
            content(&j.out, PROPERTIES_RESOURCE).unwrap(),
            PROPS.as_bytes()
        );
    }

    #[test]
    fn without_a_library_only_the_properties_are_added() {
        let j = jars();
        write_jar(&j.code, &user_entries());
        assert_eq!(
            with_properties(&j.code, PROPS, None, &j.out).unwrap(),
            Library::Missing
        );
        let mut expected: Vec<String> = user_entries().iter().map(|e| e.0.to_string()).collect();
        expected.push(PROPERTIES_RESOURCE.to_string());
        assert_eq!(names(&j.out), expected);
    }

    #[test]
    fn replaces_properties_already_in_the_jar() {
        let j = jars();
        let mut entries = user_entries();
        entries.insert(2, (PROPERTIES_RESOURCE, b"[] the old ones"));
        write_jar(&j.code, &entries);
        with_properties(&j.code, PROPS, None, &j.out).unwrap();
        let names = names(&j.out);
        assert_eq!(
            names.iter().filter(|n| *n == PROPERTIES_RESOURCE).count(),
            1
        );
        assert_eq!(
            content(&j.out, PROPERTIES_RESOURCE).unwrap(),
            PROPS.as_bytes()
        );
        assert_eq!(names.len(), entries.len());
    }

    #[test]
    fn code_that_is_not_a_jar_is_refused() {
        let j = jars();
        std::fs::write(&j.code, b"PK\x03\x04 not really a jar").unwrap();
        let err = with_properties(&j.code, PROPS, None, &j.out).unwrap_err();
        assert!(matches!(err, RuntimeFailure::Refused(_)), "{err:?}");
        assert!(err.to_string().contains("not a jar file"), "{err}");
    }

    /// The stand-in for the library that the tests compile (it returns the
    /// resource's text; the real one parses it).
    const STANDIN_LIBRARY: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/standin-library/com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.java"
    );

    /// The library is found by the job's own code: `java -jar` on the
    /// uploaded jar runs the manifest's Main-Class, which calls the
    /// library, which reads the resource through the context class loader.
    #[test]
    fn java_runs_the_rewritten_jar_and_finds_its_properties() {
        let j = jars();
        let d = j.dir.path();
        let main = "package example;
            import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
            public class Main {
                public static void main(String[] args) throws Exception {
                    System.out.print(KinesisAnalyticsRuntime.getApplicationProperties());
                }
            }";
        std::fs::create_dir_all(d.join("src/example")).unwrap();
        std::fs::write(d.join("src/example/Main.java"), main).unwrap();
        let run = |program: &str, args: &[&str]| {
            let out = std::process::Command::new(program)
                .args(args)
                .current_dir(d)
                .output()
                .unwrap_or_else(|e| panic!("{program}: {e}"));
            assert!(
                out.status.success(),
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        run(
            "javac",
            &["-d", "classes", "src/example/Main.java", STANDIN_LIBRARY],
        );
        // The application's jar leaves the library out, as the service's
        // samples do (`provided`); the library's jar is Weir's.
        run(
            "jar",
            &["cfe", "app.jar", "example.Main", "-C", "classes", "example"],
        );
        run("jar", &["cf", "lib.jar", "-C", "classes", "com"]);
        assert_eq!(
            with_properties(&j.code, PROPS, Some(&j.lib), &j.out).unwrap(),
            Library::Added
        );
        let before = raw_entries(&j.code);
        assert_eq!(raw_entries(&j.out)[..before.len()], before[..]);
        assert_eq!(run("java", &["-jar", "out.jar"]), PROPS);
    }

    /// How long the rewrite takes for a 50 MiB jar of 25,600 entries (a
    /// big uber jar), against a plain copy of the file:
    /// `cargo test --release -p weir-runtime fifty_mib -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn fifty_mib_jar_timing() {
        let j = jars();
        let mut jar = ZipWriter::new(BufWriter::new(File::create(&j.code).unwrap()));
        let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        jar.start_file("META-INF/MANIFEST.MF", stored).unwrap();
        jar.write_all(MANIFEST.as_bytes()).unwrap();
        // Incompressible bytes: the size is the jar's, whatever the method.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut entry = vec![0u8; 2048];
        for i in 0..25_600 {
            for b in entry.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            jar.start_file(format!("big/p{}/C{i}.class", i % 100), stored)
                .unwrap();
            jar.write_all(&entry).unwrap();
        }
        jar.finish().unwrap().flush().unwrap();
        library_jar(&j.lib);
        let size = std::fs::metadata(&j.code).unwrap().len();
        let started = std::time::Instant::now();
        std::fs::copy(&j.code, j.dir.path().join("copy.jar")).unwrap();
        let copy = started.elapsed();
        let started = std::time::Instant::now();
        with_properties(&j.code, PROPS, Some(&j.lib), &j.out).unwrap();
        let rewrite = started.elapsed();
        eprintln!(
            "{:.1} MiB jar, 25,601 entries: rewrite {} ms, plain copy {} ms",
            size as f64 / (1024.0 * 1024.0),
            rewrite.as_millis(),
            copy.as_millis()
        );
        assert!(size >= 50 * 1024 * 1024);
    }
}
