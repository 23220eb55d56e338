//! State, Action, `update(state, action) -> effects`. Pure: no I/O, no terminal.

pub mod action;
pub mod checklist;
pub mod command;
pub mod databases;
pub mod deployments;
pub mod dialog;
pub mod dns;
pub mod firewalls;
pub mod logs;
pub mod logs_cmd;
pub mod modal;
pub mod pane;
pub mod prompt;
pub mod servers;
pub mod state;
pub mod table;
pub mod update;
pub mod versions;

pub use action::{Action, Effect};
pub use pane::Pane;
pub use state::{Level, State};
pub use update::{init, update};
