//! The journal of a run: one JSON event per line, appended and fsynced before
//! the console shows it, so a killed process or a dropped link never loses a
//! finished step. A run is the fold of its events.

use super::runbook::Step;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The most a journal may hold (a run of thousands of steps is far less).
pub const MAX_JOURNAL: u64 = 64 << 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Started {
        id: String,
        runbook: String,
        title: String,
        /// Parameter values; passwords in URLs and secrets masked.
        params: BTreeMap<String, String>,
        /// Where it ran: Hetzner and Coolify contexts, the user.
        contexts: BTreeMap<String, String>,
        /// The runbook's steps as templates (rendered when each runs).
        steps: Vec<Step>,
        /// Steps whose `when` rendered empty.
        not_applicable: Vec<usize>,
        at: DateTime<Utc>,
        /// What the run is for: its applications, databases, servers and
        /// domains (shown beside its title in the list of runs).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        subject: String,
        /// The campaign, site and stage it is part of.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        part: Option<Box<super::campaign::Part>>,
    },
    StepStarted {
        step: usize,
        at: DateTime<Utc>,
    },
    StepFinished {
        step: usize,
        at: DateTime<Utc>,
        outcome: Outcome,
        /// The end of the output (redacted).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        output: Vec<String>,
        /// What the step found or replaced (an old value, a row count).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
        /// Values later steps use as placeholders (the backup file a step found).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        found: BTreeMap<String, String>,
    },
    /// Steps a step added after itself (a migration's lint and migrate steps).
    StepsInserted {
        after: usize,
        steps: Vec<Step>,
    },
    /// An unknown outcome settled, by a check or by the operator.
    Resolved {
        step: usize,
        at: DateTime<Utc>,
        outcome: Outcome,
        how: String,
    },
    /// The operator ran a step although a step it requires was skipped or
    /// failed, and said why.
    Overridden {
        step: usize,
        at: DateTime<Utc>,
        reason: String,
    },
    Finished {
        at: DateTime<Utc>,
    },
    Abandoned {
        at: DateTime<Utc>,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Failed { message: String, retryable: bool },
    Skipped { reason: String },
}

/// The file of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Journal {
    pub path: PathBuf,
}

impl Journal {
    /// A new journal in `dir` (created if missing).
    pub fn create(dir: &Path, id: &str) -> std::io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{id}.jsonl"));
        std::fs::OpenOptions::new().create_new(true).write(true).open(&path)?;
        Ok(Journal { path })
    }

    pub fn open(path: &Path) -> Journal {
        Journal { path: path.to_path_buf() }
    }

    /// Appends one event and waits until it is on disk. A torn last line (a
    /// crash mid-write, NUL bytes after a power loss) is closed first, so the
    /// new event always starts a line of its own.
    pub fn append(&self, e: &Event) -> std::io::Result<()> {
        let mut line = serde_json::to_string(e).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = std::fs::OpenOptions::new().read(true).append(true).open(&self.path)?;
        if f.metadata()?.len() > 0 {
            let mut last = [0u8];
            f.seek(SeekFrom::End(-1))?;
            f.read_exact(&mut last)?;
            if last[0] != b'\n' {
                line.insert(0, '\n');
            }
        }
        // One write of a whole line: a crash leaves at most a torn last line.
        f.write_all(line.as_bytes())?;
        f.sync_data()
    }

    /// Every event that can be read, and `file:line: why` for each line that
    /// cannot (a torn write, NUL bytes, garbage): those are skipped, the run
    /// is kept.
    pub fn read(&self) -> Result<Replayed, String> {
        let text = read_bytes(&self.path)?;
        let text = String::from_utf8_lossy(&text);
        let mut out = Replayed::default();
        for (i, l) in text.split('\n').enumerate() {
            let l = l.trim();
            if l.is_empty() {
                continue;
            }
            let at = format!("{}:{}", self.path.display(), i + 1);
            if l.chars().all(|c| c == '\0') {
                out.skipped.push(format!("{at}: NUL bytes (a write lost in a power cut?), skipped"));
                continue;
            }
            match serde_json::from_str::<Event>(l) {
                Ok(e) => out.events.push(e),
                Err(e) => out.skipped.push(format!("{at}: not an event ({e}), skipped")),
            }
        }
        Ok(out)
    }
}

/// What a journal held.
#[derive(Debug, Default, PartialEq)]
pub struct Replayed {
    pub events: Vec<Event>,
    /// The lines that could not be read, as `file:line: why`.
    pub skipped: Vec<String>,
}

/// A journal's bytes: a regular file of at most [`MAX_JOURNAL`] bytes.
fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_JOURNAL + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_JOURNAL {
        return Err(format!("{}: larger than the {MAX_JOURNAL} bytes a journal may hold", path.display()));
    }
    Ok(bytes)
}

/// The journals in `dir`, oldest first.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Where runs are kept: `$XDG_STATE_HOME/cutover/runs` (`~/.local/state/...`).
pub fn default_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
        .map(|d| d.join("cutover/runs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_reads_and_survives_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::create(dir.path(), "r1").unwrap();
        let at = Utc::now();
        j.append(&Event::StepStarted { step: 0, at }).unwrap();
        j.append(&Event::StepFinished {
            step: 0,
            at,
            outcome: Outcome::Done,
            output: vec![],
            notes: vec!["n".into()],
            found: BTreeMap::new(),
        })
        .unwrap();
        // A crash in the middle of the next write.
        std::fs::OpenOptions::new().append(true).open(&j.path).unwrap().write_all(b"{\"event\":\"step_sta").unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.events.len(), 2);
        assert!(matches!(&r.events[1], Event::StepFinished { notes, .. } if notes == &["n".to_string()]));
        assert_eq!(r.skipped.len(), 1, "the torn line is reported");
        assert!(r.skipped[0].contains("r1.jsonl:3: not an event"), "{:?}", r.skipped);
        // The next event starts a line of its own: the journal stays readable.
        j.append(&Event::Finished { at }).unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.events.len(), 3);
        assert!(matches!(r.events[2], Event::Finished { .. }));
        assert_eq!(list(dir.path()), std::slice::from_ref(&j.path));
        assert!(Journal::create(dir.path(), "r1").is_err(), "a run id is never reused");
    }

    #[test]
    fn nul_bytes_and_garbage_in_the_middle_lose_no_run() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::create(dir.path(), "r2").unwrap();
        let at = Utc::now();
        j.append(&Event::StepStarted { step: 0, at }).unwrap();
        // A power cut: the file grew, the data never came.
        std::fs::OpenOptions::new().append(true).open(&j.path).unwrap().write_all(&[0u8; 64]).unwrap();
        j.append(&Event::StepStarted { step: 1, at }).unwrap();
        std::fs::OpenOptions::new().append(true).open(&j.path).unwrap().write_all(b"garbage\n").unwrap();
        j.append(&Event::StepStarted { step: 2, at }).unwrap();
        let r = j.read().unwrap();
        assert_eq!(r.events.len(), 3);
        assert_eq!(r.skipped.len(), 2, "{:?}", r.skipped);
        assert!(r.skipped[0].contains(":2: NUL bytes"));
        assert!(r.skipped[1].contains(":4: not an event"));
    }
}
