//! Campaigns: many sites moved as one plan. A campaign (TOML) lists the
//! sites and the stages each goes through (a stage is a sequence of
//! runbooks, `uat` then `production`); its runs are ordinary runs that name
//! their campaign, site and stage in their first event, so the journal of
//! each run is the campaign's record and a crash loses nothing. Pure: the
//! board, the locks and the promotion are computed from runs.

use super::run::{Run, StepState};
use super::runbook::{ParamKind, Runbook};
use crate::config::source::SourceError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What a run belongs to, when it is part of a campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub campaign: String,
    pub site: String,
    pub stage: String,
    /// The typed approval that let the site into a stage that asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Approval>,
}

/// Who let a site into a gated stage, when, and having seen what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: String,
    pub at: DateTime<Utc>,
    /// The earlier stage's result as it was shown.
    pub seen: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub name: String,
    #[serde(default)]
    pub title: String,
    /// Runs of this campaign open at once, at most.
    #[serde(default = "one")]
    pub parallel: usize,
    /// Parameter values every run gets unless a site or stage sets them.
    #[serde(default)]
    pub shared: BTreeMap<String, String>,
    pub stages: Vec<Stage>,
    pub sites: Vec<Site>,
}

fn one() -> usize {
    1
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: String,
    /// Runbooks run in this order for each site.
    pub runbooks: Vec<String>,
    /// A site enters this stage only once it finished that stage; its runs
    /// take their parameters from that stage's runs where these do not say.
    #[serde(default)]
    pub after: Option<String>,
    /// A site enters this stage only with a typed approval (production):
    /// the operator sees how the earlier stage went and types the site's name.
    #[serde(default)]
    pub approve: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    /// Values for every stage of this site.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Values for one stage (by stage name).
    #[serde(default)]
    pub stages: BTreeMap<String, BTreeMap<String, String>>,
}

/// At most this many sites and stages: a board is read on one screen.
pub const MAX_SITES: usize = 500;
pub const MAX_STAGES: usize = 12;

impl Campaign {
    /// Parses and checks a campaign file against the runbooks there are.
    pub fn parse(path: &Path, text: &str, runbooks: &[Runbook]) -> Result<Campaign, SourceError> {
        let c: Campaign = crate::config::source::parse_toml(path, text)?;
        let at = |needle: &str| text.find(needle).unwrap_or(0);
        let err = |needle: &str, msg: String| SourceError::at_offset(path, text, at(needle), msg);
        if c.stages.is_empty() || c.stages.len() > MAX_STAGES {
            return Err(err("name", format!("a campaign needs 1 to {MAX_STAGES} [[stages]]")));
        }
        if c.sites.is_empty() || c.sites.len() > MAX_SITES {
            return Err(err("name", format!("a campaign needs 1 to {MAX_SITES} [[sites]]")));
        }
        if c.parallel == 0 {
            return Err(err("parallel", "parallel must be at least 1".into()));
        }
        for (i, s) in c.stages.iter().enumerate() {
            if c.stages[..i].iter().any(|o| o.name == s.name) {
                return Err(err(&format!("\"{}\"", s.name), format!("stage `{}` is named twice", s.name)));
            }
            if s.runbooks.is_empty() {
                return Err(err(&format!("\"{}\"", s.name), format!("stage `{}` has no runbooks", s.name)));
            }
            for r in &s.runbooks {
                if !runbooks.iter().any(|rb| &rb.name == r) {
                    let known: Vec<&str> = runbooks.iter().map(|r| r.name.as_str()).collect();
                    return Err(err(
                        &format!("\"{r}\""),
                        format!("stage `{}`: no runbook `{r}` (there are: {})", s.name, known.join(", ")),
                    ));
                }
            }
            if let Some(a) = &s.after
                && !c.stages[..i].iter().any(|o| &o.name == a)
            {
                return Err(err(
                    &format!("after = \"{a}\""),
                    format!("stage `{}` comes after `{a}`, which is not a stage before it", s.name),
                ));
            }
        }
        for (i, site) in c.sites.iter().enumerate() {
            if c.sites[..i].iter().any(|o| o.name == site.name) {
                return Err(err(&format!("\"{}\"", site.name), format!("site `{}` is listed twice", site.name)));
            }
            for st in site.stages.keys() {
                if !c.stages.iter().any(|s| &s.name == st) {
                    return Err(err(&format!("[sites.stages.{st}]"), format!("site `{}`: no stage `{st}` in this campaign", site.name)));
                }
            }
        }
        Ok(c)
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// The values the campaign gives a run: shared, then the site's, then the stage's.
    pub fn values(&self, site: &str, stage: &str) -> BTreeMap<String, String> {
        let mut v = self.shared.clone();
        if let Some(s) = self.site(site) {
            v.extend(s.params.iter().map(|(k, x)| (k.clone(), x.clone())));
            if let Some(st) = s.stages.get(stage) {
                v.extend(st.iter().map(|(k, x)| (k.clone(), x.clone())));
            }
        }
        v
    }
}

/// How a cell of the board stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CellState {
    /// Not started (its `after` stage not done yet, or nobody started it).
    Pending,
    /// A step runs now.
    Running,
    /// Open, nothing running: the operator's turn.
    Waiting,
    /// A step failed and the run goes no further until the operator acts.
    Failed,
    /// A step was running when cutover stopped: to be checked.
    Unknown,
    /// Every runbook of the stage finished.
    Done,
}

