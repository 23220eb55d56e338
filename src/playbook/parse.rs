//! The playbook format: one step per line, keys in the keymap notation.
//!
//! ```text
//! Set Size 120x40          Set Timeout 5s          Set Mode write
//! Key j                    Key <Down> x3           Key : s <Enter>
//! Type "servers"           Paste "a long text"
//! WaitFor "text" [5s]      WaitFor /re\d+/ 10s     WaitGone "Loading"
//! WaitIdle [10s]           Assert "text"           Assert! "absent"
//! Snapshot name            Resize 80x24            Sleep 200ms
//! ExpectExit [0]           Source other.play       Sim "exhaust-rate-limit"
//! ```

use crate::config::source::SourceError;
use crate::input::{Key, parse_keys};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Pattern {
    Text(String),
    Regex(Regex),
}

impl Pattern {
    pub fn matches(&self, screen: &str) -> bool {
        match self {
            Pattern::Text(t) => screen.contains(t.as_str()),
            Pattern::Regex(r) => r.is_match(screen),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Pattern::Text(t) => format!("{t:?}"),
            Pattern::Regex(r) => format!("/{}/", r.as_str()),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Step {
    Keys(Vec<Key>),
    Type(String),
    Paste(String),
    WaitFor(Pattern, Option<Duration>),
    WaitGone(Pattern, Option<Duration>),
    WaitIdle(Option<Duration>),
    Assert(Pattern),
    AssertNot(Pattern),
    Snapshot(String),
    Resize(u16, u16),
    Sleep(Duration),
    ExpectExit(i32),
    SetSize(u16, u16),
    SetTimeout(Duration),
    SetMode(bool),
    Sim(String),
}

#[derive(Clone, Debug)]
pub struct Located {
    pub file: PathBuf,
    pub line: usize,
    pub text: String,
    pub step: Step,
}

#[derive(Clone, Debug, Default)]
pub struct Playbook {
    pub path: PathBuf,
    pub steps: Vec<Located>,
}

impl Playbook {
    /// Whether the playbook opts into writes (`Set Mode write`).
    pub fn writes(&self) -> bool {
        self.steps.iter().any(|s| matches!(s.step, Step::SetMode(true)))
    }

    /// The screen size set by `Set Size` before any other step, if any.
    pub fn size(&self) -> Option<(u16, u16)> {
        self.steps.iter().find_map(|s| match s.step {
            Step::SetSize(w, h) => Some((w, h)),
            _ => None,
        })
    }

    pub fn uses_sim(&self) -> bool {
        self.steps.iter().any(|s| matches!(s.step, Step::Sim(_)))
    }

    pub fn load(path: &Path) -> Result<Playbook, SourceError> {
        let mut steps = Vec::new();
        load_into(path, &mut steps, &mut Vec::new())?;
        Ok(Playbook { path: path.to_path_buf(), steps })
    }

    pub fn parse(path: &Path, text: &str) -> Result<Playbook, SourceError> {
        let mut steps = Vec::new();
        parse_into(path, text, &mut steps, &mut vec![path.to_path_buf()])?;
        Ok(Playbook { path: path.to_path_buf(), steps })
    }
}

fn load_into(path: &Path, steps: &mut Vec<Located>, stack: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let text = crate::config::source::read_bounded(path, crate::config::source::MAX_CONFIG)
        .map_err(|e| SourceError::new(path, 1, 1, format!("cannot read playbook: {e}")))?;
    stack.push(path.to_path_buf());
    let r = parse_into(path, &text, steps, stack);
    stack.pop();
    r
}

fn parse_into(path: &Path, text: &str, steps: &mut Vec<Located>, stack: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |col: usize, msg: String| SourceError::new(path, line_no, indent + col + 1, msg);
        let (verb, rest_start) = match line.find(char::is_whitespace) {
            Some(i) => (&line[..i], i),
            None => (line, line.len()),
        };
        let mut args = Args { s: line, pos: rest_start };
        let step = match verb {
            "Key" => {
                let mut keys = Vec::new();
                let mut last: Option<Vec<Key>> = None;
                while let Some((tok, at)) = args.word() {
                    if let Some(n) = tok.strip_prefix('x').and_then(|n| n.parse::<u64>().ok()) {
                        let Some(prev) = last.take() else {
                            return Err(err(at, format!("`{tok}` repeats the key before it, but there is none")));
                        };
                        if n > MAX_REPEAT as u64 || keys.len() + (n as usize).saturating_mul(prev.len()) > MAX_KEYS {
                            return Err(err(at, format!("`{tok}`: at most {MAX_REPEAT} repeats and {MAX_KEYS} keys in one step")));
                        }
                        let n = n as usize;
                        for _ in 1..n {
                            keys.extend(prev.iter().copied());
                        }
                        continue;
                    }
                    let ks = parse_keys(tok).map_err(|e| err(at + e.offset, e.message.clone()))?;
                    keys.extend(ks.iter().copied());
                    last = Some(ks);
                }
                if keys.is_empty() {
                    return Err(err(verb.len(), "Key needs at least one key".into()));
                }
                Step::Keys(keys)
            }
            "Type" | "Paste" => {
                let s = args.string().map_err(|(c, m)| err(c, m))?;
                args.end().map_err(|(c, m)| err(c, m))?;
                if verb == "Type" { Step::Type(s) } else { Step::Paste(s) }
            }
            "WaitFor" | "WaitGone" => {
                let p = args.pattern().map_err(|(c, m)| err(c, m))?;
                let t = args.opt_duration().map_err(|(c, m)| err(c, m))?;
                args.end().map_err(|(c, m)| err(c, m))?;
                if verb == "WaitFor" { Step::WaitFor(p, t) } else { Step::WaitGone(p, t) }
            }
            "WaitIdle" => {
                let t = args.opt_duration().map_err(|(c, m)| err(c, m))?;
                args.end().map_err(|(c, m)| err(c, m))?;
                Step::WaitIdle(t)
            }
            "Assert" | "Assert!" => {
                let p = args.pattern().map_err(|(c, m)| err(c, m))?;
                args.end().map_err(|(c, m)| err(c, m))?;
                if verb == "Assert" { Step::Assert(p) } else { Step::AssertNot(p) }
            }
            "Snapshot" => {
                let (name, at) = args.word().ok_or_else(|| err(line.len(), "Snapshot needs a name".into()))?;
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                    return Err(err(at, format!("snapshot name `{name}`: use letters, digits, - _ .")));
                }
                args.end().map_err(|(c, m)| err(c, m))?;
                Step::Snapshot(name.to_string())
            }
            "Resize" => {
                let (w, h) = args.size().map_err(|(c, m)| err(c, m))?;
                args.end().map_err(|(c, m)| err(c, m))?;
                Step::Resize(w, h)
            }
            "Sleep" => {
                let d = args
                    .opt_duration()
                    .map_err(|(c, m)| err(c, m))?
                    .ok_or_else(|| err(line.len(), "Sleep needs a duration (200ms, 1s)".into()))?;
                Step::Sleep(d)
            }
            "ExpectExit" => {
                let code = match args.word() {
                    Some((w, at)) => w.parse::<i32>().map_err(|_| err(at, format!("exit code `{w}` is not a number")))?,
                    None => 0,
                };
                args.end().map_err(|(c, m)| err(c, m))?;
                Step::ExpectExit(code)
            }
            "Set" => {
                let (what, at) = args.word().ok_or_else(|| err(line.len(), "Set needs Size, Timeout or Mode".into()))?;
                let step = match what {
                    "Size" => {
                        let (w, h) = args.size().map_err(|(c, m)| err(c, m))?;
                        Step::SetSize(w, h)
                    }
                    "Timeout" => Step::SetTimeout(
                        args.opt_duration()
                            .map_err(|(c, m)| err(c, m))?
                            .ok_or_else(|| err(line.len(), "Set Timeout needs a duration".into()))?,
                    ),
                    "Mode" => match args.word() {
                        Some(("write", _)) => Step::SetMode(true),
                        Some(("readonly", _)) | Some(("read", _)) => Step::SetMode(false),
                        Some((m, at)) => return Err(err(at, format!("unknown mode `{m}` (write or readonly)"))),
                        None => return Err(err(line.len(), "Set Mode needs write or readonly".into())),
                    },
                    other => return Err(err(at, format!("unknown setting `{other}` (Size, Timeout, Mode)"))),
                };
                args.end().map_err(|(c, m)| err(c, m))?;
                step
            }
            "Sim" => {
                let s = args.string().map_err(|(c, m)| err(c, m))?;
                args.end().map_err(|(c, m)| err(c, m))?;
                Step::Sim(s)
            }
            "Source" => {
                let (rel, at) = match args.peek_quote() {
                    true => (args.string().map_err(|(c, m)| err(c, m))?, 0),
                    false => args.word().map(|(w, a)| (w.to_string(), a)).ok_or_else(|| err(line.len(), "Source needs a file".into()))?,
                };
                let target = path.parent().unwrap_or(Path::new(".")).join(&rel);
                if stack.iter().any(|p| p == &target) {
                    return Err(err(at, format!("`Source {rel}` includes itself")));
                }
                load_into(&target, steps, stack)?;
                continue;
            }
            other => {
                return Err(err(
                    0,
                    format!(
                        "unknown step `{other}` (Key, Type, Paste, WaitFor, WaitGone, WaitIdle, Assert, Assert!, Snapshot, Resize, Sleep, ExpectExit, Set, Source, Sim)"
                    ),
                ));
            }
        };
        steps.push(Located { file: path.to_path_buf(), line: line_no, text: line.to_string(), step });
    }
    Ok(())
}

/// A cursor over one line's arguments. Errors are (column, message).
struct Args<'a> {
    s: &'a str,
    pos: usize,
}

