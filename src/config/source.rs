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

/// The most a config, theme, keymap, runbook, playbook or ssh_config file may hold.
pub const MAX_CONFIG: u64 = 1 << 20;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Missing,
    /// A directory, a FIFO, a device: reading it would hang or make no sense.
    NotRegular,
    TooLarge(u64),
    NotText,
    Io(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Missing => f.write_str("no such file"),
            ReadError::NotRegular => f.write_str("not a regular file"),
            ReadError::TooLarge(max) => write!(f, "larger than the {max} bytes allowed"),
            ReadError::NotText => f.write_str("not UTF-8 text"),
            ReadError::Io(e) => f.write_str(e),
        }
    }
}

impl ReadError {
    /// As an error at the start of the file.
    pub fn at(&self, path: &Path) -> SourceError {
        SourceError::new(path, 1, 1, format!("cannot read: {self}"))
    }
}

/// Reads a regular file of at most `max` bytes as text. A FIFO or a device is
/// refused before it is opened (opening a FIFO would block).
pub fn read_bounded(path: &Path, max: u64) -> Result<String, ReadError> {
    use std::io::Read;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => return Err(ReadError::Io(e.to_string())),
    };
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge(max));
    }
    let f = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let mut bytes = Vec::new();
    // The file may grow between the check and the read.
    f.take(max + 1).read_to_end(&mut bytes).map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText)
}

/// The names on offer: the built-ins and the stem of each `*.toml` in
/// `user_dir` (themes, keymaps), sorted, each once.
/// The `*.toml` files of a folder in name order, each read (bounded) or the
/// error saying why not: runbooks and campaigns are read so.
pub fn toml_files(dir: &Path) -> Vec<(std::path::PathBuf, Result<String, SourceError>)> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = read_bounded(&path, MAX_CONFIG).map_err(|e| e.at(&path));
            (path, text)
        })
        .collect()
}

pub fn names_with_user_files(builtins: &[&str], user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = builtins.iter().map(|n| n.to_string()).collect();
    if let Some(dir) = user_dir
        && let Ok(rd) = std::fs::read_dir(dir)
    {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml")
                && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
                && !names.iter().any(|n| n == stem)
            {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    names
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
    fn only_regular_bounded_text_files_are_read() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("c.toml");
        std::fs::write(&p, "a = 1\n").unwrap();
        assert_eq!(read_bounded(&p, 100).unwrap(), "a = 1\n");
        assert_eq!(read_bounded(&p, 3), Err(ReadError::TooLarge(3)));
        assert_eq!(read_bounded(d.path(), 100), Err(ReadError::NotRegular));
        assert_eq!(read_bounded(&d.path().join("none"), 100), Err(ReadError::Missing));
        assert_eq!(read_bounded(Path::new("/dev/zero"), 100), Err(ReadError::NotRegular));
        let fifo = d.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert_eq!(read_bounded(&fifo, 100), Err(ReadError::NotRegular), "refused, not waited on");
        std::fs::write(&p, [0xff, 0xfe, b'a']).unwrap();
        assert_eq!(read_bounded(&p, 100), Err(ReadError::NotText));
        assert_eq!(ReadError::NotRegular.at(&p).to_string(), format!("{}:1:1: cannot read: not a regular file", p.display()));
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