impl CellState {
    pub fn label(&self) -> &'static str {
        match self {
            CellState::Pending => "pending",
            CellState::Running => "running",
            CellState::Waiting => "waiting for you",
            CellState::Failed => "failed",
            CellState::Unknown => "unknown",
            CellState::Done => "done",
        }
    }
}

/// One site in one stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub state: CellState,
    /// Runbooks of the stage finished, of how many.
    pub finished: usize,
    pub of: usize,
    /// The run to open: the open one, else the last one.
    pub run: Option<String>,
    /// From the first run's start to the last one's end (or now).
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    /// What the cell waits for, in words (its `after` stage).
    pub blocked: Option<String>,
    /// Its turn has come, and entering needs a typed approval.
    pub approve: bool,
}

impl Cell {
    pub fn duration(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        Some(self.ended.unwrap_or(now) - self.started?)
    }
}

/// The state of one run for the board.
pub fn run_state(r: &Run) -> CellState {
    if r.finished.is_some() && r.abandoned.is_none() {
        return CellState::Done;
    }
    if r.abandoned.is_some() {
        return CellState::Failed;
    }
    match r.current().map(|i| &r.steps[i].state) {
        Some(StepState::Running) => CellState::Running,
        Some(StepState::Unknown) => CellState::Unknown,
        Some(StepState::Failed { .. }) => CellState::Failed,
        _ => CellState::Waiting,
    }
}

/// The runs of a campaign's site and stage, oldest first; an abandoned run
/// is superseded by a later run of the same runbook.
fn runs_of<'a>(runs: &'a [Run], c: &str, site: &str, stage: &str) -> Vec<&'a Run> {
    let mut v: Vec<&Run> =
        runs.iter().filter(|r| r.part.as_ref().is_some_and(|p| p.campaign == c && p.site == site && p.stage == stage)).collect();
    v.sort_by_key(|r| r.started);
    v
}

