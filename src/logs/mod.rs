//! Log lines from untrusted remote output: sanitising, level detection, the
//! ring buffer, and matching for filters and highlights.

pub mod buffer;
pub mod level;
pub mod matcher;
pub mod sanitize;

pub use buffer::{Kind, LineRef, LogBuffer};
pub use level::Level;
pub use matcher::Matcher;
pub use sanitize::{LineSplitter, sanitize, sanitize_into};
