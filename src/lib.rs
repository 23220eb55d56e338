//! cutover: a terminal operations console for Django sites on Hetzner Cloud with
//! Coolify. `ARCHITECTURE.md` is the map; arrows point down:
//! `ui -> app -> {hetzner, coolify, ...}`; `runtime`/`term` run effects and draw.

pub mod api;
pub mod app;
pub mod check;
pub mod checklist;
pub mod config;
pub mod coolify;
pub mod demo;
pub(crate) mod django;
pub mod dns;
pub mod hetzner;
pub mod input;
pub mod logs;
pub(crate) mod ops;
pub mod playbook;
pub mod runtime;
pub mod sim;
pub mod ssh;
pub mod term;
pub mod theme;
pub mod ui;
pub mod verify;
