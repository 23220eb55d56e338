//! The Checklist pane: runbooks to start, runs to resume, and a run's steps
//! with what the current one does, its live output and what comes next. Every
//! change to a run goes through its journal (an effect) and comes back as an
//! event, so the screen shows exactly what a restart would find.

use super::{Pane, PaneInfo};
use crate::app::action::{Effect, ExecContext};
use crate::app::cx::{Cx, Load};
use crate::app::completion::Source;
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Menu, MenuItem, Then};
use crate::app::state::Level;
use crate::app::table::Cursor;
use crate::checklist::campaign::{self, Campaign, Part};
use crate::checklist::runbook::{Kind, ParamKind, Runbook, Step, render, render_step};
use crate::checklist::{Event, Outcome, Run, StepState};
use crate::input::{Command, Scope};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    List,
    Run,
    /// A campaign's board (`board`).
    Board,
}

/// The campaign shown on the board, and the cell the cursor is on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Board {
    pub campaign: String,
    /// Over the sites.
    pub cursor: Cursor,
    /// The stage.
    pub col: usize,
}

/// The list: open runs first (to resume), then runbooks, then finished runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Run(usize),
    Runbook(usize),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Live {
    pub lines: Vec<(String, bool)>,
    /// A wait step: when it gives up, and what it saw last.
    pub waiting: Option<(DateTime<Utc>, String)>,
}

pub const LIVE_LINES: usize = 2000;

#[derive(Default)]
pub struct ChecklistPane {
    pub loaded: bool,
    pub view: View,
    pub runbooks: Vec<(Runbook, String)>,
    pub errors: Vec<String>,
    pub runs: Vec<Run>,
    pub cursor: Cursor,
    /// The run shown (its journal).
    pub active: Option<PathBuf>,
    pub step_cursor: Cursor,
    /// Live output of the step running in each run.
    pub live: HashMap<PathBuf, Live>,
    /// Runs with a step executing now.
    pub running: HashMap<PathBuf, usize>,
    /// Parameter values as typed, by run id: in memory only (the journal masks secrets).
    pub values: HashMap<String, BTreeMap<String, String>>,
    pub campaigns: Vec<Campaign>,
    pub board: Board,
}

#[derive(Debug)]
pub enum Msg {
    /// The runbooks on offer and the runs found in the journal directory.
    Loaded { runbooks: Vec<(Runbook, String)>, campaigns: Vec<Campaign>, errors: Vec<String>, runs: Vec<Run> },
    Created(Result<Box<Run>, String>),
    /// An event written to a run's journal (a job wrote it before sending this).
    Event { journal: PathBuf, result: Result<Event, String> },
    /// Live output of the step that runs (not journaled; its tail is, at the end).
    Output { journal: PathBuf, lines: Vec<(String, bool)> },
    /// A wait step checked and goes on waiting.
    Waiting { journal: PathBuf, deadline: DateTime<Utc>, status: String },
}

impl PaneInfo for ChecklistPane {
    const TITLE: &'static str = "Checklist";
    const NAMES: &'static [&'static str] = &["checklist", "cl", "runbooks", "runbook", "rb", "campaign", "campaigns"];
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::Loaded { runbooks, campaigns, errors, runs } => {
                self.campaigns = campaigns;
                self.on_loaded(runbooks, errors, runs, cx);
                vec![]
            }
            Msg::Created(r) => self.on_created(r.map(|b| *b), cx),
            Msg::Event { journal, result } => self.on_event(journal, result, cx),
            Msg::Output { journal, lines } => {
                let live = self.live.entry(journal).or_default();
                live.lines.extend(lines);
                if live.lines.len() > LIVE_LINES {
                    let cut = live.lines.len() - LIVE_LINES;
                    live.lines.drain(..cut);
                }
                vec![]
            }
            Msg::Waiting { journal, deadline, status } => {
                self.live.entry(journal).or_default().waiting = Some((deadline, status));
                vec![]
            }
        }
    }
}

impl ChecklistPane {
    pub fn rows(&self) -> Vec<Row> {
        let mut open: Vec<usize> = (0..self.runs.len()).filter(|&i| self.runs[i].is_open()).collect();
        open.sort_by(|a, b| self.runs[*b].started.cmp(&self.runs[*a].started));
        let mut done: Vec<usize> = (0..self.runs.len()).filter(|&i| !self.runs[i].is_open()).collect();
        done.sort_by(|a, b| self.runs[*b].started.cmp(&self.runs[*a].started));
        done.truncate(10);
        open.into_iter().map(Row::Run).chain((0..self.runbooks.len()).map(Row::Runbook)).chain(done.into_iter().map(Row::Run)).collect()
    }

    pub fn run(&self) -> Option<&Run> {
        let j = self.active.as_ref()?;
        self.runs.iter().find(|r| &r.journal == j)
    }

    fn run_mut(&mut self, journal: &PathBuf) -> Option<&mut Run> {
        self.runs.iter_mut().find(|r| &r.journal == journal)
    }

