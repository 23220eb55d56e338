//! Django's management commands, read: the migration plan, `migrate` progress,
//! and the SQL a migration runs, linted before it touches a live database.

pub mod lint;
pub mod output;
pub mod probe;

pub use lint::{Finding, Lint, Severity, lint_sql};
pub use output::{MigrateEvent, MigrateParser, Migration, parse_plan};
