//! `--zip` and the Python flags: a Python (PyFlink) application's code and
//! the run options that say what in it to run.
//!
//! The service runs a Python application from a zip whose files the property
//! group `kinesis.analytics.flink.run.options` names: `python` (the main
//! file), `jarfile` (one jar: the connectors and Java UDFs the job needs),
//! `pyFiles` (comma-separated files or folders put on the Python path) and
//! `pyArchives` (comma-separated archives, Flink's `archive.zip#dir`). The
//! flags set those keys. On create, the keys neither a flag nor `--property`
//! gave are chosen from the zip's listing when the choice is unambiguous,
//! the way the AWS examples lay a zip out (`main.py`, `lib/<one>.jar`,
//! `dep/`, possibly all under one folder); anything else is a usage error
//! that says what the zip holds and which flag to give. Every path the run
//! options name must be in the zip that is uploaded: caught here, before
//! the request, rather than when the job fails to start.
//!
//! Only the zip's central directory is read (names; nothing decompressed),
//! so the crate needs no compression feature.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use super::{Failure, PythonArgs};

pub const PYTHON: &str = "python";
pub const JARFILE: &str = "jarfile";
pub const PY_FILES: &str = "pyFiles";
pub const PY_ARCHIVES: &str = "pyArchives";

/// The main file the service and the AWS examples name by default.
const MAIN: &str = "main.py";
/// The folder of Python dependencies beside the main file, by the AWS
/// examples' convention.
const DEP: &str = "dep/";

/// The run-option keys and values the flags give, checked (a path is not
/// empty; a list has no empty item and is written back without spaces).
pub fn options(args: &PythonArgs) -> Result<Vec<(&'static str, String)>, Failure> {
    let mut out = Vec::new();
    for (flag, key, value) in [
        ("--python", PYTHON, &args.python),
        ("--jarfile", JARFILE, &args.jarfile),
    ] {
        if let Some(value) = value {
            let value = value.trim();
            if value.is_empty() {
                return Err(Failure::usage(format!(
                    "{flag} takes a path inside the zip"
                )));
            }
            out.push((key, value.to_string()));
        }
    }
    for (flag, key, value) in [
        ("--py-files", PY_FILES, &args.py_files),
        ("--py-archives", PY_ARCHIVES, &args.py_archives),
    ] {
        if let Some(value) = value {
            let items: Vec<&str> = value.split(',').map(str::trim).collect();
            if items.iter().any(|i| i.is_empty()) {
                return Err(Failure::usage(format!(
                    "{flag} takes comma-separated paths inside the zip, not {value:?}"
                )));
            }
            out.push((key, items.join(",")));
        }
    }
    Ok(out)
}

/// What a zip holds, by name. Entries under `__MACOSX/` (the resource
/// forks macOS's Finder adds, `._main.py` and the like) are left out: they
/// are not the application's files and would make a second jar.
#[derive(Debug)]
pub struct Listing {
    /// Files, not directories: the names as stored, without a leading `./`.
    files: BTreeSet<String>,
    /// Every folder that holds something, with its trailing `/`, whether
    /// the zip has an entry for it or not (many zip tools write none).
    dirs: BTreeSet<String>,
}

impl Listing {
    pub fn read(bytes: &[u8]) -> Result<Listing, String> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        let mut files = BTreeSet::new();
        let mut dirs = BTreeSet::new();
        for name in archive.file_names() {
            let name = name.map_err(|e| e.to_string())?;
            let name = name.trim_start_matches("./");
            if name.is_empty() || name.starts_with("__MACOSX/") {
                continue;
            }
            // Each folder on the way, `a/` and `a/b/` for `a/b/c.py`.
            for (i, _) in name.match_indices('/') {
                dirs.insert(name[..=i].to_string());
            }
            if !name.ends_with('/') {
                files.insert(name.to_string());
            }
        }
        Ok(Listing { files, dirs })
    }

    /// The main file to run: `main.py` at the root, else the only
    /// `FOLDER/main.py`. `Err` holds the candidates when there are several.
    fn main_file(&self) -> Result<Option<String>, Vec<String>> {
        if self.files.contains(MAIN) {
            return Ok(Some(MAIN.to_string()));
        }
        let one_down: Vec<String> = self
            .files
            .iter()
            .filter(|f| {
                f.split_once('/')
                    .is_some_and(|(dir, file)| !dir.is_empty() && file == MAIN)
            })
            .cloned()
            .collect();
        match one_down.len() {
            0 => Ok(None),
            1 => Ok(one_down.into_iter().next()),
            _ => Err(one_down),
        }
    }

    fn jars(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|f| f.to_ascii_lowercase().ends_with(".jar"))
            .map(String::as_str)
            .collect()
    }

    fn has(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        self.files.contains(path)
            || self
                .dirs
                .contains(&format!("{}/", path.trim_end_matches('/')))
    }

    /// The entries of a folder (`""` for the root; folders with their `/`).
    fn children(&self, folder: &str) -> BTreeSet<&str> {
        self.files
            .iter()
            .chain(&self.dirs)
            .filter_map(|name| {
                let rest = name.strip_prefix(folder)?;
                match rest.find('/') {
                    Some(i) => Some(&name[..folder.len() + i + 1]),
                    None if rest.is_empty() => None,
                    None => Some(name.as_str()),
                }
            })
            .collect()
    }

    /// The root's entries, for messages: enough to see how the zip is laid
    /// out without listing a `dep/` of thousands. A zip of one folder (as
    /// zipping a project's folder makes) shows that folder's entries too.
    fn outline(&self) -> String {
        let root = self.children("");
        match root.iter().next() {
            None => "nothing".into(),
            Some(only) if root.len() == 1 && only.ends_with('/') => {
                let inside = self.children(only);
                if inside.is_empty() {
                    only.to_string()
                } else {
                    format!("{only} ({})", few(inside.iter().copied(), 10))
                }
            }
            Some(_) => few(root.iter().copied(), 10),
        }
    }

    /// Python files at most one folder down, for the hint of a zip without
    /// `main.py`.
    fn python_files(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|f| f.ends_with(".py") && f.matches('/').count() <= 1)
            .map(String::as_str)
            .collect()
    }
}