type ArgErr = (usize, String);

impl<'a> Args<'a> {
    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.s[self.pos..].chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }

    fn word(&mut self) -> Option<(&'a str, usize)> {
        self.skip_ws();
        if self.pos >= self.s.len() || self.s[self.pos..].starts_with('#') {
            return None;
        }
        let start = self.pos;
        let end = self.s[start..].find(char::is_whitespace).map(|i| start + i).unwrap_or(self.s.len());
        self.pos = end;
        Some((&self.s[start..end], start))
    }

    fn peek_quote(&mut self) -> bool {
        self.skip_ws();
        self.s[self.pos..].starts_with('"')
    }

    fn end(&mut self) -> Result<(), ArgErr> {
        self.skip_ws();
        if self.pos < self.s.len() && !self.s[self.pos..].starts_with('#') {
            return Err((self.pos, format!("unexpected `{}`", &self.s[self.pos..])));
        }
        Ok(())
    }

    /// A "quoted string" with \" \\ \n \t \e escapes.
    fn string(&mut self) -> Result<String, ArgErr> {
        self.skip_ws();
        let start = self.pos;
        if !self.s[start..].starts_with('"') {
            return Err((start, "expected a \"quoted string\"".into()));
        }
        let mut out = String::new();
        let mut chars = self.s[start + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = start + 1 + i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, 'e')) => out.push('\x1b'),
                    Some((_, c)) => out.push(c),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err((start, "unterminated string".into()))
    }

    fn pattern(&mut self) -> Result<Pattern, ArgErr> {
        self.skip_ws();
        let start = self.pos;
        if self.s[start..].starts_with('/') {
            let body = &self.s[start + 1..];
            let mut end = None;
            let mut escaped = false;
            for (i, c) in body.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '/' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let end = end.ok_or((start, "unterminated /regex/".to_string()))?;
            let src = body[..end].replace("\\/", "/");
            self.pos = start + 1 + end + 1;
            // Multi-line: `^` and `$` are the start and end of a screen row.
            return regex::RegexBuilder::new(&src)
                .multi_line(true)
                .build()
                .map(Pattern::Regex)
                .map_err(|e| (start, format!("bad regex: {e}")));
        }
        self.string().map(Pattern::Text)
    }

    fn opt_duration(&mut self) -> Result<Option<Duration>, ArgErr> {
        use crate::config::duration::{MAX_PLAYBOOK, parse};
        match self.word() {
            None => Ok(None),
            Some((w, at)) => parse(w, Duration::ZERO, MAX_PLAYBOOK).map(Some).map_err(|e| (at, format!("duration {e}"))),
        }
    }

    fn size(&mut self) -> Result<(u16, u16), ArgErr> {
        let (w, at) = self.word().ok_or((self.s.len(), "expected a size like 120x40".to_string()))?;
        parse_size(w).ok_or((at, format!("size `{w}`: expected COLSxROWS like 120x40, from 20x5 to {}x{}", MAX_SIZE.0, MAX_SIZE.1)))
    }
}