/// The board: a row per site, a cell per stage.
pub fn board(c: &Campaign, runs: &[Run]) -> Vec<Vec<Cell>> {
    c.sites
        .iter()
        .map(|site| {
            let mut row: Vec<Cell> = Vec::with_capacity(c.stages.len());
            for stage in &c.stages {
                let rs = runs_of(runs, &c.name, &site.name, &stage.name);
                // The newest run of each runbook counts (an abandoned one was retried).
                let latest: Vec<&Run> =
                    stage.runbooks.iter().filter_map(|rb| rs.iter().rev().find(|r| &r.runbook == rb).copied()).collect();
                let finished = latest.iter().filter(|r| run_state(r) == CellState::Done).count();
                let open = rs.iter().rev().find(|r| r.is_open()).copied();
                let state = if finished == stage.runbooks.len() {
                    CellState::Done
                } else if let Some(r) = open {
                    run_state(r)
                } else if let Some(r) = latest.iter().find(|r| run_state(r) == CellState::Failed) {
                    run_state(r)
                } else if finished > 0 {
                    CellState::Waiting
                } else {
                    CellState::Pending
                };
                let blocked = stage.after.as_ref().and_then(|a| {
                    let i = c.stages.iter().position(|s| &s.name == a)?;
                    (row.get(i).map(|x: &Cell| &x.state) != Some(&CellState::Done)).then(|| format!("after {a}"))
                });
                row.push(Cell {
                    state,
                    finished,
                    of: stage.runbooks.len(),
                    run: open.or(rs.last().copied()).map(|r| r.id.clone()),
                    started: rs.first().map(|r| r.started),
                    ended: if finished == stage.runbooks.len() { latest.iter().filter_map(|r| r.finished).max() } else { None },
                    approve: stage.approve && rs.is_empty() && blocked.is_none(),
                    blocked: if state == CellState::Pending { blocked } else { None },
                });
            }
            row
        })
        .collect()
}

/// The next runbook a site's stage runs, if it is its turn.
pub fn next_runbook<'a>(c: &'a Campaign, runs: &[Run], site: &str, stage: &str) -> Result<&'a str, String> {
    let st = c.stage(stage).ok_or_else(|| format!("no stage `{stage}`"))?;
    let rs = runs_of(runs, &c.name, site, stage);
    if let Some(r) = rs.iter().find(|r| r.is_open()) {
        return Err(format!("{site}/{stage}: run {} is open: finish it first", r.id));
    }
    if let Some(a) = &st.after {
        let prev = c.stage(a).ok_or_else(|| format!("no stage `{a}`"))?;
        let done = prev.runbooks.iter().all(|rb| {
            runs_of(runs, &c.name, site, a).iter().rev().find(|r| &r.runbook == rb).is_some_and(|r| run_state(r) == CellState::Done)
        });
        if !done {
            return Err(format!("{site}/{stage} comes after {a}, which is not done for {site}"));
        }
    }
    st.runbooks
        .iter()
        .find(|rb| !rs.iter().any(|r| &&r.runbook == rb && run_state(r) == CellState::Done))
        .map(String::as_str)
        .ok_or_else(|| format!("{site}/{stage}: every runbook is done"))
}

/// Whether starting this site's stage now needs a typed approval: the stage
/// asks for one and none of its runs has started yet (the first run carries it).
pub fn needs_approval(c: &Campaign, runs: &[Run], site: &str, stage: &str) -> bool {
    c.stage(stage).is_some_and(|st| st.approve) && runs_of(runs, &c.name, site, stage).is_empty()
}

/// How the stage before a gated one went for a site, in one line.
pub fn earlier_result(c: &Campaign, runs: &[Run], site: &str, stage: &str) -> String {
    let Some(after) = c.stage(stage).and_then(|s| s.after.clone()) else { return "no earlier stage".into() };
    let rs = runs_of(runs, &c.name, site, &after);
    let first = rs.iter().map(|r| r.started).min();
    let last = rs.iter().filter_map(|r| r.finished).max();
    let took = match (first, last) {
        (Some(a), Some(b)) => format!(" in {}", crate::coolify::schedule::age(b - a)),
        _ => String::new(),
    };
    let skipped: usize = rs.iter().map(|r| r.steps.iter().filter(|s| matches!(s.state, StepState::Skipped { .. })).count()).sum();
    let overridden: usize = rs.iter().map(|r| r.steps.iter().filter(|s| s.overridden.is_some()).count()).sum();
    format!(
        "{after}: {} run(s) done{took}, {skipped} step(s) skipped, {overridden} override(s)",
        rs.iter().filter(|r| run_state(r) == CellState::Done).count()
    )
}

/// What a run holds while it is open: the servers, hosts, zones, databases
/// and firewalls its parameters name. Two runs holding one of them do not
/// run at once.
pub fn resources(rb: &Runbook, values: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = rb
        .params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Server | ParamKind::Host | ParamKind::Zone | ParamKind::Database) || p.name == "firewall")
        .filter_map(|p| values.get(&p.name).filter(|v| !v.is_empty() && !v.contains("****")).map(|v| format!("{}:{v}", kind_word(p))))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn kind_word(p: &super::runbook::Param) -> &'static str {
    match p.kind {
        ParamKind::Zone => "zone",
        ParamKind::Database => "database",
        _ if p.name == "firewall" => "firewall",
        _ => "host",
    }
}