/// `a, b, c and 7 more`.
fn few<'a>(items: impl ExactSizeIterator<Item = &'a str>, at_most: usize) -> String {
    let n = items.len();
    let mut text = items.take(at_most).collect::<Vec<_>>().join(", ");
    if n > at_most {
        text.push_str(&format!(" and {} more", n - at_most));
    }
    text
}

/// Fills the run options `run` lacks (`python`, `jarfile`, `pyFiles`) from
/// what the zip holds, and answers what it chose as `key value` for the
/// user. `pyArchives` has no convention to follow and is never chosen.
pub fn choose(
    listing: &Listing,
    zip: &str,
    run: &mut BTreeMap<String, String>,
) -> Result<Vec<String>, Failure> {
    let mut chosen = Vec::new();
    if !run.contains_key(PYTHON) {
        let main = match listing.main_file() {
            Ok(Some(main)) => main,
            Ok(None) => {
                let found = listing.python_files();
                let hint = if found.is_empty() {
                    "it has no .py file at its root or one folder down".to_string()
                } else {
                    format!("its Python files: {}", few(found.into_iter(), 5))
                };
                return Err(Failure::usage(format!(
                    "{zip} has no main.py at its root or one folder down (it holds {}; {hint}); \
                     give the main file's path inside the zip with --python",
                    listing.outline()
                )));
            }
            Err(several) => {
                return Err(Failure::usage(format!(
                    "{zip} has a main.py in several folders ({}); choose one with --python",
                    few(several.iter().map(String::as_str), 5)
                )));
            }
        };
        chosen.push(format!("{PYTHON} {main}"));
        run.insert(PYTHON.into(), main);
    }
    if !run.contains_key(JARFILE) {
        match listing.jars().as_slice() {
            [] => {}
            [jar] => {
                chosen.push(format!("{JARFILE} {jar}"));
                run.insert(JARFILE.into(), jar.to_string());
            }
            several => {
                return Err(Failure::usage(format!(
                    "{zip} has {} jars ({}) and the service takes one; choose it with --jarfile",
                    several.len(),
                    few(several.iter().copied(), 5)
                )));
            }
        }
    }
    if !run.contains_key(PY_FILES) {
        // `dep/` beside the main file: `Folder/dep/` for `Folder/main.py`.
        let folder = run[PYTHON]
            .trim_start_matches("./")
            .rsplit_once('/')
            .map_or(String::new(), |(dir, _)| format!("{dir}/"));
        let dep = format!("{folder}{DEP}");
        if listing.has(&dep) {
            chosen.push(format!("{PY_FILES} {dep}"));
            run.insert(PY_FILES.into(), dep);
        }
    }
    Ok(chosen)
}

/// Every path the run options name is in the zip: a file for `python`,
/// `jarfile` and each of `pyArchives` (without Flink's `#dir` suffix), a
/// file or a folder for each of `pyFiles`.
pub fn check(listing: &Listing, zip: &str, run: &BTreeMap<String, String>) -> Result<(), Failure> {
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for key in [PYTHON, JARFILE] {
        if let Some(path) = run.get(key) {
            wanted.push((key, path));
        }
    }
    for key in [PY_FILES, PY_ARCHIVES] {
        for item in run.get(key).map(|v| v.split(',')).into_iter().flatten() {
            let item = item.trim();
            let path = if key == PY_ARCHIVES {
                item.split_once('#').map_or(item, |(path, _)| path)
            } else {
                item
            };
            wanted.push((key, path));
        }
    }
    for (key, path) in wanted {
        let found = if key == PY_FILES {
            listing.has(path)
        } else {
            listing.files.contains(path.trim_start_matches("./"))
        };
        if !found {
            return Err(Failure::usage(format!(
                "{zip} has no {path} (run option {key}, --{}); it holds {}",
                flag_of(key),
                listing.outline()
            )));
        }
    }
    Ok(())
}

