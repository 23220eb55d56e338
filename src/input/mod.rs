//! Key notation, the bindable commands and keymap loading (shared with playbooks).

pub mod command;
pub mod key;
pub mod keymap;

pub use command::{Command, Scope};
pub use key::{Key, parse_key, parse_keys};
pub use keymap::Keymap;
