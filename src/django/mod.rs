//! Django's management commands, read: the migration plan, `migrate` progress,
//! and the SQL a migration runs, linted before it touches a live database.

pub(crate) mod lint;
pub(crate) mod output;
pub(crate) mod probe;

pub(crate) use lint::{Severity, lint_sql};
pub(crate) use output::{MigrateEvent, MigrateParser, Migration, parse_plan};
