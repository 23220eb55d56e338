//! A token that cannot be printed by accident: `Debug` and `Display` redact it.

use std::fmt;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(Arc::from(s.into()))
    }

    /// The real value, for the one place that sends it (an Authorization header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// Replaces every occurrence of the given secrets in `text` with `****`.
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.0.len() >= 4 {
            out = out.replace(&*s.0, "****");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s} {s:?}"), "**** Secret(****)");
        assert_eq!(redact("Bearer hunter2-token failed", &[&s]), "Bearer **** failed");
    }
}