/// Why a new run may not start now: the campaign's limit of open runs, or
/// a resource an open run holds (the lock is the engine's, not the operator's memory).
pub fn may_start(c: &Campaign, runs: &[Run], runbooks: &[Runbook], rb: &Runbook, values: &BTreeMap<String, String>) -> Result<(), String> {
    let open: Vec<&Run> = runs.iter().filter(|r| r.is_open() && r.part.as_ref().is_some_and(|p| p.campaign == c.name)).collect();
    if open.len() >= c.parallel {
        let names: Vec<String> = open.iter().filter_map(|r| r.part.as_ref()).map(|p| format!("{}/{}", p.site, p.stage)).collect();
        return Err(format!("{} run(s) open, the campaign's limit (parallel = {}): {}", open.len(), c.parallel, names.join(", ")));
    }
    let want = resources(rb, values);
    // Every open run holds its resources, in a campaign or not.
    for r in runs.iter().filter(|r| r.is_open()) {
        let Some(other) = runbooks.iter().find(|x| x.name == r.runbook) else { continue };
        let held = resources(other, &r.params);
        if let Some(shared) = want.iter().find(|w| held.contains(w)) {
            let who = r.part.as_ref().map(|p| format!("{}/{}", p.site, p.stage)).unwrap_or_else(|| r.title.clone());
            return Err(format!("{shared} is held by {who} (run {}): it waits until that run is finished", r.id));
        }
    }
    Ok(())
}

/// A later stage's values: the campaign's for it, and for every parameter it
/// does not give, the value the same runbook's finished run of the `after`
/// stage used (secrets are never taken: they were masked). Returns the values
/// and, for the operator, each one taken and each one that differs.
pub fn promote(c: &Campaign, runs: &[Run], rb: &Runbook, site: &str, stage: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut v = c.values(site, stage);
    let mut said = Vec::new();
    let Some(after) = c.stage(stage).and_then(|s| s.after.clone()) else { return (v, said) };
    let Some(prev) =
        runs_of(runs, &c.name, site, &after).into_iter().rev().find(|r| r.runbook == rb.name && run_state(r) == CellState::Done)
    else {
        return (v, said);
    };
    for p in &rb.params {
        let Some(old) = prev.params.get(&p.name).filter(|x| !x.is_empty() && !x.contains("****")) else { continue };
        match v.get(&p.name) {
            None => {
                v.insert(p.name.clone(), old.clone());
                said.push(format!("{} = {old} (as in {after})", p.name));
            }
            Some(now) if now != old => said.push(format!("{}: {old} in {after}, {now} here", p.name)),
            Some(_) => {}
        }
    }
    (v, said)
}

/// One markdown report of the whole campaign: every site, every stage, with
/// durations, then each run's own report (every note).
pub fn report(c: &Campaign, runs: &[Run], now: DateTime<Utc>) -> String {
    let b = board(c, runs);
    let mut s = format!("# Campaign {}{}\n\n", c.name, if c.title.is_empty() { String::new() } else { format!(": {}", c.title) });
    let done = b.iter().flatten().filter(|x| x.state == CellState::Done).count();
    s.push_str(&format!(
        "- {} sites by {} stages: {done} of {} done\n- as of {}\n\n",
        c.sites.len(),
        c.stages.len(),
        b.len() * c.stages.len(),
        now.format("%Y-%m-%d %H:%M:%S UTC")
    ));
    s.push_str("| site |");
    for st in &c.stages {
        s.push_str(&format!(" {} |", st.name));
    }
    s.push_str("\n|---|");
    s.push_str(&"---|".repeat(c.stages.len()));
    s.push('\n');
    for (site, row) in c.sites.iter().zip(&b) {
        s.push_str(&format!("| {} |", site.name));
        for cell in row {
            let d = cell.duration(now).map(|d| format!(", {}", human(d))).unwrap_or_default();
            s.push_str(&format!(" {} ({}/{}){d} |", cell.state.label(), cell.finished, cell.of));
        }
        s.push('\n');
    }
    for site in &c.sites {
        for st in &c.stages {
            for r in runs_of(runs, &c.name, &site.name, &st.name) {
                s.push_str(&format!("\n---\n\n<!-- {} / {} -->\n", site.name, st.name));
                if let Some(a) = r.part.as_ref().and_then(|p| p.approved.as_ref()) {
                    s.push_str(&format!(
                        "\n> Approved for {} by {} at {} UTC, having seen: {}\n\n",
                        st.name,
                        a.by,
                        a.at.format("%Y-%m-%d %H:%M:%S"),
                        a.seen
                    ));
                }
                // Each run's report, its headings one level down.
                for l in r.report().lines() {
                    if l.starts_with('#') {
                        s.push('#');
                    }
                    s.push_str(l);
                    s.push('\n');
                }
            }
        }
    }
    s
}

