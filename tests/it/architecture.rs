//! Rules about the code itself, checked on every `cargo test`: the import graph keeps its
//! layers (README, "Architecture"), and nothing in the repository reads a path outside it.
use std::path::{Path, PathBuf};

/// The repository (this package is its root).
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` whose name ends in one of `extensions` (all files when empty),
/// skipping what is built, installed or generated rather than written.
fn files_under(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    const SKIPPED: &[&str] = &[".git", "target", "node_modules", "artifacts", ".demo"];
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // `.git` is a folder in a clone and a file naming the real one in a worktree.
            if SKIPPED.contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if extensions.is_empty() || extensions.iter().any(|ext| name.ends_with(ext)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The module path of a file under `src/` (`src/services/ordering/place.rs` →
/// `services::ordering::place`), for resolving `super::`.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root().join("src")).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level modules of the crate that `code` (one file, comments removed) names, from
/// `crate::x`, `use crate::{x, …}` and `super::…::x` paths that climb to the crate root.
fn top_modules_named(file: &Path, code: &str) -> Vec<String> {
    let mut named = Vec::new();
    for piece in code.split("crate::").skip(1) {
        let piece = piece.trim_start();
        if let Some(group) = piece.strip_prefix('{') {
            // `use crate::{app::AppState, db}`: the first segment of each entry.
            let group = &group[..group.find('}').unwrap_or(group.len())];
            named.extend(group.split(',').filter_map(|entry| {
                let first = entry.trim().split("::").next()?.trim();
                (!first.is_empty()).then(|| first.to_owned())
            }));
        } else {
            named.extend(identifier_at(piece));
        }
    }
    // A file's module is `depth` deep (a `mod.rs` counts as its folder); each `super` goes
    // one up, so a chain of `depth` of them lands at the crate root, on a top module.
    let depth = module_path(file).len();
    for (at, _) in code.match_indices("super::") {
        if code[..at].ends_with("super::") {
            continue; // inside a chain counted from its start
        }
        let mut rest = &code[at..];
        let mut climbs = 0;
        while let Some(next) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = next;
        }
        if climbs == depth {
            named.extend(identifier_at(rest));
        }
    }
    named
}

fn identifier_at(text: &str) -> Option<String> {
    let name: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The file without its `//` comments, so docs may mention any module.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Issue 17: the modules below the web layer never reach up to the one that assembles the
/// app (`app`) or to the handlers (`web`); they are what those are built from.
#[test]
fn nothing_below_the_web_layer_imports_app_or_web() {
    let below_web = [
        "auth", "db", "services", "jobs", "mail", "audit", "domain", "crypto", "i18n",
    ];
    let mut files: Vec<PathBuf> = below_web
        .iter()
        .flat_map(|dir| files_under(&root().join("src").join(dir), &[".rs"]))
        .collect();
    files.extend(
        ["telemetry.rs", "state.rs", "config.rs"]
            .iter()
            .map(|name| root().join("src").join(name)),
    );
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut violations = Vec::new();
    for file in &files {
        let code = without_comments(&std::fs::read_to_string(file).unwrap());
        for module in top_modules_named(file, &code) {
            if module == "app" || module == "web" {
                violations.push(format!(
                    "{} names crate::{module}",
                    file.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

/// The check above sees every way a file can name a module, not only `use crate::web`.
#[test]
fn the_layer_check_sees_grouped_imports_and_super_paths() {
    let place = root().join("src/services/ordering/place.rs");
    let grouped = "use crate::{app::AppState, db::orders};";
    assert_eq!(top_modules_named(&place, grouped), ["app", "db"]);
    let path = "let x = crate::web::format::date(now);";
    assert_eq!(top_modules_named(&place, path), ["web"]);
    // place.rs is services::ordering::place: three `super`s reach the crate root.
    assert_eq!(
        top_modules_named(&place, "use super::super::super::web;"),
        ["web"]
    );
    assert!(top_modules_named(&place, "use super::super::dcv;").is_empty());
    assert!(top_modules_named(&place, "use super::call::retry;").is_empty());
    let scope = root().join("src/auth/scope.rs");
    assert_eq!(top_modules_named(&scope, "use super::super::app;"), ["app"]);
    let db_mod = root().join("src/db/mod.rs");
    assert_eq!(top_modules_named(&db_mod, "use super::web::page;"), ["web"]);
}

/// Issue 11: a clone tests and runs on its own. Nothing in the repository (code, tests,
/// scripts, CI, docs) points at the reference folder that sat beside the development clone.
#[test]
fn nothing_in_the_repository_points_outside_it() {
    // Spelt in pieces, so this file does not find itself.
    let outside = [
        format!("{}/{}", "..", "shared"),
        format!("{}{}", "/work", "/"),
        format!("{}/{}", "shared", "fixtures"),
        format!("{}/{}", "shared", "DESIGN"),
        format!("{}/{}", "shared", "STYLE"),
        format!("{}/{}", "shared", "digicert-api"),
    ];
    let mut found = Vec::new();
    for file in files_under(root(), &[]) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue; // binary files
        };
        for (number, line) in text.lines().enumerate() {
            for needle in &outside {
                if line.contains(needle.as_str()) {
                    found.push(format!(
                        "{}:{}: {}",
                        file.strip_prefix(root()).unwrap().display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "paths outside the repository: {found:#?}");
}
