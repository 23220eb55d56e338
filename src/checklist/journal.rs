//! The journal of a run: one JSON event per line, appended and fsynced before
//! the console shows it, so a killed process or a dropped link never loses a
//! finished step. A run is the fold of its events.

use super::runbook::Step;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

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

    /// Appends one event and waits until it is on disk.
    pub fn append(&self, e: &Event) -> std::io::Result<()> {
        let mut line = serde_json::to_string(e).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        // One write of a whole line: a crash leaves at most a torn last line.
        f.write_all(line.as_bytes())?;
        f.sync_data()
    }

    /// Every event; a torn last line (a crash mid-write) is dropped, a bad line
    /// elsewhere is an error naming its line.
    pub fn read(&self) -> Result<Vec<Event>, String> {
        let text = std::fs::read_to_string(&self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
        let lines: Vec<&str> = text.lines().collect();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Event>(l) {
                Ok(e) => out.push(e),
                Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => break,
                Err(e) => return Err(format!("{}:{}: {e}", self.path.display(), i + 1)),
            }
        }
        Ok(out)
    }
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
        j.append(&Event::StepFinished { step: 0, at, outcome: Outcome::Done, output: vec![], notes: vec!["n".into()] }).unwrap();
        // A crash in the middle of the next write.
        std::fs::OpenOptions::new().append(true).open(&j.path).unwrap().write_all(b"{\"event\":\"step_sta").unwrap();
        let ev = j.read().unwrap();
        assert_eq!(ev.len(), 2);
        assert!(matches!(&ev[1], Event::StepFinished { notes, .. } if notes == &["n".to_string()]));
        assert_eq!(list(dir.path()), std::slice::from_ref(&j.path));
        assert!(Journal::create(dir.path(), "r1").is_err(), "a run id is never reused");
    }
}