    /// Full parameter values of a run: the journal's, with what was typed this session.
    pub fn params(&self, run: &Run) -> BTreeMap<String, String> {
        let mut p = run.params.clone();
        p.extend(run.found.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(v) = self.values.get(&run.id) {
            p.extend(v.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        p.insert("run".into(), run.id.clone());
        p
    }

    /// Parameters as the journal has them (secrets masked), for the screen.
    pub fn shown_params(run: &Run) -> BTreeMap<String, String> {
        let mut p = run.params.clone();
        p.extend(run.found.iter().map(|(k, v)| (k.clone(), v.clone())));
        p.insert("run".into(), run.id.clone());
        p
    }

    fn on_loaded(&mut self, runbooks: Vec<(Runbook, String)>, errors: Vec<String>, runs: Vec<Run>, cx: &mut Cx) {
        self.runbooks = runbooks;
        self.errors = errors;
        // Runs started this session stay as they are in memory.
        for r in runs {
            if !self.runs.iter().any(|x| x.journal == r.journal) {
                self.runs.push(r);
            }
        }
        let n = self.rows().len();
        self.cursor.clamp(n);
        let open: Vec<&Run> = self.runs.iter().filter(|r| r.is_open()).collect();
        if let Some(r) = open.first() {
            let at = r
                .current()
                .map(|i| format!("step {} of {}: {}", i + 1, r.steps.len(), shown_text(r, &r.steps[i].step.title)))
                .unwrap_or_else(|| "all steps settled".into());
            let more = if open.len() > 1 { format!(" (+{} more)", open.len() - 1) } else { String::new() };
            // It waits for the operator: routine messages do not replace it.
            cx.notice(Level::Warn, format!("unfinished run: {} at {at}{more}: open the Checklist to resume", r.title));
        } else if let Some(e) = self.errors.first().cloned() {
            cx.say(Level::Error, e);
        }
    }

    fn list_key(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let rows = self.rows();
        if self.cursor.navigate(cmd, rows.len(), cx.height) {
            return vec![];
        }
        match cmd {
            Command::Refresh => {
                self.loaded = true;
                return vec![Effect::LoadChecklist];
            }
            Command::Open | Command::RunStep => match rows.get(self.cursor.pos) {
                Some(Row::Runbook(i)) => {
                    let rb = self.runbooks[*i].0.clone();
                    cx.open(Dialog::Form(start_form(&rb)));
                    // Zones are checked against the list: load it if it is not.
                    cx.ensure(Load::Zones);
                }
                Some(Row::Run(i)) => {
                    let j = self.runs[*i].journal.clone();
                    return self.open_run(j, cx);
                }
                None => {}
            },
            _ => {}
        }
        vec![]
    }

    fn submit_form(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        match form.kind.clone() {
            FormKind::StartRun { runbook, part } => {
                let Some(rb) = self.runbooks.iter().find(|(r, _)| r.name == runbook).map(|(r, _)| r.clone()) else {
                    form.error = Some("the runbook is gone: refresh (C-r)".into());
                    return Err(Box::new(form));
                };
                let mut values = BTreeMap::new();
                for p in &rb.params {
                    let v = form.get(&p.name).to_string();
                    if v.is_empty() {
                        if p.required {
                            form.set_error(&p.name, "required");
                        }
                    } else if let Err(e) = check_value(cx, p.kind, &v) {
                        form.set_error(&p.name, e);
                    }
                    values.insert(p.name.clone(), v);
                }
                preflight(&rb, &values, &mut form, cx);
                // In a campaign, the engine's locks: the limit of open runs and
                // the resources open runs hold.
                if let Some(pt) = &part
                    && let Some(c) = self.campaigns.iter().find(|c| c.name == pt.campaign)
                {
                    let books: Vec<Runbook> = self.runbooks.iter().map(|(r, _)| r.clone()).collect();
                    if let Err(e) = campaign::may_start(c, &self.runs, &books, &rb, &values) {
                        form.error = Some(format!("not now: {e}"));
                        return Err(Box::new(form));
                    }
                }
                if form.has_errors() {
                    if form.error.is_none() {
                        form.error = Some("the run cannot start: see the fields marked".into());
                    }
                    return Err(Box::new(form));
                }
                let at = cx.now;
                // Two runs of a runbook started in the same second get their own journals.
                let base = crate::checklist::run_id(&rb.name, at);
                let taken = |id: &str| self.runs.iter().any(|r| r.id == id);
                let id = (1..).map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") }).find(|id| !taken(id)).unwrap_or(base);
                let mut contexts = BTreeMap::new();
                contexts.insert("hetzner context".to_string(), cx.world.context_name());
                contexts.insert("coolify instance".to_string(), cx.world.contexts.coolify.clone().unwrap_or_else(|| "none".into()));
                if let Some(u) = &cx.world.operator {
                    contexts.insert("operator".to_string(), u.clone());
                }
                let mut event = crate::checklist::start(&rb, &id, &values, contexts, at);
                if let Event::Started { part: p, .. } = &mut event {
                    *p = part.clone().map(Box::new);
                }
                // The preview: what will run, in order, with this run's values
                // (secrets masked); nothing runs until each step is started.
                let Event::Started { title, params, not_applicable, .. } = &event else { return Err(Box::new(form)) };
                let mut shown = params.clone();
                shown.insert("run".into(), id.clone());
                let mut lines = vec![format!("+ run `{title}`: {} steps", rb.steps.len())];
                for (i, s) in rb.steps.iter().enumerate() {
                    let mark = if not_applicable.contains(&i) {
                        "  (not applicable: its parameter is empty)"
                    } else if s.kind() == Kind::Gate {
                        "  (waits for you)"
                    } else if s.destructive {
                        "  (destructive: a typed confirmation first)"
                    } else {
                        ""
                    };
                    lines.push(format!("  {:>2}. {}{mark}", i + 1, render(&s.title, &shown)));
                }
                lines.push(String::new());
                for p in &rb.params {
                    let v = params.get(&p.name).map(String::as_str).unwrap_or("");
                    lines.push(format!("  {}: {}", p.label, if v.is_empty() { "(empty)" } else { v }));
                }
                let c = Confirm::new(&format!("Preview: {title}"), lines, &cx.world.context_name(), vec![Effect::StartRun { event }])
                    .warn("Nothing runs yet: each step starts when you press x on it.");
                self.values.insert(id, values);
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::ApproveStage { campaign: name, site, stage, seen } => {
                if form.get("approve") != site {
                    form.set_error("approve", format!("type {site} exactly to approve, or <Esc>"));
                    return Err(Box::new(form));
                }
                let Some(c) = self.campaigns.iter().find(|c| c.name == name).cloned() else {
                    form.error = Some(format!("campaign {name} is gone: refresh (C-r)"));
                    return Err(Box::new(form));
                };
                let by = cx.world.operator.clone().unwrap_or_else(|| "the operator".into());
                let approval = campaign::Approval { by, at: chrono::Utc::now(), seen };
                match self.campaign_start_form(&c, &site, &stage, Some(approval), cx) {
                    Some(f) => {
                        cx.ensure(Load::Zones);
                        Ok(Then::Dialog(Box::new(Dialog::Form(f))))
                    }
                    None => Ok(Then::Effects(vec![])),
                }
            }
            FormKind::RunSecrets { journal } => {
                let Some(run) = self.runs.iter().find(|r| r.journal == journal).cloned() else { return Err(Box::new(form)) };
                let mut values = BTreeMap::new();
                for name in run.masked_params() {
                    let v = form.get(&name).to_string();
                    if v.is_empty() || v.contains("****") {
                        form.set_error(&name, "type the real value (the journal keeps it masked)");
                    }
                    values.insert(name, v);
                }
                if form.has_errors() {
                    return Err(Box::new(form));
                }
                self.values.entry(run.id.clone()).or_default().extend(values);
                self.view = View::Run;
                self.active = Some(journal);
                cx.clear_notice();
                Ok(Then::Effects(vec![]))
            }
            FormKind::OverrideStep { journal, index } => {
                let reason = form.get("reason").trim().to_string();
                if reason.len() < 10 {
                    form.set_error("reason", "say why, in a few words (at least 10 characters)");
                    return Err(Box::new(form));
                }
                let event = Event::Overridden { step: index, at: cx.now, reason };
                cx.say(Level::Warn, format!("override of step {} journaled: press x to run it", index + 1));
                Ok(Then::Effects(vec![Effect::Journal { journal, event }]))
            }
            FormKind::ExportCampaign { campaign } => {
                let path = form.get("file").to_string();
                let Some(c) = self.campaigns.iter().find(|c| c.name == campaign) else { return Err(Box::new(form)) };
                if path.is_empty() {
                    form.set_error("file", "a file name");
                    return Err(Box::new(form));
                }
                let contents = campaign::report(c, &self.runs, cx.now);
                let lines = contents.lines().count();
                Ok(Then::Effects(vec![Effect::WriteFile { path, contents, lines }]))
            }
            FormKind::ExportReport { journal } => {
                let path = form.get("file").to_string();
                if path.is_empty() {
                    form.set_error("file", "a file name");
                    return Err(Box::new(form));
                }
                let Some(run) = self.runs.iter().find(|r| r.journal == journal) else { return Err(Box::new(form)) };
                let contents = run.report();
                let lines = contents.lines().count();
                Ok(Then::Effects(vec![Effect::WriteFile { path, contents, lines }]))
            }
            _ => Err(Box::new(form)),
        }
    }

    /// `:campaign [NAME]`: the board of that campaign (the only one, when one).
    fn show_board(&mut self, name: &str, cx: &mut Cx) {
        let names: Vec<String> = self.campaigns.iter().map(|c| c.name.clone()).collect();
        let pick = if name.is_empty() && names.len() == 1 { names[0].clone() } else { name.to_string() };
        if !names.contains(&pick) {
            if names.is_empty() {
                let dir = "$XDG_CONFIG_HOME/cutover/campaigns/";
                cx.say(Level::Warn, format!("no campaigns: write one in {dir} (see the README), then C-r"));
            } else if pick.is_empty() {
                cx.say(Level::Info, format!("campaigns: {} (`:campaign NAME`)", names.join(", ")));
            } else {
                cx.say(Level::Error, format!("no campaign named `{pick}` (campaigns: {})", names.join(", ")));
            }
            return;
        }
        if self.board.campaign != pick {
            self.board = Board { campaign: pick, ..Board::default() };
        }
        self.view = View::Board;
    }

    pub fn campaign(&self) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.name == self.board.campaign)
    }

    /// The cell under the cursor, with its site and stage.
    fn cell(&self) -> Option<campaign::Cell> {
        let c = self.campaign()?;
        campaign::board(c, &self.runs).get(self.board.cursor.pos)?.get(self.board.col).cloned()
    }

    fn board_key(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let Some(c) = self.campaign().cloned() else {
            self.view = View::List;
            return vec![];
        };
        if self.board.cursor.navigate(cmd, c.sites.len(), cx.height.saturating_sub(2).max(3)) {
            return vec![];
        }
        match cmd {
            Command::Back => self.view = View::List,
            Command::CellLeft => self.board.col = self.board.col.saturating_sub(1),
            Command::CellRight => self.board.col = (self.board.col + 1).min(c.stages.len().saturating_sub(1)),
            Command::Refresh => {
                self.loaded = true;
                return vec![Effect::LoadChecklist];
            }
            Command::ExportReport => {
                let f = Form::new(
                    "Export the campaign as a report",
                    FormKind::ExportCampaign { campaign: c.name.clone() },
                    vec![Field::new("file", &format!("cutover-campaign-{}.md", c.name), "markdown")],
                );
                cx.open(Dialog::Form(f));
            }
            Command::Open | Command::RunStep => {
                let (Some(site), Some(stage)) = (c.sites.get(self.board.cursor.pos), c.stages.get(self.board.col)) else { return vec![] };
                let cell = self.cell();
                // An open run: resume it.
                if let Some(id) = cell.as_ref().and_then(|x| x.run.clone())
                    && let Some(r) = self.runs.iter().find(|r| r.id == id && r.is_open())
                {
                    let j = r.journal.clone();
                    return self.open_run(j, cx);
                }
                match campaign::next_runbook(&c, &self.runs, &site.name, &stage.name) {
                    Ok(_) if campaign::needs_approval(&c, &self.runs, &site.name, &stage.name) => {
                        // The gate: how the earlier stage went, and the site's name typed.
                        let seen = campaign::earlier_result(&c, &self.runs, &site.name, &stage.name);
                        let mut f = Form::new(
                            &format!("Approve {} for {}", site.name, stage.name),
                            FormKind::ApproveStage { campaign: c.name.clone(), site: site.name.clone(), stage: stage.name.clone(), seen: seen.clone() },
                            vec![Field::new("approve", "", &format!("type {} to approve", site.name)).labelled("Site")],
                        );
                        f.note = vec![
                            format!("Campaign {}, context {}.", c.name, cx.world.context_name()),
                            seen,
                            format!("Stage {} runs: {}.", stage.name, stage.runbooks.join(" then ")),
                            "The approval goes into the first run's journal and the campaign's report.".into(),
                        ];
                        cx.open(Dialog::Form(f));
                    }
                    Ok(_) => {
                        if let Some(f) = self.campaign_start_form(&c, &site.name, &stage.name, None, cx) {
                            cx.open(Dialog::Form(f));
                            cx.ensure(Load::Zones);
                        }
                    }
                    Err(e) => cx.say(Level::Info, e),
                }
            }
            _ => {}
        }
        vec![]
    }

    /// The start form of a site's next runbook in a stage, filled from the
    /// campaign and promoted from the stage before.
    fn campaign_start_form(&self, c: &campaign::Campaign, site: &str, stage: &str, approved: Option<campaign::Approval>, cx: &mut Cx) -> Option<Form> {
        let rb_name = match campaign::next_runbook(c, &self.runs, site, stage) {
            Ok(n) => n,
            Err(e) => {
                cx.say(Level::Info, e);
                return None;
            }
        };
        let Some(rb) = self.runbooks.iter().find(|(r, _)| r.name == rb_name).map(|(r, _)| r.clone()) else {
            cx.say(Level::Error, format!("no runbook `{rb_name}`"));
            return None;
        };
        let (values, said) = campaign::promote(c, &self.runs, &rb, site, stage);
        let mut f = start_form(&rb);
        f.title = format!("{site} / {stage}: {}", f.title);
        for (k, v) in &values {
            f.set(k, v);
            // A name that must be typed twice comes from the campaign file: typed there.
            f.set(&confirm_field(k), v);
        }
        if let Some(a) = &approved {
            f.note.push(format!("Approved by {} at {} UTC.", a.by, a.at.format("%H:%M:%S")));
        }
        f.kind = FormKind::StartRun {
            runbook: rb.name.clone(),
            part: Some(Part { campaign: c.name.clone(), site: site.to_string(), stage: stage.to_string(), approved }),
        };
        if !said.is_empty() {
            f.note.push(format!("Promoted from the finished run of {}:", c.stage(stage).and_then(|s| s.after.clone()).unwrap_or_default()));
            f.note.extend(said.into_iter().map(|l| format!("  {l}")));
        }
        Some(f)
    }

    fn open_run(&mut self, journal: PathBuf, cx: &mut Cx) -> Vec<Effect> {
        let Some(run) = self.runs.iter().find(|r| r.journal == journal).cloned() else { return vec![] };
        let c = &mut *self;
        c.active = Some(journal.clone());
        c.step_cursor = Cursor { pos: run.current().unwrap_or(run.steps.len().saturating_sub(1)), offset: 0 };
        let typed = c.values.get(&run.id);
        let missing: Vec<String> = run.masked_params().into_iter().filter(|k| typed.is_none_or(|t| !t.contains_key(k))).collect();
        if run.is_open() && !missing.is_empty() {
            // Secrets never reach the journal: they are asked again.
            let fields = missing
                .iter()
                .map(|k| Field::new(k, "", &format!("journal: {}", run.params.get(k).cloned().unwrap_or_default())).secret())
                .collect();
            let mut f = Form::new(&format!("Resume {}", run.title), FormKind::RunSecrets { journal }, fields);
            f.note = vec!["These values were masked in the journal. Type them again to go on.".into()];
            cx.open(Dialog::Form(f));
            return vec![];
        }
        c.view = View::Run;
        cx.clear_notice();
        if run.is_open()
            && let Some(i) = run.current()
            && run.steps[i].state == StepState::Unknown
        {
            cx.say(
                Level::Warn,
                format!("step {} was running when cutover stopped: check it (v) or mark it (m) before going on", i + 1),
            );
        }
        vec![]
    }

    /// Host-like fields of a step, resolved to where cutover connects.
    fn context(&self, run: &Run, step: &Step, cx: &Cx) -> ExecContext {
        let params = self.params(run);
        let mut hosts = BTreeMap::new();
        if let Ok(v) = serde_json::to_value(step) {
            collect_hosts(&v, &mut |h| {
                if !h.is_empty() {
                    hosts.insert(h.to_string(), cx.world.host(h));
                }
            });
        }
        let servers = cx
            .world
            .servers
            .iter()
            .map(|s| (s.name.clone(), (s.ipv4().map(str::to_string), s.ipv6().and_then(crate::dns::records::first_address))))
            .collect();
        let mut apps = BTreeMap::new();
        let mut databases = BTreeMap::new();
        if let Some(inv) = &cx.world.coolify {
            for a in &inv.applications {
                apps.insert(a.name.clone(), a.uuid.clone());
                apps.insert(a.uuid.clone(), a.uuid.clone());
            }
            for d in &inv.databases {
                databases.insert(d.name.clone(), d.uuid.clone());
                databases.insert(d.uuid.clone(), d.uuid.clone());
            }
        }
        // What must never show: secret parameters and passwords inside URLs.
        let mut secrets = Vec::new();
        if let Some(rb) = self.runbooks.iter().find(|(r, _)| r.name == run.runbook).map(|(r, _)| r) {
            for p in &rb.params {
                let v = params.get(&p.name).cloned().unwrap_or_default();
                if p.kind == ParamKind::Secret && v.len() >= 4 {
                    secrets.push(v.clone());
                }
            }
        }
        for v in params.values() {
            if let Some(pw) = url_password(v)
                && pw.len() >= 4
            {
                secrets.push(pw);
            }
        }
        // Earlier steps by id: when they finished and what they noted.
        let steps = run.steps.iter().map(|s| (s.step.id.clone(), (s.finished, s.notes.clone()))).collect();
        ExecContext { hosts, servers, apps, databases, secrets, params, pgpass: Vec::new(), steps }
    }

    fn run_key(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let Some(run) = self.run().cloned() else {
            self.view = View::List;
            return vec![];
        };
        let n = run.steps.len();
        let running = self.running.get(&run.journal).copied();
        // The steps take half the pane (as drawn), and every list key.
        if self.step_cursor.navigate(cmd, n, (cx.height / 2).max(3)) {
            return vec![];
        }
        let c = &mut *self;
        match cmd {
            Command::Back => c.view = View::List,
            Command::Open => {
                if let Some(i) = run.current() {
                    c.step_cursor.pos = i;
                }
            }
            Command::CancelStep => match running.and_then(|i| run.steps.get(i)) {
                Some(s) if s.step.cancellable() => return vec![Effect::CancelStep { journal: run.journal.clone() }],
                Some(_) => cx.say(Level::Info, "this step cannot be cancelled: it is a single call that ends by itself"),
                None => cx.say(Level::Info, "no step is running"),
            },
            Command::ExportReport => {
                let f = Form::new(
                    "Export the run as a report",
                    FormKind::ExportReport { journal: run.journal.clone() },
                    vec![Field::new("file", &format!("cutover-{}.md", run.id), "markdown")],
                );
                cx.open(Dialog::Form(f));
            }
            Command::AbandonRun => {
                if !run.is_open() {
                    return vec![];
                }
                let c = Confirm::new(
                    &format!("Abandon {}", run.title),
                    vec![
                        format!("- run {} ({} of {} steps settled)", run.id, run.done_count(), run.steps.len()),
                        "  The journal stays; the run is no longer offered for resuming.".into(),
                    ],
                    &cx.world.contexts_line(),
                    vec![Effect::Journal {
                        journal: run.journal.clone(),
                        event: Event::Abandoned { at: cx.now, reason: "abandoned by the operator".into() },
                    }],
                )
                // The runbook's name, not the long run id: deliberate, and typeable.
                .typed(&run.runbook);
                cx.open(Dialog::Confirm(c));
            }
            Command::RunStep | Command::SkipStep | Command::VerifyStep | Command::MarkStep => {
                if running.is_some() {
                    cx.say(Level::Info, "a step is running: wait for it, or cancel it (C-c)");
                    return vec![];
                }
                if !run.is_open() {
                    cx.say(Level::Info, "this run is over; export its report (E)");
                    return vec![];
                }
                let Some(i) = run.current() else {
                    cx.say(Level::Ok, "every step is settled");
                    return vec![];
                };
                if self.step_cursor.pos != i {
                    self.step_cursor.pos = i;
                    cx.say(Level::Info, format!("the next step is {}: {}", i + 1, shown_text(&run, &run.steps[i].step.title)));
                    return vec![];
                }
                return self.step_command(&run, i, cmd, cx);
            }
            Command::Refresh => {}
            _ => {}
        }
        vec![]
    }

    fn step_command(&mut self, run: &Run, i: usize, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let sr = &run.steps[i];
        let shown = render_step(&sr.step, &ChecklistPane::shown_params(run));
        let params = self.params(run);
        let real = render_step(&sr.step, &params);
        let ctx_line = cx.world.contexts_line();
        let journal = run.journal.clone();
        let finish = |outcome: Outcome, notes: Vec<String>| Effect::Journal {
            journal: journal.clone(),
            event: Event::StepFinished { step: i, at: cx.now, outcome, output: vec![], notes, found: BTreeMap::new() },
        };
        match cmd {
            Command::SkipStep => {
                let mut c = Confirm::new(
                    &format!("Skip: {}", shown.title),
                    vec![format!("~ step {} -> skipped", i + 1), format!("  {}", shown.summary())],
                    &ctx_line,
                    vec![finish(Outcome::Skipped { reason: "skipped by the operator".into() }, vec![])],
                );
                if sr.state == StepState::Unknown {
                    c = c.warn("Its outcome is unknown: skipping says nothing about what it did.");
                }
                cx.open(Dialog::Confirm(c));
                vec![]
            }
            Command::MarkStep => {
                if !matches!(sr.state, StepState::Unknown | StepState::Failed { .. }) {
                    cx.say(Level::Info, "only an unknown or failed step can be marked");
                    return vec![];
                }
                let resolved = |outcome: Outcome, how: &str| Effect::Journal {
                    journal: journal.clone(),
                    event: Event::Resolved { step: i, at: cx.now, outcome, how: how.to_string() },
                };
                let item = |label: &str, detail: &str, e: Effect| {
                    let c = Confirm::new(
                        &format!("{label}: {}", shown.title),
                        vec![format!("~ step {}: {} -> {label}", i + 1, sr.state.label())],
                        &ctx_line,
                        vec![e],
                    )
                    .warn("You vouch for it: the journal says the operator decided.")
                    .typed(&sr.step.id);
                    MenuItem { label: label.into(), detail: detail.into(), then: Then::Dialog(Box::new(Dialog::Confirm(c))) }
                };
                let items = vec![
                    item("Mark done", "I checked: it took effect", resolved(Outcome::Done, "marked done by the operator")),
                    item(
                        "Mark failed",
                        "it did not take effect",
                        resolved(
                            Outcome::Failed { message: "marked failed by the operator".into(), retryable: sr.step.retryable() },
                            "marked failed by the operator",
                        ),
                    ),
                ];
                cx.open(Dialog::Menu(Menu { title: format!("Step {}: {}", i + 1, shown.title), items, cursor: 0 }));
                vec![]
            }
            Command::VerifyStep => {
                if sr.state != StepState::Unknown {
                    cx.say(Level::Info, "verify settles a step whose outcome is unknown; run the step (x) instead");
                    return vec![];
                }
                if real.settling_check().is_none() {
                    cx.say(Level::Warn, "this step has nothing to check it by: check by hand, then mark it (m)");
                    return vec![];
                }
                self.exec(run, i, &real, true, cx)
            }
            _ => {
                // Run the step. One that builds on a step that was not done
                // (a switch after an unverified copy) waits for a typed reason.
                let blocked = run.blocked_by(i);
                if !blocked.is_empty() && sr.state != StepState::Unknown {
                    let what: Vec<String> = blocked.iter().map(|(id, st)| format!("`{id}` ({st})")).collect();
                    let mut f = Form::new(
                        &format!("Blocked: {}", shown.title),
                        FormKind::OverrideStep { journal: journal.clone(), index: i },
                        vec![Field::new("reason", "", "why it is safe anyway (goes into the journal and the report)").labelled("Reason")],
                    );
                    f.note = vec![
                        format!("This step builds on {}, which {} not done.", what.join(", "), if what.len() == 1 { "was" } else { "were" }),
                        "Go back and run it, or type why running this step anyway is safe.".into(),
                    ];
                    cx.open(Dialog::Form(f));
                    return vec![];
                }
                match &sr.state {
                    StepState::Unknown if sr.step.destructive => {
                        cx.say(Level::Warn, "a destructive step is never re-run blindly: check it (v) or mark it (m)");
                        return vec![];
                    }
                    StepState::Unknown if real.settling_check().is_some() => {
                        cx.say(Level::Warn, "its outcome is unknown: check it first (v), or mark it (m)");
                        return vec![];
                    }
                    StepState::Unknown if !sr.step.retryable() => {
                        cx.say(Level::Warn, "this step may not run twice: check it (v) or mark it (m)");
                        return vec![];
                    }
                    StepState::Failed { retryable: false, .. } => {
                        cx.say(Level::Warn, "this step failed and may not run again: mark it (m) or skip it (S)");
                        return vec![];
                    }
                    _ => {}
                }
                match sr.step.kind() {
                    Kind::Manual => {
                        let mut lines: Vec<String> = shown.text.lines().map(|l| format!("  {l}")).collect();
                        lines.insert(0, format!("~ step {}: {} -> done", i + 1, shown.title));
                        let c = Confirm::new(
                            &format!("Done: {}", shown.title),
                            lines,
                            &ctx_line,
                            vec![finish(Outcome::Done, vec!["confirmed by the operator".into()])],
                        );
                        cx.open(Dialog::Confirm(c));
                        vec![]
                    }
                    Kind::Gate => {
                        let want = real.gate.as_ref().map(|g| g.confirm.clone()).unwrap_or_default();
                        let mut lines: Vec<String> = shown.text.lines().map(|l| format!("  {l}")).collect();
                        lines.insert(0, format!("~ {}", shown.title));
                        let c = Confirm::new(
                            &shown.title,
                            lines,
                            &ctx_line,
                            vec![finish(Outcome::Done, vec![format!("confirmed by typing `{want}`")])],
                        )
                        .warn("What follows changes production.")
                        .typed(&want);
                        cx.open(Dialog::Confirm(c));
                        vec![]
                    }
                    _ if sr.step.destructive && !after_gate(run, i) => {
                        let yes = vec![self.exec_effect(run, i, &real, false, cx)];
                        let c = Confirm::new(&format!("Run: {}", shown.title), vec![format!("~ {}", shown.summary())], &ctx_line, yes)
                            .warn("A destructive step.")
                            .typed(&sr.step.id);
                        // On a Hetzner server with no snapshot taken in this run:
                        // the way back is offered first.
                        match snapshot_offer(run, i, &real, cx) {
                            Some(server) => {
                                let snap = Step {
                                    id: format!("{}-snapshot", sr.step.id),
                                    title: format!("Snapshot {server} before: {}", shown.title),
                                    text: "Offered before a destructive step: the way back if it goes wrong.".into(),
                                    api: Some(crate::checklist::runbook::ApiAction::Snapshot { server: server.clone(), description: None }),
                                    ..Default::default()
                                };
                                let insert = Effect::Journal { journal: run.journal.clone(), event: Event::StepsInserted { after: i - 1, steps: vec![snap] } };
                                let items = vec![
                                    MenuItem {
                                        label: format!("Snapshot {server} first"),
                                        detail: "adds that step before this one; run it, then this".into(),
                                        then: Then::Effects(vec![insert]),
                                    },
                                    MenuItem { label: "Run it now".into(), detail: "typed".into(), then: Then::Dialog(Box::new(Dialog::Confirm(c))) },
                                ];
                                cx.open(Dialog::Menu(Menu { title: format!("Destructive: {}", shown.title), items, cursor: 0 }));
                            }
                            None => cx.open(Dialog::Confirm(c)),
                        }
                        vec![]
                    }
                    _ if matches!(sr.state, StepState::Unknown) => {
                        let yes = vec![self.exec_effect(run, i, &real, false, cx)];
                        let c = Confirm::new(
                            &format!("Run again: {}", shown.title),
                            vec![format!("~ {}", shown.summary()), "  It was running when cutover stopped; it is safe to repeat.".into()],
                            &ctx_line,
                            yes,
                        );
                        cx.open(Dialog::Confirm(c));
                        vec![]
                    }
                    _ => self.exec(run, i, &real, false, cx),
                }
            }
        }
    }

    /// Runs the step now: marked running at once, so a second key press cannot
    /// start it twice before the job reports.
    fn exec(&mut self, run: &Run, i: usize, real: &Step, settle: bool, cx: &Cx) -> Vec<Effect> {
        let e = self.exec_effect(run, i, real, settle, cx);
        self.running.insert(run.journal.clone(), i);
        self.live.insert(run.journal.clone(), Live::default());
        vec![e]
    }

    /// The effect that runs the step (a confirmation may hold it until confirmed;
    /// the step's `StepStarted` then marks it running).
    fn exec_effect(&self, run: &Run, i: usize, real: &Step, settle: bool, cx: &Cx) -> Effect {
        // Commands get their placeholders quoted and passwords taken out of URLs.
        let (step, pgpass) = crate::checklist::runbook::render_exec(&run.steps[i].step, &self.params(run));
        debug_assert_eq!(step.id, real.id);
        let mut ctx = self.context(run, &step, cx);
        ctx.pgpass = pgpass;
        Effect::ExecStep { journal: run.journal.clone(), index: i, template: Box::new(run.steps[i].step.clone()), step: Box::new(step), ctx: Box::new(ctx), settle }
    }

    /// A journaled event arrived: fold it into the run.
    fn on_event(&mut self, journal: PathBuf, result: Result<Event, String>, cx: &mut Cx) -> Vec<Effect> {
        let ev = match result {
            Ok(e) => e,
            Err(e) => {
                self.running.remove(&journal);
                cx.say(Level::Error, e);
                return vec![];
            }
        };
        let c = &mut *self;
        let Some(run) = c.run_mut(&journal) else { return vec![] };
        run.apply(&ev);
        let run = run.clone();
        let title = run.title.clone();
        let mut msg = None;
        match &ev {
            Event::StepStarted { step, .. } => {
                // Not marked yet (it waited behind a confirmation): fresh output.
                let unmarked = c.running.insert(journal.clone(), *step).is_none();
                if unmarked {
                    c.live.insert(journal.clone(), Live::default());
                }
                let name = run.steps.get(*step).map(|s| shown_text(&run, &s.step.title)).unwrap_or_default();
                msg = Some((Level::Info, format!("step {}: {name}: running", step + 1)));
            }
            Event::StepFinished { step, outcome, .. } | Event::Resolved { step, outcome, .. } => {
                c.running.remove(&journal);
                let name = run.steps.get(*step).map(|s| shown_text(&run, &s.step.title)).unwrap_or_default();
                msg = Some(match outcome {
                    Outcome::Done => (Level::Ok, format!("step {}: {name}: done", step + 1)),
                    Outcome::Failed { message, .. } => (Level::Error, format!("step {}: {name}: {message}", step + 1)),
                    Outcome::Skipped { .. } => (Level::Info, format!("step {}: {name}: skipped", step + 1)),
                });
            }
            Event::Abandoned { .. } => msg = Some((Level::Warn, format!("{title}: abandoned"))),
            Event::Finished { .. } => msg = Some((Level::Ok, format!("{title}: every step done; export the report with E"))),
            _ => {}
        }
        if self.active.as_ref() == Some(&journal)
            && let Some(i) = run.current()
            && !matches!(ev, Event::StepStarted { .. } | Event::StepsInserted { .. })
        {
            self.step_cursor.pos = i;
        }
        if let Some((l, m)) = msg {
            cx.say(l, m);
        }
        let mut effects = Vec::new();
        // An API step changed the world: the panes showing it reload.
        if let Event::StepFinished { step, .. } = &ev
            && run.steps.get(*step).is_some_and(|s| s.step.kind() == Kind::Api)
        {
            cx.reload_all();
        }
        // Nothing waits for the operator any more: the notice goes.
        if !self.runs.iter().any(Run::is_open) {
            cx.clear_notice();
        }
        // The last step settled: the run is finished.
        if run.is_open() && run.all_settled() && matches!(ev, Event::StepFinished { .. } | Event::Resolved { .. }) {
            effects.push(Effect::Journal { journal, event: Event::Finished { at: cx.now } });
        }
        effects
    }

    fn on_created(&mut self, r: Result<Run, String>, cx: &mut Cx) -> Vec<Effect> {
        match r {
            Ok(run) => {
                cx.say(Level::Ok, format!("run {} started: {} steps; x runs the next one", run.id, run.steps.len()));
                let j = run.journal.clone();
                self.runs.push(run);
                self.view = View::Run;
                self.active = Some(j);
                self.step_cursor = Cursor { pos: self.run().and_then(Run::current).unwrap_or(0), offset: 0 };
            }
            Err(e) => cx.say(Level::Error, e),
        }
        vec![]
    }
}

const REFUSED: &str = "checklist runs are disabled (viewing and reports work)";

impl Pane for ChecklistPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Checklist, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        match self.view {
            View::List => self.list_key(cmd, cx),
            View::Run => self.run_key(cmd, cx),
            View::Board => self.board_key(cmd, cx),
        }
    }

