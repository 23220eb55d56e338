//! State, actions and `update(state, action, now) -> effects`. Pure: no I/O,
//! no terminal, no clock (time arrives with the action). `update` routes;
//! the panes in `panes/` do the work, all of one shape.

pub mod action;
mod chrome;
pub mod commands;
pub mod cx;
pub mod dialog;
pub mod modal;
pub mod panes;
pub mod prompt;
pub mod state;
pub mod table;
pub mod update;
pub mod world;

pub use action::{Action, Effect};
pub use panes::PaneId;
pub use state::{Level, State};
pub use update::{init, update};