/// An application a new campaign is drafted from.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftApp {
    /// Its Coolify project: the site.
    pub project: String,
    /// Its environment: the stage.
    pub environment: String,
    pub app: String,
    /// Its first domain (host), if any.
    pub domain: Option<String>,
    /// The DNS zone holding that domain, if the console knows it.
    pub zone: Option<String>,
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A campaign file drafted from applications: their projects are the sites,
/// their environments the stages (production last, each after the one before),
/// each stage running `runbooks`; what they share once in `[shared]`; per
/// site and stage the application, its domain, zone, record and URL.
pub fn draft(name: &str, runbooks: &[String], parallel: usize, shared: &BTreeMap<String, String>, apps: &[DraftApp]) -> String {
    let mut envs: Vec<String> = apps.iter().map(|a| a.environment.clone()).collect();
    envs.sort_by_key(|e| (e == "production", e.clone()));
    envs.dedup();
    let list = runbooks.iter().map(|r| toml_str(r)).collect::<Vec<_>>().join(", ");
    let mut t = format!("# Drafted by cutover from {} application(s): check it, then `:campaign {name}`.\n", apps.len());
    t.push_str(&format!("name = {}\nparallel = {parallel}\n", toml_str(name)));
    if !shared.is_empty() {
        t.push_str("\n[shared]\n");
        for (k, v) in shared {
            t.push_str(&format!("{k} = {}\n", toml_str(v)));
        }
    }
    for (i, e) in envs.iter().enumerate() {
        t.push_str(&format!("\n[[stages]]\nname = {}\nrunbooks = [{list}]\n", toml_str(e)));
        if i > 0 {
            t.push_str(&format!("after = {}\n", toml_str(&envs[i - 1])));
        }
        // Into production only with a typed approval per site.
        if e == "production" && i > 0 {
            t.push_str("approve = true\n");
        }
    }
    let mut projects: Vec<&str> = apps.iter().map(|a| a.project.as_str()).collect();
    projects.sort();
    projects.dedup();
    for p in projects {
        t.push_str(&format!("\n[[sites]]\nname = {}\n", toml_str(p)));
        for a in apps.iter().filter(|a| a.project == p) {
            t.push_str(&format!("[sites.stages.{}]\napp = {}\n", toml_str(&a.environment), toml_str(&a.app)));
            if let Some(d) = &a.domain {
                t.push_str(&format!("domain = {}\nsite = {}\n", toml_str(d), toml_str(&format!("https://{d}/"))));
                if let Some(z) = &a.zone {
                    let record = d.strip_suffix(z.as_str()).map(|r| r.trim_end_matches('.')).filter(|r| !r.is_empty()).unwrap_or("@");
                    t.push_str(&format!("zone = {}\nrecord = {}\n", toml_str(z), toml_str(record)));
                }
            }
        }
    }
    t
}

