//! A run of a runbook: its steps and their states, rebuilt from the journal.

use super::journal::{Event, Outcome};
use super::runbook::{Kind, Step};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq)]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed {
        message: String,
        retryable: bool,
    },
    Skipped {
        reason: String,
    },
    /// It was running when cutover stopped: check before going on.
    Unknown,
}

impl StepState {
    pub fn label(&self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Running => "running",
            StepState::Done => "done",
            StepState::Failed { .. } => "failed",
            StepState::Skipped { .. } => "skipped",
            StepState::Unknown => "unknown",
        }
    }

    /// Done or skipped: the run can go past it.
    pub fn settled(&self) -> bool {
        matches!(self, StepState::Done | StepState::Skipped { .. })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepRun {
    pub step: Step,
    pub state: StepState,
    pub attempts: u32,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub output: Vec<String>,
    pub notes: Vec<String>,
    /// How an unknown outcome was settled.
    pub resolved: Option<String>,
    /// Earlier attempts: failures and interruptions, oldest first.
    pub history: Vec<String>,
    /// Why the operator ran it although what it requires was not done.
    pub overridden: Option<String>,
}

impl StepRun {
    fn new(step: Step, state: StepState) -> StepRun {
        StepRun {
            step,
            state,
            attempts: 0,
            started: None,
            finished: None,
            output: Vec::new(),
            notes: Vec::new(),
            resolved: None,
            history: Vec::new(),
            overridden: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: String,
    pub journal: PathBuf,
    pub runbook: String,
    pub title: String,
    /// What it is for (applications, databases, servers, domains).
    pub subject: String,
    /// As journaled: secrets masked.
    pub params: BTreeMap<String, String>,
    pub contexts: BTreeMap<String, String>,
    pub steps: Vec<StepRun>,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub abandoned: Option<String>,
    /// Values steps found for later steps (`backup_file`), the last one kept.
    pub found: BTreeMap<String, String>,
    /// The campaign, site and stage it is part of.
    pub part: Option<super::campaign::Part>,
}

impl Run {
    /// Rebuilds a run from its journal. A step still running at the end was
    /// interrupted: its outcome is unknown.
    pub fn replay(journal: PathBuf, events: &[Event]) -> Result<Run, String> {
        let Some(Event::Started { id, runbook, title, params, contexts, steps, not_applicable, at, subject, part }) = events.first() else {
            return Err(format!("{}: does not start with a `started` event", journal.display()));
        };
        let mut run = Run {
            id: id.clone(),
            journal,
            runbook: runbook.clone(),
            title: title.clone(),
            subject: subject.clone(),
            params: params.clone(),
            contexts: contexts.clone(),
            steps: steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let state = if not_applicable.contains(&i) {
                        StepState::Skipped { reason: "not applicable (its parameter is empty)".into() }
                    } else {
                        StepState::Pending
                    };
                    StepRun::new(s.clone(), state)
                })
                .collect(),
            started: *at,
            finished: None,
            abandoned: None,
            found: BTreeMap::new(),
            part: part.as_deref().cloned(),
        };
        for e in &events[1..] {
            run.apply(e);
        }
        for s in &mut run.steps {
            if s.state == StepState::Running {
                s.state = StepState::Unknown;
            }
        }
        Ok(run)
    }

    pub fn apply(&mut self, e: &Event) {
        match e {
            Event::Started { .. } => {}
            Event::StepStarted { step, at } => {
                if let Some(s) = self.steps.get_mut(*step) {
                    if matches!(s.state, StepState::Running | StepState::Unknown) {
                        s.history.push(format!("attempt {}: interrupted (cutover stopped while it ran)", s.attempts));
                    }
                    s.state = StepState::Running;
                    s.output.clear();
                    s.attempts += 1;
                    s.started = Some(*at);
                    s.finished = None;
                }
            }
            Event::StepFinished { step, at, outcome, output, notes, found } => {
                self.found.extend(found.iter().map(|(k, v)| (k.clone(), v.clone())));
                if let Some(s) = self.steps.get_mut(*step) {
                    if let Outcome::Failed { message, .. } = outcome {
                        s.history.push(format!("attempt {}: failed at {}: {message}", s.attempts.max(1), at.format("%H:%M:%S")));
                    }
                    s.state = state_of(outcome);
                    s.finished = Some(*at);
                    // A skip or a mark says nothing: the last attempt's output stays.
                    if !output.is_empty() {
                        s.output = output.clone();
                    }
                    s.notes.extend(notes.iter().cloned());
                }
            }
            Event::StepsInserted { after, steps } => {
                let at = after.saturating_add(1).min(self.steps.len());
                for (k, st) in steps.iter().enumerate() {
                    self.steps.insert(at + k, StepRun::new(st.clone(), StepState::Pending));
                }
            }
            Event::Resolved { step, at, outcome, how } => {
                if let Some(s) = self.steps.get_mut(*step) {
                    if matches!(s.state, StepState::Running | StepState::Unknown) {
                        s.history.push(format!("attempt {}: interrupted (cutover stopped while it ran)", s.attempts));
                    }
                    s.state = state_of(outcome);
                    s.finished = Some(*at);
                    s.resolved = Some(how.clone());
                }
            }
            Event::Overridden { step, reason, .. } => {
                if let Some(s) = self.steps.get_mut(*step) {
                    s.overridden = Some(reason.clone());
                }
            }
            Event::Finished { at } => self.finished = Some(*at),
            Event::Abandoned { at, reason } => {
                self.finished = Some(*at);
                self.abandoned = Some(reason.clone());
            }
        }
    }

    /// Steps that `i` requires and that were not done (skipped, failed, not
    /// run): while any remain and no override was given, `i` is blocked.
    pub fn blocked_by(&self, i: usize) -> Vec<(String, &'static str)> {
        let Some(sr) = self.steps.get(i) else { return vec![] };
        if sr.overridden.is_some() {
            return vec![];
        }
        sr.step
            .requires
            .iter()
            .filter_map(|req| {
                // `a|b`: either will do.
                let alts: Vec<&StepRun> = req.split('|').filter_map(|id| self.steps.iter().find(|s| s.step.id == id)).collect();
                if alts.iter().any(|s| s.state == StepState::Done) {
                    return None;
                }
                Some((req.clone(), alts.first().map(|s| s.state.label()).unwrap_or("missing")))
            })
            .collect()
    }

    /// The step to do next: the first one not done or skipped.
    pub fn current(&self) -> Option<usize> {
        self.steps.iter().position(|s| !s.state.settled())
    }

    pub fn is_open(&self) -> bool {
        self.finished.is_none()
    }

    pub fn all_settled(&self) -> bool {
        self.current().is_none()
    }

    pub fn done_count(&self) -> usize {
        self.steps.iter().filter(|s| s.state.settled()).count()
    }

    /// Parameters whose value was masked in the journal: asked again on resume.
    pub fn masked_params(&self) -> Vec<String> {
        self.params.iter().filter(|(_, v)| v.contains("****")).map(|(k, _)| k.clone()).collect()
    }

    /// A readable account of the run (markdown).
    pub fn report(&self) -> String {
        let mut s = String::new();
        let ts = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        s.push_str(&format!("# {}\n\n", self.title));
        s.push_str(&format!("- runbook: `{}`\n- run: `{}`\n- started: {}\n", self.runbook, self.id, ts(&self.started)));
        match (&self.finished, &self.abandoned) {
            (Some(t), Some(r)) => s.push_str(&format!("- abandoned: {} ({r})\n", ts(t))),
            (Some(t), None) => s.push_str(&format!("- finished: {}\n", ts(t))),
            (None, _) => s.push_str(&format!("- state: in progress, {} of {} steps settled\n", self.done_count(), self.steps.len())),
        }
        for (k, v) in &self.contexts {
            s.push_str(&format!("- {k}: {v}\n"));
        }
        if !self.params.is_empty() {
            s.push_str("\n## Parameters\n\n| name | value |\n|---|---|\n");
            for (k, v) in &self.params {
                s.push_str(&format!("| {k} | `{}` |\n", v.replace('|', "\\|")));
            }
        }
        s.push_str("\n## Steps\n");
        // Rendered with the journaled values: secrets stay masked.
        let mut params = self.params.clone();
        params.extend(self.found.iter().map(|(k, v)| (k.clone(), v.clone())));
        params.insert("run".into(), self.id.clone());
        for (i, st) in self.steps.iter().enumerate() {
            let step = super::runbook::render_step(&st.step, &params);
            let state = match &st.state {
                StepState::Failed { message, .. } => format!("failed: {message}"),
                StepState::Skipped { reason } => format!("skipped: {reason}"),
                other => other.label().to_string(),
            };
            s.push_str(&format!("\n### {}. {} ({})\n\n", i + 1, step.title, step.kind().name()));
            s.push_str(&format!("- state: **{state}**\n"));
            if step.kind() != Kind::Manual {
                s.push_str(&format!("- what: {}\n", step.summary()));
            }
            if let Some(t) = &st.started {
                s.push_str(&format!(
                    "- started: {}{}\n",
                    ts(t),
                    if st.attempts > 1 { format!(" (attempt {})", st.attempts) } else { String::new() }
                ));
            }
            if let Some(t) = &st.finished {
                s.push_str(&format!("- ended: {}\n", ts(t)));
            }
            for h in &st.history {
                s.push_str(&format!("- {h}\n"));
            }
            if let Some(r) = &st.resolved {
                s.push_str(&format!("- settled: {r}\n"));
            }
            if let Some(r) = &st.overridden {
                s.push_str(&format!("- **run although `{}` was not done**: {r}\n", st.step.requires.join("`, `")));
            }
            for n in &st.notes {
                s.push_str(&format!("- note: {n}\n"));
            }
            if !st.output.is_empty() {
                s.push_str("\n```\n");
                for l in &st.output {
                    s.push_str(&l.replace("```", "'''"));
                    s.push('\n');
                }
                s.push_str("```\n");
            }
        }
        s
    }
}

fn state_of(o: &Outcome) -> StepState {
    match o {
        Outcome::Done => StepState::Done,
        Outcome::Failed { message, retryable } => StepState::Failed { message: message.clone(), retryable: *retryable },
        Outcome::Skipped { reason } => StepState::Skipped { reason: reason.clone() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::runbook::Runbook;
    use std::path::Path;

    fn started() -> Event {
        let rb = Runbook::parse(
            Path::new("t.toml"),
            "name = \"t\"\ntitle = \"T\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\n[[steps]]\nid = \"b\"\ntitle = \"B\"\n[steps.gate]\nconfirm = \"x\"\n[[steps]]\nid = \"c\"\ntitle = \"C\"\n",
        )
        .unwrap();
        Event::Started {
            id: "r".into(),
            runbook: rb.name,
            title: rb.title,
            params: [("url".to_string(), "postgres://u:****@h/db".to_string())].into(),
            contexts: [("hetzner".to_string(), "prod".to_string())].into(),
            steps: rb.steps,
            not_applicable: vec![2],
            at: Utc::now(),
            subject: String::new(),
            part: None,
        }
    }

    #[test]
    fn a_step_running_when_the_process_died_is_unknown() {
        let at = Utc::now();
        let ev = vec![
            started(),
            Event::StepStarted { step: 0, at },
            Event::StepFinished { step: 0, at, outcome: Outcome::Done, output: vec![], notes: vec![], found: BTreeMap::new() },
            Event::StepStarted { step: 1, at },
        ];
        let run = Run::replay("j".into(), &ev).unwrap();
        assert_eq!(run.steps[0].state, StepState::Done);
        assert_eq!(run.steps[1].state, StepState::Unknown);
        assert!(matches!(run.steps[2].state, StepState::Skipped { .. }), "not applicable");
        assert_eq!(run.current(), Some(1));
        assert_eq!(run.masked_params(), ["url"]);
        let mut run = run;
        run.apply(&Event::Resolved { step: 1, at, outcome: Outcome::Done, how: "checked".into() });
        assert!(run.all_settled());
        let r = run.report();
        assert!(r.contains("### 2. B (gate)") && r.contains("- settled: checked"), "{r}");
        assert!(r.contains("| url | `postgres://u:****@h/db` |"));
    }

    #[test]
    fn inserted_steps_come_right_after_their_parent() {
        let at = Utc::now();
        let Event::Started { steps, .. } = started() else { unreachable!() };
        let mut extra = steps[0].clone();
        extra.id = "a2".into();
        let ev = vec![started(), Event::StepsInserted { after: 0, steps: vec![extra] }, Event::StepStarted { step: 1, at }];
        let run = Run::replay("j".into(), &ev).unwrap();
        let ids: Vec<&str> = run.steps.iter().map(|s| s.step.id.as_str()).collect();
        assert_eq!(ids, ["a", "a2", "b", "c"]);
        assert_eq!(run.steps[1].state, StepState::Unknown);
    }

    #[test]
    fn skipping_a_failed_step_keeps_what_it_said_and_a_new_attempt_starts_afresh() {
        let at = Utc::now();
        let failed = Outcome::Failed { message: "exit status 1".into(), retryable: true };
        let said = vec!["pg_restore: error: could not read from input file: end of file".to_string()];
        let mut ev = vec![
            started(),
            Event::StepStarted { step: 0, at },
            Event::StepFinished { step: 0, at, outcome: failed, output: said.clone(), notes: vec![], found: BTreeMap::new() },
            Event::StepFinished {
                step: 0,
                at,
                outcome: Outcome::Skipped { reason: "the restore failed".into() },
                output: vec![],
                notes: vec![],
                found: BTreeMap::new(),
            },
        ];
        let run = Run::replay("j".into(), &ev).unwrap();
        assert_eq!(run.steps[0].output, said, "the failure's output is in the report after the skip");
        ev.push(Event::StepStarted { step: 0, at });
        let run = Run::replay("j".into(), &ev).unwrap();
        assert!(run.steps[0].output.is_empty(), "a new attempt has its own output");
    }
}
