//! Scripted keystroke playbooks: one parser, runners in-process and in the live console.

pub mod parse;
pub mod run;

pub use parse::{Playbook, Step};
pub use run::{Driver, Failure, Hooks, InProcess, run_in_process};
