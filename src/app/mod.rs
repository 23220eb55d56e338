//! State, actions and `update(state, action, now) -> effects`. Pure: no I/O,
//! no terminal, no clock (time arrives with the action). `update` routes;
//! the panes in `panes/` do the work, all of one shape.

pub mod action;
mod chrome;
pub(crate) mod commands;
pub(crate) mod completion;
pub(crate) mod cx;
pub(crate) mod dialog;
pub mod help;
pub(crate) mod modal;
pub mod panes;
pub(crate) mod prompt;
pub mod state;
pub mod table;
pub mod update;
pub(crate) mod world;

pub use action::{Action, Effect};
pub use panes::PaneId;
pub use state::{Level, State};
pub use update::{init, update};