fn flag_of(key: &str) -> &'static str {
    match key {
        PYTHON => "python",
        JARFILE => "jarfile",
        PY_FILES => "py-files",
        _ => "py-archives",
    }
}

/// The line `weir apps describe` shows for a Python application: the main
/// file, then the others the run options name. `None` for an application
/// without run option `python` (a Java one).
pub fn describe_line(run: &BTreeMap<String, String>) -> Option<String> {
    let mut line = run.get(PYTHON)?.clone();
    for key in [JARFILE, PY_FILES, PY_ARCHIVES] {
        if let Some(value) = run.get(key) {
            line.push_str(&format!(", {key} {value}"));
        }
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;
    use crate::client::Exit;

    /// A zip in memory; names ending in `/` are directory entries.
    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        for name in names {
            if name.ends_with('/') {
                zip.add_directory(*name, stored).unwrap();
            } else {
                zip.start_file(*name, stored).unwrap();
                zip.write_all(b"x").unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }

    fn listing(names: &[&str]) -> Listing {
        Listing::read(&zip_of(names)).unwrap()
    }

    /// What `choose` fills into empty run options, or its usage error.
    fn chosen(names: &[&str]) -> Result<BTreeMap<String, String>, String> {
        let mut run = BTreeMap::new();
        choose(&listing(names), "app.zip", &mut run).map_err(|f| {
            assert_eq!(f.exit, Exit::Usage, "{}", f.message);
            f.message
        })?;
        Ok(run)
    }

    fn run(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_getting_started_layout_is_chosen_whole() {
        // As the AWS examples' Maven assembly writes it: no directory
        // entries for dep/ (its files say it exists).
        let names = [
            "main.py",
            "lib/pyflink-dependencies.jar",
            "dep/boto3/__init__.py",
            "application_properties.json",
        ];
        let mut options = BTreeMap::new();
        let said = choose(&listing(&names), "app.zip", &mut options).unwrap();
        assert_eq!(
            options,
            run(&[
                ("python", "main.py"),
                ("jarfile", "lib/pyflink-dependencies.jar"),
                ("pyFiles", "dep/"),
            ])
        );
        assert_eq!(
            said,
            [
                "python main.py",
                "jarfile lib/pyflink-dependencies.jar",
                "pyFiles dep/"
            ]
        );
        check(&listing(&names), "app.zip", &options).unwrap();
    }

    #[test]
    fn one_folder_down_is_found_and_dep_is_looked_for_beside_main() {
        let names = [
            "Folder/",
            "Folder/main.py",
            "Folder/lib/",
            "Folder/lib/connectors.jar",
            "Folder/dep/",
            // A dep/ elsewhere is not the main file's.
            "dep/other.py",
        ];
        assert_eq!(
            chosen(&names).unwrap(),
            run(&[
                ("python", "Folder/main.py"),
                ("jarfile", "Folder/lib/connectors.jar"),
                ("pyFiles", "Folder/dep/"),
            ])
        );
        // No jar, no dep/: only the main file.
        assert_eq!(
            chosen(&["app/main.py", "app/util.py"]).unwrap(),
            run(&[("python", "app/main.py")])
        );
    }

    #[test]
    fn main_at_the_root_wins_and_deeper_ones_do_not_count() {
        assert_eq!(
            chosen(&["main.py", "a/main.py", "b/main.py"]).unwrap()["python"],
            "main.py"
        );
        // Two levels down is not a candidate, so one level down is the only one.
        assert_eq!(
            chosen(&["a/main.py", "a/dep/pkg/main.py"]).unwrap()["python"],
            "a/main.py"
        );
    }

    #[test]
    fn macos_resource_forks_are_not_files_of_the_application() {
        let names = [
            "main.py",
            "lib/x.jar",
            "__MACOSX/._main.py",
            "__MACOSX/lib/._x.jar",
        ];
        assert_eq!(chosen(&names).unwrap()["jarfile"], "lib/x.jar");
    }

    #[test]
    fn an_unclear_zip_is_a_usage_error_that_says_what_it_holds() {
        let e = chosen(&["src/job.py", "src/util.py", "lib/x.jar", "README.md"]).unwrap_err();
        assert!(e.contains("app.zip has no main.py"), "{e}");
        assert!(e.contains("it holds README.md, lib/, src/"), "{e}");
        assert!(e.contains("src/job.py, src/util.py"), "{e}");
        assert!(e.contains("--python"), "{e}");

        let e = chosen(&["Project/src/job.py", "Project/README.md"]).unwrap_err();
        assert!(
            e.contains("it holds Project/ (Project/README.md, Project/src/)"),
            "{e}"
        );

        let e = chosen(&["README.md"]).unwrap_err();
        assert!(e.contains("no .py file"), "{e}");

        let e = chosen(&["a/main.py", "b/main.py"]).unwrap_err();
        assert!(
            e.contains("a/main.py, b/main.py") && e.contains("--python"),
            "{e}"
        );

        let e = chosen(&["main.py", "lib/a.jar", "lib/b.jar"]).unwrap_err();
        assert!(e.contains("2 jars (lib/a.jar, lib/b.jar)"), "{e}");
        assert!(e.contains("--jarfile"), "{e}");
    }

    #[test]
    fn what_is_given_is_kept_and_only_the_rest_chosen() {
        let names = [
            "main.py",
            "job/run.py",
            "job/dep/",
            "lib/a.jar",
            "lib/b.jar",
        ];
        let mut options = run(&[("python", "job/run.py"), ("jarfile", "lib/b.jar")]);
        let said = choose(&listing(&names), "app.zip", &mut options).unwrap();
        assert_eq!(said, ["pyFiles job/dep/"]);
        assert_eq!(options["python"], "job/run.py");
        assert_eq!(options["jarfile"], "lib/b.jar");
        // pyFiles given: no dep/ added to it.
        let mut options = run(&[("pyFiles", "extra.py")]);
        choose(
            &listing(&["main.py", "extra.py", "dep/a.py"]),
            "z",
            &mut options,
        )
        .unwrap();
        assert_eq!(options["pyFiles"], "extra.py");
    }

    #[test]
    fn every_path_the_run_options_name_must_be_in_the_zip() {
        let l = listing(&[
            "main.py",
            "lib/x.jar",
            "dep/pkg/__init__.py",
            "util.py",
            "data.zip",
        ]);
        let ok = |pairs: &[(&str, &str)]| check(&l, "app.zip", &run(pairs));
        ok(&[
            ("python", "./main.py"),
            ("jarfile", "lib/x.jar"),
            ("pyFiles", "dep/,util.py, dep/pkg"),
            ("pyArchives", "data.zip#data"),
            // Not a file option: never looked at.
            ("entryClass", "nowhere"),
        ])
        .unwrap();
        for (key, value, flag) in [
            ("python", "app.py", "--python"),
            ("python", "dep", "--python"),
            ("jarfile", "lib/y.jar", "--jarfile"),
            ("pyFiles", "dep/,missing/", "--py-files"),
            ("pyArchives", "data.zip,more.zip#m", "--py-archives"),
        ] {
            let e = ok(&[(key, value)]).unwrap_err();
            assert_eq!(e.exit, Exit::Usage);
            assert!(
                e.message.contains(&format!("(run option {key}, {flag})")),
                "{}",
                e.message
            );
            assert!(
                e.message
                    .contains("it holds data.zip, dep/, lib/, main.py, util.py"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn a_file_that_is_not_a_zip_is_said_so() {
        assert!(Listing::read(b"print('hello')").is_err());
        assert!(Listing::read(&zip_of(&[])).is_ok());
        let e = chosen(&[]).unwrap_err();
        assert!(e.contains("it holds nothing"), "{e}");
    }

    #[test]
    fn flags_map_to_run_option_keys() {
        let args = |python: Option<&str>, files: Option<&str>| PythonArgs {
            python: python.map(str::to_string),
            jarfile: Some("lib/x.jar".into()),
            py_files: files.map(str::to_string),
            py_archives: Some("a.zip#a".into()),
        };
        assert_eq!(
            options(&args(Some(" main.py "), Some("dep/, util.py"))).unwrap(),
            [
                ("python", "main.py".to_string()),
                ("jarfile", "lib/x.jar".to_string()),
                ("pyFiles", "dep/,util.py".to_string()),
                ("pyArchives", "a.zip#a".to_string()),
            ]
        );
        for bad in [
            args(Some(""), None),
            args(None, Some("dep/,,x")),
            args(None, Some("")),
        ] {
            assert_eq!(options(&bad).unwrap_err().exit, Exit::Usage);
        }
    }

    #[test]
    fn describe_shows_the_main_file_and_then_the_others() {
        assert_eq!(
            describe_line(&run(&[
                ("python", "main.py"),
                ("jarfile", "lib/x.jar"),
                ("pyFiles", "dep/"),
                ("programArgs", "--x"),
            ]))
            .unwrap(),
            "main.py, jarfile lib/x.jar, pyFiles dep/"
        );
        assert_eq!(describe_line(&run(&[("entryClass", "a.Main")])), None);
    }
}
