//! DNS: record values the Hetzner API accepts (validation, TXT quoting), BIND
//! zone files and diffs. Propagation checks come with the checklist.

pub(crate) mod propagation;
pub(crate) mod records;
pub mod zonefile;