    /// Loads runbooks and runs the first time the console needs them.
    fn on_show(&mut self, _cx: &mut Cx) -> Vec<Effect> {
        if self.loaded {
            return vec![];
        }
        self.loaded = true;
        vec![Effect::LoadChecklist]
    }

    /// `:runbook NAME` opens the form that starts it.
    fn on_line(&mut self, word: &str, args: &str, cx: &mut Cx) -> Vec<Effect> {
        let name = args.trim();
        if word.starts_with("campaign") {
            self.show_board(name, cx);
            return vec![];
        }
        if name.is_empty() {
            return vec![];
        }
        if cx.readonly {
            cx.say(Level::Warn, format!("read-only: {REFUSED}"));
            return vec![];
        }
        match self.runbooks.iter().position(|(r, _)| r.name == name) {
            Some(i) => {
                self.view = View::List;
                if let Some(p) = self.rows().iter().position(|r| matches!(r, Row::Runbook(j) if *j == i)) {
                    self.cursor.pos = p;
                }
                let rb = self.runbooks[i].0.clone();
                cx.open(Dialog::Form(start_form(&rb)));
                cx.ensure(Load::Zones);
            }
            None if self.runbooks.is_empty() => {
                cx.say(Level::Warn, format!("the runbooks are still loading: try `:runbook {name}` again in a moment"))
            }
            None => {
                let names: Vec<String> = self.runbooks.iter().map(|(r, _)| r.name.clone()).collect();
                let near = crate::app::completion::near(&names, name);
                let hint = if near.is_empty() { format!(" (runbooks: {})", names.join(", ")) } else { format!(": did you mean {}?", near.join(", ")) };
                cx.say(Level::Error, format!("no runbook named `{name}`{hint}"));
            }
        }
        vec![]
    }

