//! Lints the SQL of a migration (`sqlmigrate` output) with squawk's rules for
//! PostgreSQL, and points out what SQL cannot show (RunPython, RunSQL) for a
//! human to read. A blocking finding means the migration can lock or break the
//! running site; the operator must acknowledge it before it runs.

use squawk_linter::{Linter, Rule};
use squawk_syntax::SourceFile;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub(crate) enum Severity {
    /// Worth knowing (type advice).
    Info,
    /// Can lock a busy table or break the release that is still running.
    Block,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// The statement it is about (first line).
    pub statement: String,
    /// The Django operation that emitted it (`Create index … on field(s) created`).
    pub operation: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Lint {
    pub findings: Vec<Finding>,
    /// Operations SQL cannot show: read them in the migration file.
    pub manual_review: Vec<String>,
    pub syntax_errors: Vec<String>,
    /// `atomic = False`: no transaction around it.
    pub non_atomic: bool,
}

impl Lint {
    pub(crate) fn blocking(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Block).count()
    }

    /// Everything to show before running the migration, one line each.
    pub(crate) fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.findings {
            let tag = if f.severity == Severity::Block { "BLOCK" } else { "info" };
            let op = f.operation.as_deref().map(|o| format!(" [{o}]")).unwrap_or_default();
            out.push(format!("{tag} {}: {}{op}", f.rule, f.message));
            out.push(format!("      {}", f.statement));
            if let Some(h) = &f.help {
                out.push(format!("      fix: {h}"));
            }
        }
        for m in &self.manual_review {
            out.push(format!("REVIEW {m}: not expressible in SQL; read it in the migration file"));
        }
        for e in &self.syntax_errors {
            out.push(format!("syntax: {e}"));
        }
        if self.non_atomic {
            out.push("note: a non-atomic migration: a failure half-way leaves part of it applied".into());
        }
        out
    }
}

/// Rules whose findings block (lock or break the running release); everything
/// else is advice. The timeout rules are satisfied at run time (cutover sets
/// lock_timeout and statement_timeout), so they are linted with those set.
fn severity(rule: Rule) -> Severity {
    use Rule::*;
    match rule {
        RequireConcurrentIndexCreation
        | RequireConcurrentIndexDeletion
        | ConstraintMissingNotValid
        | AddingFieldWithDefault
        | AddingForeignKeyConstraint
        | ChangingColumnType
        | AddingNotNullableField
        | AddingSerialPrimaryKeyField
        | RenamingColumn
        | RenamingTable
        | DisallowedUniqueConstraint
        | BanDropDatabase
        | BanDropColumn
        | BanDropTable
        | AddingRequiredField
        | BanConcurrentIndexCreationInTransaction
        | BanDropDefault
        | BanTruncateCascade
        | RequireConcurrentReindex
        | RequireConcurrentPartitionDetach => Severity::Block,
        _ => Severity::Info,
    }
}

/// What a drop default or rename breaks, said for a Django deploy.
fn django_help(rule: Rule) -> Option<&'static str> {
    match rule {
        Rule::BanDropDefault => Some(
            "the running release inserts rows without this NOT NULL column and fails once the default is dropped: use db_default= (Django 5) or make the column nullable first",
        ),
        Rule::RenamingColumn | Rule::BanDropColumn => {
            Some("the running release still uses the column: deploy code that no longer does, then rename/drop in a later migration")
        }
        Rule::RequireConcurrentIndexCreation => {
            Some("use django.contrib.postgres.operations.AddIndexConcurrently in a migration with atomic = False")
        }
        _ => None,
    }
}

