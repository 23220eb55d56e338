//! Errors that point into a file: every malformed config, theme, keymap, runbook
//! or playbook is reported as `path:line:column: reason`.

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SourceError {
    pub fn new(path: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        SourceError { path: path.into(), line, column, message: message.into() }
    }

    /// An error at a byte offset of `text`.
    pub fn at_offset(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_col(text, offset);
        SourceError::new(path, line, column, message)
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.column, self.message)
    }
}

impl std::error::Error for SourceError {}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Parses TOML into `T`, mapping syntax and shape errors to file positions.
pub fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, SourceError> {
    toml::from_str(text).map_err(|e| toml_error(path, text, &e))
}

pub fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> SourceError {
    let offset = e.span().map(|s| s.start).unwrap_or(0);
    SourceError::at_offset(path, text, offset, e.message().trim().to_string())
}

/// Reads a file, naming it in the error.
pub fn read_file(path: &Path) -> color_eyre::Result<String> {
    use color_eyre::eyre::WrapErr;
    std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        size: u32,
    }

    #[test]
    fn positions_are_one_based() {
        assert_eq!(line_col("abc\ndef", 0), (1, 1));
        assert_eq!(line_col("abc\ndef", 5), (2, 2));
        assert_eq!(line_col("é\nx", 3), (2, 1));
    }

    #[test]
    fn toml_errors_point_at_the_value() {
        let p = Path::new("t.toml");
        let err = parse_toml::<Sample>(p, "name = \"x\"\nsize = \"big\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 8), "{err}");
        assert!(err.to_string().starts_with("t.toml:2:8: "), "{err}");
        let err = parse_toml::<Sample>(p, "name = \"x\"\nsize = 1\ncolour = 3\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("unknown field"), "{err}");
        let err = parse_toml::<Sample>(p, "name = \"x\nsize = 1\n").unwrap_err();
        assert_eq!(err.line, 1, "{err}");
    }
}