    fn writes(&self, cmd: Command) -> Option<&'static str> {
        match (self.view, cmd) {
            (View::List, Command::Open | Command::RunStep) => {
                matches!(self.rows().get(self.cursor.pos), Some(Row::Runbook(_))).then_some(REFUSED)
            }
            (View::Run, Command::RunStep | Command::SkipStep | Command::MarkStep | Command::AbandonRun) => Some(REFUSED),
            // Opening a cell with no open run starts one.
            (View::Board, Command::Open | Command::RunStep) => {
                let cell = self.cell();
                cell.is_none_or(|c| c.state != campaign::CellState::Running && c.state != campaign::CellState::Waiting
                    && c.state != campaign::CellState::Failed && c.state != campaign::CellState::Unknown)
                    .then_some(REFUSED)
            }
            _ => None,
        }
    }

    fn submit(&mut self, form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        self.submit_form(form, cx)
    }
}

/// Everything the run will need, checked before it starts (not found at
/// step 6): values that must differ, names that must be typed twice, the
/// parameters each step that will run uses, servers that are on.
fn preflight(rb: &Runbook, values: &BTreeMap<String, String>, form: &mut Form, cx: &Cx) {
    let get = |n: &str| values.get(n).map(String::as_str).unwrap_or("");
    for p in &rb.params {
        let v = get(&p.name);
        if v.is_empty() {
            continue;
        }
        if let Some(other) = &p.differs_from
            && get(other) == v
        {
            let label = rb.param(other).map(|o| o.label.clone()).unwrap_or_else(|| other.clone());
            form.set_error(&p.name, format!("the same as {label}: they must differ"));
        }
        if let Some(suffix) = &p.confirm_unless_suffix
            && !v.ends_with(suffix.as_str())
            && form.get(&confirm_field(&p.name)) != v
        {
            form.set_error(&confirm_field(&p.name), format!("`{v}` does not end with {suffix}: type it here again to use it anyway"));
        }
        if p.kind == ParamKind::Server
            && let Some(srv) = cx.world.server_named(v)
            && srv.status != "running"
        {
            form.set_error(&p.name, format!("{v} is {}: start it first", srv.status));
        }
    }
    let mut full = values.clone();
    full.insert("run".into(), "x".into());
    for (n, step) in rb.steps.iter().enumerate() {
        if step.when.as_deref().is_some_and(|w| crate::checklist::runbook::render(w, &full).trim().is_empty()) {
            continue;
        }
        // Fields where empty has a meaning (on the host, the host's pg_dump,
        // the project's own settings) need no value.
        let mut needed = serde_json::to_value(step).unwrap_or_default();
        strip_optional(&mut needed);
        let text = needed.to_string();
        let title = crate::checklist::runbook::render(&step.title, &full);
        for (_, name) in crate::checklist::runbook::placeholders(&text) {
            if name != "run" && get(&name).is_empty() && form.fields.iter().any(|f| f.key == name) {
                form.set_error(&name, format!("step {} ({}) needs it", n + 1, title.trim()));
            }
        }
    }
}