/// Lints `sqlmigrate` output for PostgreSQL `pg_version` (e.g. "15").
pub(crate) fn lint_sql(sql: &str, pg_version: &str) -> Lint {
    // What cutover enforces at run time (PGOPTIONS), so the timeout rules see it.
    let prefix = "SET lock_timeout = '5s';\nSET statement_timeout = '15min';\n";
    let text = format!("{prefix}{sql}");
    let parse = SourceFile::parse(&text);
    let mut linter = Linter::with_default_rules();
    if let Ok(v) = pg_version.parse() {
        linter.settings.pg_version = v;
    }
    let mut findings: Vec<Finding> = linter
        .lint(&parse, &text)
        .into_iter()
        .map(|v| {
            let start = usize::from(v.text_range.start()).min(text.len());
            let end = usize::from(v.text_range.end()).clamp(start, text.len());
            let statement = text.get(start..end).unwrap_or("").lines().next().unwrap_or("").trim().to_string();
            Finding {
                rule: v.code.to_string(),
                severity: severity(v.code),
                message: v.message,
                help: django_help(v.code).map(str::to_string).or(v.help),
                statement,
                operation: operation_at(&text, start),
            }
        })
        .collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let lines: Vec<&str> = sql.lines().collect();
    let manual_review = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("THIS OPERATION CANNOT BE WRITTEN AS SQL"))
        .map(|(i, _)| {
            // The operation's description is the nearest `-- text` comment above.
            lines[..i]
                .iter()
                .rev()
                .map(|l| l.trim())
                .find(|l| l.starts_with("-- "))
                .map(|l| l.trim_start_matches("-- ").trim().to_string())
                .unwrap_or_else(|| "an operation".into())
        })
        .collect();
    let trimmed = sql.trim_start();
    let non_atomic = !trimmed.is_empty() && !trimmed.starts_with("BEGIN;") && sql.contains(';');
    Lint { findings, manual_review, syntax_errors: parse.errors().iter().map(|e| e.to_string()).collect(), non_atomic }
}

/// The `-- <operation>` comment Django writes above the statements of each operation.
fn operation_at(text: &str, offset: usize) -> Option<String> {
    let before = &text[..offset];
    let lines: Vec<&str> = before.lines().collect();
    lines
        .windows(3)
        .rev()
        .find(|w| w[0].trim() == "--" && w[2].trim() == "--" && w[1].starts_with("-- "))
        .map(|w| w[1].trim_start_matches("-- ").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from the test project (tests/django_project) with `sqlmigrate`.
    const S0001: &str = include_str!("../../tests/fixtures/django/sqlmigrate_store_0001.sql");
    const S0002: &str = include_str!("../../tests/fixtures/django/sqlmigrate_store_0002.sql");
    const S0003: &str = include_str!("../../tests/fixtures/django/sqlmigrate_store_0003.sql");
    const S0004: &str = include_str!("../../tests/fixtures/django/sqlmigrate_store_0004.sql");

    fn rules(l: &Lint, sev: Severity) -> Vec<String> {
        l.findings.iter().filter(|f| f.severity == sev).map(|f| f.rule.clone()).collect()
    }

    #[test]
    fn creating_tables_only_gets_advice() {
        let l = lint_sql(S0001, "15");
        assert_eq!(l.blocking(), 0, "{:#?}", l.findings);
        assert!(l.syntax_errors.is_empty());
        assert!(!l.non_atomic);
    }

    #[test]
    fn a_plain_index_on_a_live_table_blocks() {
        let l = lint_sql(S0002, "15");
        assert_eq!(rules(&l, Severity::Block), ["require-concurrent-index-creation"]);
        let f = &l.findings[0];
        assert_eq!(f.statement, "CREATE INDEX \"store_order_created_idx\" ON \"store_order\" (\"created\");");
        assert_eq!(f.operation.as_deref(), Some("Create index store_order_created_idx on field(s) created of model order"));
        assert!(f.help.as_deref().unwrap().contains("AddIndexConcurrently"));
    }

    #[test]
    fn a_not_null_column_whose_default_is_dropped_blocks() {
        let l = lint_sql(S0003, "15");
        assert!(rules(&l, Severity::Block).contains(&"ban-drop-default".to_string()), "{:#?}", l.findings);
        assert!(l.lines().iter().any(|x| x.contains("[Add field status to order]")));
    }

    #[test]
    fn run_python_goes_to_a_human() {
        let l = lint_sql(S0004, "15");
        assert_eq!(l.manual_review, ["Raw Python operation"]);
        assert_eq!(l.blocking(), 0);
    }

    #[test]
    fn non_atomic_and_renames() {
        let l = lint_sql("ALTER TABLE \"shop\" RENAME COLUMN \"a\" TO \"b\";\n", "15");
        assert!(l.non_atomic);
        assert_eq!(rules(&l, Severity::Block), ["renaming-column"]);
        assert!(l.findings[0].help.as_deref().unwrap().contains("running release"));
    }
}
