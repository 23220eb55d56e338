//! Output formats of `showmigrations --plan` and `migrate` (Django 5.2,
//! `django/core/management/commands/`).

use regex::Regex;
use std::sync::LazyLock;

/// One migration of the plan.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Migration {
    pub app: String,
    pub name: String,
    pub applied: bool,
}

impl Migration {
    pub(crate) fn label(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

// A literal pattern, compiled once and covered by the tests below.
#[allow(clippy::expect_used)]
static PLAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[(X| )\]  (\S+?)\.(\S+?)(?: \.\.\. \((.*)\))?$").expect("static regex"));

/// `showmigrations --plan`: `[X]  app.name` lines in the order `migrate` runs them.
/// Anything else is an error worth showing (a traceback, a missing setting).
pub(crate) fn parse_plan(text: &str) -> Result<Vec<Migration>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
        if line == "(no migrations)" {
            continue;
        }
        let c = PLAN.captures(line).ok_or_else(|| format!("not a line of `showmigrations --plan`: {line}"))?;
        out.push(Migration { applied: &c[1] == "X", app: c[2].to_string(), name: c[3].to_string() });
    }
    Ok(out)
}

/// What a line of `migrate` output says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MigrateEvent {
    Applying(String),
    Applied(String),
    Faked(String),
    NothingToDo,
    /// Postgres cancelled a statement waiting for a lock (`lock_timeout`).
    LockTimeout,
    StatementTimeout,
}

/// Reads `migrate` output as it streams. `Applying app.name...` is written
/// without a newline, then ` OK`: a pending partial line is carried over.
#[derive(Default, Debug)]
pub(crate) struct MigrateParser {
    current: Option<String>,
}

// A literal pattern, compiled once and covered by the tests below.
#[allow(clippy::expect_used)]
static APPLYING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*Applying (\S+?)\.\.\.(.*)$").expect("static regex"));

impl MigrateParser {
    pub(crate) fn line(&mut self, line: &str) -> Vec<MigrateEvent> {
        let mut ev = Vec::new();
        if line.contains("canceling statement due to lock timeout") {
            ev.push(MigrateEvent::LockTimeout);
        }
        if line.contains("canceling statement due to statement timeout") {
            ev.push(MigrateEvent::StatementTimeout);
        }
        if line.trim() == "No migrations to apply." {
            ev.push(MigrateEvent::NothingToDo);
        }
        let rest = if let Some(c) = APPLYING.captures(line) {
            let name = c[1].to_string();
            ev.push(MigrateEvent::Applying(name.clone()));
            self.current = Some(name);
            c[2].to_string()
        } else {
            line.to_string()
        };
        let rest = rest.trim();
        if let Some(name) = self.current.clone() {
            if rest.starts_with("OK") {
                ev.push(MigrateEvent::Applied(name));
                self.current = None;
            } else if rest.starts_with("FAKED") {
                ev.push(MigrateEvent::Faked(name));
                self.current = None;
            }
        }
        ev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRESH: &str = include_str!("../../tests/fixtures/django/showmigrations_plan_fresh.txt");
    const PARTIAL: &str = include_str!("../../tests/fixtures/django/showmigrations_plan_partial.txt");
    const MIGRATE: &str = include_str!("../../tests/fixtures/django/migrate_store_0002.txt");

    #[test]
    fn plans_as_django_prints_them() {
        let p = parse_plan(FRESH).unwrap();
        assert_eq!(p.len(), 6);
        assert_eq!(p[2], Migration { app: "store".into(), name: "0001_initial".into(), applied: false });
        let p = parse_plan(PARTIAL).unwrap();
        let pending: Vec<String> = p.iter().filter(|m| !m.applied).map(Migration::label).collect();
        assert_eq!(
            pending,
            [
                "contenttypes.0001_initial",
                "contenttypes.0002_remove_content_type_name",
                "store.0003_order_status",
                "store.0004_backfill_status"
            ]
        );
        assert_eq!(parse_plan("[X]  a.0001_x ... (b.0001_y)\n").unwrap()[0].name, "0001_x");
        assert!(parse_plan("Traceback (most recent call last):").unwrap_err().contains("Traceback"));
        assert_eq!(parse_plan("(no migrations)\n").unwrap(), []);
    }

    #[test]
    fn migrate_output_line_by_line() {
        let mut p = MigrateParser::default();
        let ev: Vec<MigrateEvent> = MIGRATE.lines().flat_map(|l| p.line(l)).collect();
        assert_eq!(
            ev,
            [
                MigrateEvent::Applying("store.0001_initial".into()),
                MigrateEvent::Applied("store.0001_initial".into()),
                MigrateEvent::Applying("store.0002_order_created_index".into()),
                MigrateEvent::Applied("store.0002_order_created_index".into()),
            ]
        );
        // The partial line and its ` OK` may arrive apart.
        let mut p = MigrateParser::default();
        assert_eq!(p.line("  Applying shop.0003_x..."), [MigrateEvent::Applying("shop.0003_x".into())]);
        assert_eq!(p.line(" OK"), [MigrateEvent::Applied("shop.0003_x".into())]);
        assert_eq!(p.line("django.db.utils.OperationalError: canceling statement due to lock timeout"), [MigrateEvent::LockTimeout]);
    }
}