fn strip_optional(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for k in ["container", "image", "mount", "env", "only", "checksum", "access_key", "secret_key", "storage"] {
                m.remove(k);
            }
            m.values_mut().for_each(strip_optional);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_optional),
        _ => {}
    }
}

fn confirm_field(name: &str) -> String {
    format!("{name} again")
}

fn start_form(rb: &Runbook) -> Form {
    let mut fields: Vec<Field> = Vec::new();
    for p in &rb.params {
        let mut hint = p.help.clone();
        if !p.required {
            // Which steps it turns on: filled together with what those steps need.
            let enables: Vec<String> = rb
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.when.as_deref().is_some_and(|w| w.contains(&format!("{{{}}}", p.name))))
                .map(|(i, _)| (i + 1).to_string())
                .collect();
            let what = if enables.is_empty() { "optional".to_string() } else { format!("optional, enables step {}", enables.join(", ")) };
            hint = if hint.is_empty() { what } else { format!("{what}: {hint}") };
        }
        let mut field = Field::new(&p.name, &p.default, &hint).labelled(&p.label);
        if p.kind == ParamKind::Secret {
            field = field.secret();
        }
        let pick = match p.kind {
            ParamKind::Server => Some(Source::Server),
            ParamKind::App => Some(Source::App),
            ParamKind::Database => Some(Source::Database),
            ParamKind::Zone => Some(Source::Zone),
            ParamKind::Host => Some(Source::Host),
            _ => None,
        };
        if let Some(src) = pick {
            field = field.picks(src);
        }
        fields.push(field);
        if let Some(suffix) = &p.confirm_unless_suffix {
            fields.push(
                Field::new(&confirm_field(&p.name), "", &format!("only if it does not end with {suffix}"))
                    .labelled(&format!("{} (again)", p.label)),
            );
        }
    }
    let mut f = Form::new(&format!("Start: {}", rb.plain_title()), FormKind::StartRun { runbook: rb.name.clone(), part: None }, fields);
    let about = rb.description.split_whitespace().collect::<Vec<_>>().join(" ");
    if !about.is_empty() {
        f.note.push(about);
    }
    f.note.push(format!("{} steps. Nothing runs until you start each step (x).", rb.steps.len()));
    f
}

