//! Restore drills as the rest of the console sees them: the last drill of
//! each database, read from the runs of the `restore-drill` runbook (the
//! journal is the record; nothing else is stored).

use super::run::{Run, StepState};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The runbook whose runs are drills.
pub const RUNBOOK: &str = "restore-drill";

#[derive(Clone, Debug, PartialEq)]
pub enum Result {
    /// Restored, and the counts (and checksums) matched.
    Passed,
    /// The backup was not found, did not restore, or did not match.
    Failed(String),
    /// Started, not through the checks yet.
    Unfinished,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Drill {
    pub run: String,
    pub started: DateTime<Utc>,
    pub result: Result,
    /// How long the restore took: the recovery time.
    pub restore: Option<std::time::Duration>,
    /// When the backup it restored was taken.
    pub backup_taken: Option<DateTime<Utc>>,
}

/// Whether a journal file can hold a drill, from its name alone (a run's id
/// ends with its runbook's name, then `-N` when two started in one second).
pub fn may_be_drill(journal: &std::path::Path) -> bool {
    let stem = journal.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = match stem.rsplit_once('-') {
        Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) && b.ends_with(RUNBOOK) => b,
        _ => stem,
    };
    base.ends_with(&format!("-{RUNBOOK}"))
}

impl Drill {
    /// What a drill run says, if `run` is one (and names its database).
    pub fn of(run: &Run) -> Option<(String, Drill)> {
        if run.runbook != RUNBOOK {
            return None;
        }
        let db = run.params.get("database").filter(|d| !d.is_empty())?.clone();
        let step = |id: &str| run.steps.iter().find(|s| s.step.id == id);
        // Failed, or skipped after it failed (the operator went on to drop
        // the scratch database): the drill failed all the same.
        let failed = |id: &str| match step(id) {
            Some(s) => match &s.state {
                StepState::Failed { message, .. } => Some(message.clone()),
                StepState::Skipped { .. } => s.history.iter().rev().find(|h| h.contains(": failed")).map(|h| {
                    h.split_once(": failed at ").and_then(|(_, rest)| rest.split_once(": ")).map_or(h.clone(), |(_, m)| m.to_string())
                }),
                _ => None,
            },
            None => None,
        };
        let done = |id: &str| step(id).is_some_and(|s| s.state == StepState::Done);
        let result = if let Some(m) = failed("find").or_else(|| failed("present")) {
            Result::Failed(format!("no backup to restore: {m}"))
        } else if let Some(m) = failed("restore") {
            Result::Failed(format!("the restore failed: {m}"))
        } else if let Some(m) = failed("row-counts") {
            Result::Failed(format!("restored, but {m}"))
        } else if done("restore") && done("row-counts") {
            Result::Passed
        } else if let Some(r) = &run.abandoned {
            Result::Failed(format!("abandoned: {r}"))
        } else if run.finished.is_some() {
            Result::Failed("finished without a restore and its checks (skipped)".into())
        } else {
            Result::Unfinished
        };
        let restore = step("restore")
            .filter(|s| s.state == StepState::Done)
            .and_then(|s| Some((s.finished? - s.started?).to_std().unwrap_or_default()));
        let backup_taken = run.found.get("backup_taken").and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
        Some((db, Drill { run: run.id.clone(), started: run.started, result, restore, backup_taken }))
    }

    /// `passed 3h ago, restore 41s`, as the Databases pane shows it.
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        let ago = crate::coolify::schedule::age(now - self.started);
        match &self.result {
            Result::Passed => match self.restore {
                Some(d) => format!("passed {ago} ago, restore {}", secs(d)),
                None => format!("passed {ago} ago"),
            },
            Result::Failed(_) => format!("FAILED {ago} ago"),
            Result::Unfinished => format!("unfinished ({ago} ago)"),
        }
    }
}

fn secs(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1}s")
    } else if s < 120.0 {
        format!("{}s", s.round())
    } else {
        format!("{}m{:02}s", (s / 60.0).floor(), (s % 60.0).floor())
    }
}