/// `14m`, `2h05m`, `45s`.
pub fn human(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The campaigns in a directory (`*.toml`), each checked; errors name the file, line and column.
pub fn load_all(dir: Option<&Path>, runbooks: &[Runbook]) -> (Vec<Campaign>, Vec<SourceError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let Some(dir) = dir else { return (out, errors) };
    for (path, text) in crate::config::source::toml_files(dir) {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match Campaign::parse(&path, &text, runbooks) {
            Ok(c) => {
                out.retain(|x: &Campaign| x.name != c.name);
                out.push(c);
            }
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::journal::{Event, Outcome};

    const RB: &str = "name = \"move\"\ntitle = \"Move {app}\"\n[[params]]\nname = \"app\"\nlabel = \"App\"\nkind = \"app\"\n\
        [[params]]\nname = \"db_host\"\nlabel = \"DB host\"\nkind = \"host\"\n[[params]]\nname = \"owner\"\nlabel = \"Owner\"\n\
        [[steps]]\nid = \"a\"\ntitle = \"A\"\n";

    fn rb() -> Runbook {
        Runbook::parse(Path::new("move.toml"), RB).unwrap()
    }

    fn campaign(parallel: usize) -> Campaign {
        let t = format!(
            "name = \"c\"\nparallel = {parallel}\n[[stages]]\nname = \"uat\"\nrunbooks = [\"move\"]\n[[stages]]\nname = \"prod\"\nrunbooks = [\"move\"]\nafter = \"uat\"\n\
             [[sites]]\nname = \"shop\"\n[sites.stages.uat]\napp = \"shop-uat\"\ndb_host = \"db-uat\"\nowner = \"ann\"\n[sites.stages.prod]\napp = \"shop-prod\"\ndb_host = \"db-prod\"\n\
             [[sites]]\nname = \"blog\"\n[sites.stages.uat]\napp = \"blog-uat\"\ndb_host = \"db-uat\"\n"
        );
        Campaign::parse(Path::new("c.toml"), &t, &[rb()]).unwrap()
    }

    /// A run of `move` for a site and stage, finished or not.
    fn run(c: &Campaign, site: &str, stage: &str, done: bool, at: DateTime<Utc>) -> Run {
        let id = format!("{site}-{stage}-{}", at.timestamp());
        let mut ev = crate::checklist::start(&rb(), &id, &c.values(site, stage), BTreeMap::new(), at);
        if let Event::Started { part, .. } = &mut ev {
            *part = Some(Box::new(Part { campaign: c.name.clone(), site: site.into(), stage: stage.into(), approved: None }));
        }
        let mut events = vec![ev];
        if done {
            let end = at + chrono::Duration::minutes(5);
            events.push(Event::StepStarted { step: 0, at });
            events.push(Event::StepFinished {
                step: 0,
                at: end,
                outcome: Outcome::Done,
                output: vec![],
                notes: vec![],
                found: BTreeMap::new(),
            });
            events.push(Event::Finished { at: end });
        }
        Run::replay(format!("/runs/{id}.jsonl").into(), &events).unwrap()
    }

    #[test]
    fn a_draft_from_applications_is_a_campaign_the_console_reads() {
        let app = |p: &str, e: &str, a: &str, d: Option<&str>| DraftApp {
            project: p.into(),
            environment: e.into(),
            app: a.into(),
            domain: d.map(str::to_string),
            zone: d.map(|d| d.trim_start_matches("uat.").to_string()),
        };
        let apps = [
            app("Shop", "production", "shop-production", Some("example.com")),
            app("Shop", "uat", "shop-uat", Some("uat.example.com")),
            app("Blog \"B\"", "uat", "blog-uat", None),
        ];
        let shared: BTreeMap<String, String> = [("owner".to_string(), "ops".to_string())].into();
        let t = draft("spring", &["move".into()], 2, &shared, &apps);
        let c = Campaign::parse(Path::new("spring.toml"), &t, &[rb()]).unwrap_or_else(|e| panic!("{e}\n{t}"));
        let stages: Vec<(&str, Option<&str>)> = c.stages.iter().map(|s| (s.name.as_str(), s.after.as_deref())).collect();
        assert_eq!(stages, [("uat", None), ("production", Some("uat"))], "production last, after uat");
        assert_eq!(c.stages.iter().map(|s| s.approve).collect::<Vec<_>>(), [false, true], "production with a typed approval");
        assert_eq!(c.sites.len(), 2);
        let v = c.values("Shop", "uat");
        assert_eq!(
            (v["app"].as_str(), v["zone"].as_str(), v["record"].as_str(), v["site"].as_str()),
            ("shop-uat", "example.com", "uat", "https://uat.example.com/")
        );
        assert_eq!(c.values("Shop", "production")["record"], "@");
        assert_eq!(c.values("Blog \"B\"", "uat")["owner"], "ops");
    }

    #[test]
    fn a_malformed_campaign_names_the_file_line_and_column() {
        let bad = "name = \"c\"\n[[stages]]\nname = \"uat\"\nrunbooks = [\"mvoe\"]\n[[sites]]\nname = \"shop\"\n";
        let e = Campaign::parse(Path::new("c.toml"), bad, &[rb()]).unwrap_err().to_string();
        assert!(e.starts_with("c.toml:4:"), "{e}");
        assert!(e.contains("no runbook `mvoe` (there are: move)"), "{e}");
        let after = "name = \"c\"\n[[stages]]\nname = \"prod\"\nrunbooks = [\"move\"]\nafter = \"uat\"\n[[sites]]\nname = \"shop\"\n";
        let e = Campaign::parse(Path::new("c.toml"), after, &[rb()]).unwrap_err().to_string();
        assert!(e.contains("c.toml:5:") && e.contains("comes after `uat`, which is not a stage before it"), "{e}");
        let unknown = "name = \"c\"\nsites_ = 1\n";
        assert!(Campaign::parse(Path::new("c.toml"), unknown, &[rb()]).unwrap_err().to_string().starts_with("c.toml:2:"));
    }

    #[test]
    fn the_board_locks_and_promotion_come_from_the_runs() {
        let c = campaign(2);
        let t0 = "2026-11-30T08:00:00Z".parse::<DateTime<Utc>>().unwrap();
        // Nothing yet: production waits for uat.
        let b = board(&c, &[]);
        assert_eq!((b[0][0].state, b[0][1].blocked.as_deref()), (CellState::Pending, Some("after uat")));
        assert!(next_runbook(&c, &[], "shop", "prod").unwrap_err().contains("comes after uat"));
        assert_eq!(next_runbook(&c, &[], "shop", "uat"), Ok("move"));
        // shop's uat run is open: it holds db-uat, so blog's uat waits for it.
        let open = run(&c, "shop", "uat", false, t0);
        let runs = vec![open.clone()];
        assert_eq!(board(&c, &runs)[0][0].state, CellState::Waiting);
        let e = may_start(&c, &runs, &[rb()], &rb(), &c.values("blog", "uat")).unwrap_err();
        assert!(e.starts_with("host:db-uat is held by shop/uat"), "{e}");
        // The limit of open runs holds whatever they touch.
        let one = campaign(1);
        let mut vals = c.values("blog", "uat");
        vals.insert("db_host".into(), "db-other".into());
        assert!(
            may_start(&one, &[run(&one, "shop", "uat", false, t0)], &[rb()], &rb(), &vals).unwrap_err().contains("the campaign's limit")
        );
        assert!(may_start(&c, &runs, &[rb()], &rb(), &vals).is_ok(), "another host, under the limit");
        // Done: the cell says so with its duration; production's values come from uat where it says nothing.
        let done = vec![run(&c, "shop", "uat", true, t0)];
        let b = board(&c, &done);
        assert_eq!(b[0][0].state, CellState::Done);
        assert_eq!(b[0][0].duration(t0 + chrono::Duration::hours(1)), Some(chrono::Duration::minutes(5)));
        assert_eq!(b[0][1].blocked, None);
        let (v, said) = promote(&c, &done, &rb(), "shop", "prod");
        assert_eq!(v["owner"], "ann");
        assert_eq!(v["app"], "shop-prod");
        assert_eq!(said, ["app: shop-uat in uat, shop-prod here", "db_host: db-uat in uat, db-prod here", "owner = ann (as in uat)"]);
        let md = report(&c, &done, t0 + chrono::Duration::hours(1));
        assert!(md.contains("| shop | done (1/1), 5m00s | pending (0/1) |"), "{md}");
        assert!(md.contains("## Move shop-uat"), "the run's own report, a level down: {md}");
    }
}