/// Validates a parameter against what the console knows (servers, apps, zones).
fn check_value(cx: &Cx, kind: ParamKind, v: &str) -> Result<(), String> {
    crate::checklist::check_param(kind, v)?;
    match kind {
        ParamKind::Server if cx.world.load.loaded_once && cx.world.server_named(v).is_none() => {
            Err(format!("no server named {v} in the Hetzner context {}", cx.world.context_name()))
        }
        ParamKind::App => match &cx.world.coolify {
            Some(inv) if inv.app_by_name(v).is_none() => Err(format!("no Coolify application named {v}")),
            _ => Ok(()),
        },
        ParamKind::Database => match &cx.world.coolify {
            Some(inv) if inv.db_by_name(v).is_none() => Err(format!("no Coolify database named {v}")),
            _ => Ok(()),
        },
        ParamKind::Zone if !cx.world.zones.list.is_empty() && !cx.world.zones.list.iter().any(|z| z.name == v) => {
            Err(format!("no DNS zone {v} in the Hetzner context {}", cx.world.context_name()))
        }
        _ => Ok(()),
    }
}

fn collect_hosts(v: &serde_json::Value, f: &mut impl FnMut(&str)) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("host" | "source_host" | "target_host", serde_json::Value::String(h)) => f(h),
                    _ => collect_hosts(x, f),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_hosts(x, f)),
        _ => {}
    }
}

