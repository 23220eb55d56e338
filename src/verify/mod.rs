//! Checks a cut-over relies on: a site answers (and its certificate is good),
//! two databases hold the same rows. DNS propagation is in `dns::propagation`.

pub(crate) mod rows;
pub mod web;