/// The newest drill of each database, by the name (or uuid) the run was given.
pub fn latest(runs: &[Run]) -> BTreeMap<String, Drill> {
    let mut out: BTreeMap<String, Drill> = BTreeMap::new();
    for (db, d) in runs.iter().filter_map(Drill::of) {
        if out.get(&db).is_none_or(|o| o.started < d.started) {
            out.insert(db, d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::journal::{Event, Outcome};
    use crate::checklist::runbook;

    fn drill_run(db: &str, at: DateTime<Utc>, outcomes: &[(&str, Outcome)]) -> Run {
        let (all, _) = runbook::load_all(None);
        let rb = &all.iter().find(|(r, _)| r.name == RUNBOOK).expect("built in").0;
        let values = [("database".to_string(), db.to_string())].into();
        let id = format!("{}-{db}", at.timestamp());
        let mut events = vec![crate::checklist::start(rb, &id, &values, BTreeMap::new(), at)];
        for (k, (step, outcome)) in outcomes.iter().enumerate() {
            let i = rb.steps.iter().position(|s| s.id == *step).expect("a step of the drill");
            let t0 = at + chrono::Duration::seconds(10 * k as i64);
            events.push(Event::StepStarted { step: i, at: t0 });
            let mut found = BTreeMap::new();
            if *step == "find" {
                found.insert("backup_taken".to_string(), (at - chrono::Duration::hours(5)).to_rfc3339());
            }
            events.push(Event::StepFinished {
                step: i,
                at: t0 + chrono::Duration::seconds(7),
                outcome: outcome.clone(),
                output: vec![],
                notes: vec![],
                found,
            });
        }
        Run::replay(format!("/runs/{id}.jsonl").into(), &events).expect("replays")
    }

    #[test]
    fn only_a_drill_journal_is_read_again() {
        use std::path::Path;
        assert!(may_be_drill(Path::new("/r/20261130-101500-restore-drill.jsonl")));
        assert!(may_be_drill(Path::new("/r/20261130-101500-restore-drill-2.jsonl")));
        assert!(!may_be_drill(Path::new("/r/20261130-101500-move-site.jsonl")));
        assert!(!may_be_drill(Path::new("/r/20261130-101500-move-site-2.jsonl")));
    }

    #[test]
    fn the_newest_drill_of_each_database_says_how_it_went_and_how_long_the_restore_took() {
        let t = "2026-11-30T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let ok = |s: &'static str| (s, Outcome::Done);
        let old_pass = drill_run(
            "shop-db",
            t - chrono::Duration::days(3),
            &[ok("find"), ok("present"), ok("create"), ok("restore"), ok("row-counts")],
        );
        let new_fail = drill_run(
            "shop-db",
            t - chrono::Duration::days(1),
            &[ok("find"), ok("present"), ok("create"), ("restore", Outcome::Failed { message: "exit status 1".into(), retryable: false })],
        );
        let other = drill_run(
            "blog-db",
            t - chrono::Duration::hours(2),
            &[ok("find"), ok("present"), ok("create"), ok("restore"), ok("row-counts")],
        );
        let m = latest(&[old_pass, new_fail, other]);
        assert_eq!(m["shop-db"].result, Result::Failed("the restore failed: exit status 1".into()), "the newest counts, not the best");
        assert_eq!(m["shop-db"].summary(t), "FAILED 24h ago");
        assert_eq!(m["blog-db"].result, Result::Passed);
        assert_eq!(m["blog-db"].restore, Some(std::time::Duration::from_secs(7)));
        assert_eq!(m["blog-db"].summary(t), "passed 2h ago, restore 7.0s");
        assert_eq!(m["blog-db"].backup_taken, Some(t - chrono::Duration::hours(7)));
        // Counted rows that do not match fail the drill; a drill not through its checks is unfinished.
        let counts = drill_run(
            "x",
            t,
            &[
                ok("find"),
                ok("present"),
                ok("create"),
                ok("restore"),
                ("row-counts", Outcome::Failed { message: "row counts differ".into(), retryable: true }),
            ],
        );
        assert_eq!(Drill::of(&counts).unwrap().1.result, Result::Failed("restored, but row counts differ".into()));
        assert_eq!(Drill::of(&drill_run("y", t, &[ok("find")])).unwrap().1.result, Result::Unfinished);
        // Skipping the failed restore to drop the scratch database does not make the drill pass.
        let skip = |s: &'static str| (s, Outcome::Skipped { reason: "the restore failed".into() });
        let skipped = drill_run(
            "z",
            t,
            &[
                ok("find"),
                ok("present"),
                ok("create"),
                ("restore", Outcome::Failed { message: "exit status 1".into(), retryable: false }),
                skip("restore"),
                skip("row-counts"),
                ok("drop"),
            ],
        );
        assert_eq!(Drill::of(&skipped).unwrap().1.result, Result::Failed("the restore failed: exit status 1".into()));
    }
}