fn url_password(v: &str) -> Option<String> {
    crate::coolify::redact::url_password(v).map(str::to_string)
}

/// The Hetzner server a destructive step runs on, when no snapshot of it was
/// taken earlier in the run (and a step can go before it).
fn snapshot_offer(run: &Run, i: usize, step: &Step, cx: &Cx) -> Option<String> {
    let host = step.ssh.as_ref().map(|s| s.host.clone()).or_else(|| step.django.as_ref().map(|d| d.host.clone()))?;
    let server = cx.world.server_named(&host)?.name.clone();
    let taken = run.steps[..i].iter().any(|s| {
        s.state == StepState::Done
            && matches!(&s.step.api, Some(crate::checklist::runbook::ApiAction::Snapshot { server: x, .. })
                if render(x, &ChecklistPane::shown_params(run)) == server)
    });
    (i > 0 && !taken).then_some(server)
}

/// A destructive step right after a gate the operator passed.
fn after_gate(run: &Run, i: usize) -> bool {
    i > 0 && run.steps[i - 1].step.kind() == Kind::Gate && run.steps[i - 1].state == StepState::Done
}

/// The step as the screen shows it: parameters rendered, secrets masked.
pub fn shown_step(run: &Run, i: usize) -> Option<Step> {
    run.steps.get(i).map(|s| render_step(&s.step, &ChecklistPane::shown_params(run)))
}