/// The most keys one `Key` step may send, and one repeat count.
pub const MAX_KEYS: usize = 100_000;
pub const MAX_REPEAT: usize = 10_000;
/// The largest screen a playbook may ask for (a 1000x1000 in-memory screen is
/// about 60 MB; real terminals are far smaller).
pub const MAX_SIZE: (u16, u16) = (1000, 1000);

/// `COLSxROWS`, from 20x5 to [`MAX_SIZE`].
pub fn parse_size(s: &str) -> Option<(u16, u16)> {
    let (w, h) = s.split_once('x')?;
    let (w, h) = (w.parse::<u16>().ok()?, h.parse::<u16>().ok()?);
    ((20..=MAX_SIZE.0).contains(&w) && (5..=MAX_SIZE.1).contains(&h)).then_some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_key;

    fn parse(t: &str) -> Result<Playbook, SourceError> {
        Playbook::parse(Path::new("t.play"), t)
    }

    #[test]
    fn parses_every_step() {
        let p = parse(
            "# comment\nSet Size 100x30\nSet Mode write\nKey j <Down> x3 <C-r>\nType \"serv\\\"ers\"\nWaitFor \"Servers\" 5s\nWaitFor /web-\\d+/\nWaitIdle\nAssert! \"error\"\nSnapshot list-1\nResize 80x24\nSleep 10ms\nExpectExit\nSim \"exhaust-rate-limit\"\n",
        )
        .unwrap();
        assert_eq!(p.size(), Some((100, 30)));
        assert!(p.writes());
        assert!(p.uses_sim());
        match &p.steps[2].step {
            Step::Keys(k) => {
                assert_eq!(k.len(), 5);
                assert_eq!(k[3], parse_key("<Down>").unwrap());
                assert_eq!(k[4], parse_key("<C-r>").unwrap());
            }
            s => panic!("{s:?}"),
        }
        assert!(matches!(&p.steps[3].step, Step::Type(s) if s == "serv\"ers"));
        assert!(matches!(&p.steps[4].step, Step::WaitFor(Pattern::Text(t), Some(d)) if t == "Servers" && *d == Duration::from_secs(5)));
        assert!(matches!(&p.steps[5].step, Step::WaitFor(Pattern::Regex(_), None)));
        assert_eq!(p.steps[5].line, 7);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("Key j\nKye k\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        let e = parse("Key j <Bogus>\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 7), "{e}");
        let e = parse("WaitFor \"x\" soon\n").unwrap_err();
        assert_eq!(e.column, 13, "{e}");
        let e = parse("  Type \"open\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 8), "{e}");
        let e = parse("Resize 80by24\n").unwrap_err();
        assert!(e.message.contains("COLSxROWS"), "{e}");
    }

    #[test]
    fn what_would_exhaust_memory_or_time_is_refused_when_read() {
        let e = parse("Key j x99999999999\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 7), "{e}");
        assert!(e.message.contains("at most 10000 repeats"), "{e}");
        assert!(parse("Key j x10000\n").is_ok());
        for bad in ["Resize 65535x65535\n", "Set Size 65535x65535\n", "Resize 1001x40\n"] {
            assert!(parse(bad).unwrap_err().message.contains("from 20x5 to 1000x1000"), "{bad}");
        }
        let e = parse("WaitFor \"x\" 18446744073709551615s\n").unwrap_err();
        assert!(e.message.contains("duration"), "{e}");
        assert!(parse("Sleep 25h\n").unwrap_err().message.contains("longer than"));
    }

    #[test]
    fn source_includes_with_own_positions_and_refuses_cycles() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.play"), "Key j\nSource b.play\n").unwrap();
        std::fs::write(d.path().join("b.play"), "\nKey k\n").unwrap();
        let p = Playbook::load(&d.path().join("a.play")).unwrap();
        assert_eq!(p.steps.len(), 2);
        assert_eq!(p.steps[1].line, 2);
        assert!(p.steps[1].file.ends_with("b.play"));
        std::fs::write(d.path().join("b.play"), "Source a.play\n").unwrap();
        let e = Playbook::load(&d.path().join("a.play")).unwrap_err();
        assert!(e.message.contains("includes itself"), "{e}");
    }
}