/// Renders a text with the run's (masked) parameters.
pub fn shown_text(run: &Run, s: &str) -> String {
    render(s, &ChecklistPane::shown_params(run))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::TestCx;

    fn loaded(t: &mut TestCx, open_run: bool) -> ChecklistPane {
        let (runbooks, errors) = crate::checklist::runbook::load_all(None);
        assert!(errors.is_empty(), "{errors:?}");
        let mut runs = Vec::new();
        if open_run {
            let rb = &runbooks.iter().find(|(r, _)| r.name == "django-migrate").map(|(r, _)| r.clone()).unwrap_or_else(|| panic!("built in"));
            let values: BTreeMap<String, String> = [("host", "web-1"), ("dir", "/app"), ("python", "python"), ("database_url", "postgres://shop:pw@db/shop")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let ev = crate::checklist::start(rb, "r1", &values, BTreeMap::new(), t.now);
            runs.push(Run::replay(PathBuf::from("/nonexistent/r1.jsonl"), &[ev]).unwrap_or_else(|e| panic!("{e}")));
        }
        let mut p = ChecklistPane::default();
        assert_eq!(p.on_show(&mut t.cx()), [Effect::LoadChecklist]);
        p.on_msg(Msg::Loaded { runbooks: runbooks.into_iter().map(|(r, s)| (r, s.to_string())).collect(), campaigns: vec![], errors: vec![], runs }, &mut t.cx());
        p
    }

    #[test]
    fn the_campaign_board_opens_by_name_and_starting_from_it_is_a_write() {
        let mut t = TestCx::new();
        let mut p = loaded(&mut t, false);
        p.on_line("campaign", "", &mut t.cx());
        assert!(t.said().last().is_some_and(|m| m.starts_with("no campaigns: write one in")), "{:?}", t.said());
        let books: Vec<Runbook> = p.runbooks.iter().map(|(r, _)| r.clone()).collect();
        let c = Campaign::parse(
            std::path::Path::new("c.toml"),
            "name = \"c\"\n[[stages]]\nname = \"uat\"\nrunbooks = [\"move-site\"]\n[[sites]]\nname = \"shop\"\n[sites.params]\napp = \"shop-uat\"\n",
            &books,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        p.campaigns = vec![c];
        p.on_line("campaign", "", &mut t.cx());
        assert_eq!(p.view, View::Board, "the only campaign opens without its name");
        assert_eq!(p.writes(Command::Open), Some(REFUSED), "a cell with no open run starts one");
        p.on_command(Command::Open, &mut t.cx());
        let Some(Dialog::Form(f)) = &t.out.dialog else { panic!("the start form") };
        assert_eq!(f.get("app"), "shop-uat", "filled from the campaign");
        assert!(matches!(&f.kind, FormKind::StartRun { part: Some(pt), .. } if pt.site == "shop" && pt.stage == "uat"));
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.view, View::List);
    }

    #[test]
    fn an_unfinished_run_is_a_notice_until_it_is_opened() {
        let mut t = TestCx::new();
        let mut p = loaded(&mut t, true);
        assert!(matches!(&t.out.notice, Some(crate::app::cx::NoticeOp::Set(m)) if m.text.starts_with("unfinished run: Apply Django migrations")));
        assert_eq!(p.rows()[0], Row::Run(0), "open runs come first");
        p.on_command(Command::Open, &mut t.cx());
        // The database URL's password was masked in the journal: it is asked again.
        let Some(Dialog::Form(f)) = t.out.dialog.take() else { panic!("the secrets form opens") };
        assert_eq!(f.fields.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(), ["database_url"]);
        let mut f = f;
        f.fields[0].input.set("postgres://shop:pw@db/shop");
        assert!(p.submit(f, &mut t.cx()).is_ok());
        assert_eq!(p.view, View::Run);
        assert!(matches!(t.out.notice, Some(crate::app::cx::NoticeOp::Clear)));
    }

    #[test]
    fn every_list_key_moves_over_runbooks_and_steps() {
        let mut t = TestCx::new();
        t.height = 4;
        let mut p = loaded(&mut t, true);
        let n = p.rows().len();
        p.on_command(Command::Bottom, &mut t.cx());
        assert_eq!(p.cursor.pos, n - 1);
        p.on_command(Command::PageUp, &mut t.cx());
        assert_eq!(p.cursor.pos, n - 1 - 4);
        p.on_command(Command::Top, &mut t.cx());
        assert_eq!(p.cursor.pos, 0);
        p.values.insert("r1".into(), [("database_url".to_string(), "postgres://shop:pw@db/shop".to_string())].into());
        p.on_command(Command::Open, &mut t.cx());
        assert_eq!(p.view, View::Run);
        let steps = p.run().map(|r| r.steps.len()).unwrap_or(0);
        p.on_command(Command::Bottom, &mut t.cx());
        assert_eq!(p.step_cursor.pos, steps - 1);
        p.on_command(Command::PageUp, &mut t.cx());
        assert!(p.step_cursor.pos < steps - 1);
        p.on_command(Command::Top, &mut t.cx());
        assert_eq!(p.step_cursor.pos, 0);
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.view, View::List);
    }

    #[test]
    fn starting_a_run_is_a_write_and_the_form_is_read_by_parameter_name() {
        let mut t = TestCx::new();
        let mut p = loaded(&mut t, false);
        let first_runbook = p.rows().iter().position(|r| matches!(r, Row::Runbook(_))).unwrap_or(0);
        p.cursor.pos = first_runbook;
        assert_eq!(p.writes(Command::Open), Some(REFUSED));
        p.on_command(Command::Open, &mut t.cx());
        let Some(Dialog::Form(mut f)) = t.out.dialog.take() else { panic!("the start form opens") };
        assert!(f.fields.iter().all(|x| !x.key.contains(' ')), "fields are read by parameter name, not label");
        assert!(p.submit(f.clone(), &mut t.cx()).is_err(), "required parameters are empty");
        for field in &mut f.fields {
            if field.value().is_empty() {
                field.input.set(if field.key.contains("url") { "postgres://u:p@h/db" } else { "x.example.com" });
            }
        }
        let r = p.submit(f, &mut t.cx());
        // A preview first, whose yes starts the run.
        let Ok(Then::Dialog(d)) = r else { panic!("{:?}", r.err().map(|f| f.fields)) };
        let Dialog::Confirm(c) = *d else { panic!("a confirmation") };
        assert!(c.title.starts_with("Preview: "), "{}", c.title);
        assert!(c.lines.iter().any(|l| l.starts_with("   1. ")), "the steps are listed: {:?}", c.lines);
        assert!(matches!(&c.on_yes[..], [Effect::StartRun { .. }]));
    }

    #[test]
    fn a_destructive_step_cut_off_by_a_crash_is_never_run_again_blindly() {
        let mut t = TestCx::new();
        let rb = crate::checklist::runbook::Runbook::parse(
            std::path::Path::new("drop.toml"),
            "name = \"drop\"\ntitle = \"Drop\"\n[[steps]]\nid = \"drop\"\ntitle = \"Drop the old database\"\ndestructive = true\nssh = { host = \"db-1\", command = \"dropdb old\" }\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let start = crate::checklist::start(&rb, "r1", &BTreeMap::new(), BTreeMap::new(), t.now);
        // The journal ends with the step started: cutover stopped while it ran.
        let events = [start, crate::checklist::journal::Event::StepStarted { step: 0, at: t.now }];
        let run = Run::replay(PathBuf::from("/nonexistent/r1.jsonl"), &events).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.steps[0].state, StepState::Unknown);
        let mut p = ChecklistPane::default();
        p.on_show(&mut t.cx());
        p.on_msg(Msg::Loaded { runbooks: vec![(rb, "drop.toml".into())], campaigns: vec![], errors: vec![], runs: vec![run] }, &mut t.cx());
        p.on_command(Command::Open, &mut t.cx());
        assert_eq!(p.view, View::Run);
        let fx = p.on_command(Command::RunStep, &mut t.cx());
        assert!(fx.is_empty(), "nothing runs: {fx:?}");
        assert!(t.out.messages.iter().any(|m| m.text.contains("a destructive step is never re-run blindly")), "{:?}", t.out.messages);
    }

    #[test]
    fn passwords_in_url_parameters_are_secrets() {
        assert_eq!(url_password("postgres://shop:s3cret@db:5432/shop").as_deref(), Some("s3cret"));
        assert_eq!(url_password("postgres://shop@db/shop"), None);
        assert_eq!(url_password("postgres://shop:****@db/shop"), None);
    }
}
