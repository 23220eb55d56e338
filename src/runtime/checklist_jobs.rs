//! Runs checklist steps. Each step's start and end are appended to the run's
//! journal (and fsynced) before the console hears of them, so what the console
//! shows is always what a restart will find.

use super::jobs::{Services, env_of, resolve_target};
use crate::app::Action;
use crate::app::action::{Effect, ExecContext};
use crate::app::panes::checklist;
use crate::app::world::WorldMsg;
use crate::checklist::runbook::{self, ApiAction, Check, DjangoAction, DjangoAt, Kind, Progress, Step};
use crate::checklist::{Event, Journal, Outcome, Run};
use crate::coolify::redact::{mask_value, redact};
use crate::django::{self, MigrateEvent, MigrateParser};
use crate::hetzner::model::Rule;
use crate::logs::LineSplitter;
use crate::logs::sanitize::sanitize;
use crate::ssh::HostRef;
use crate::ssh::quote::{PID_MARK, docker_exec, find_container, pick_container, sh, with_pid};
use crate::ssh::{ExecEvent, Exit, Session};
use crate::verify::{rows, web};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;

/// Lines of a step's output kept in the journal and the report.
const TAIL: usize = 200;

pub async fn run(effect: Effect, sv: &Services, send: &impl Fn(Action, bool)) {
    match effect {
        Effect::LoadChecklist => load_checklist(sv, send),
        Effect::SaveCampaign { name, text } => {
            let r = save_campaign(sv, &name, &text);
            send(Action::Saved(r), false);
            load_checklist(sv, send);
        }
        Effect::StartRun { event } => {
            let r = start(sv, &event);
            send(Action::from(checklist::Msg::Created(r.map(Box::new))), true);
        }
        Effect::Journal { journal, event } => {
            let result = Journal::open(&journal).append(&event).map(|_| event).map_err(|e| format!("journal {}: {e}", journal.display()));
            drill_moved(&journal, send);
            send(Action::from(checklist::Msg::Event { journal, result }), true);
        }
        Effect::ExecStep { journal, index, template, step, ctx, settle } => {
            let ctx = with_coolify_names(sv, &step, *ctx).await;
            let (ctx_tx, rx) = watch::channel(false);
            super::jobs::lock(&sv.step_cancels).insert(journal.clone(), ctx_tx);
            let j = Journal::open(&journal);
            let r = if settle {
                settle_step(sv, &j, index, &step, &ctx, rx, send).await
            } else {
                exec_step(sv, &j, index, &template, &step, &ctx, rx, send).await
            };
            super::jobs::lock(&sv.step_cancels).remove(&journal);
            drill_moved(&journal, send);
            send(Action::from(checklist::Msg::Event { journal, result: r }), true);
        }
        _ => {}
    }
}

/// The context with Coolify's application and database names when the
/// console had not loaded them yet (a step started right after launch):
/// read from the API, so a name is never sent where a uuid belongs.
async fn with_coolify_names(sv: &Services, step: &Step, mut ctx: ExecContext) -> ExecContext {
    if !(ctx.apps.is_empty() && ctx.databases.is_empty() && names_coolify(step)) {
        return ctx;
    }
    let Some(c) = sv.coolify.clone() else { return ctx };
    // Bounded: a Coolify that does not answer must not hold the step long.
    if let Ok(Ok(inv)) = tokio::time::timeout(Duration::from_secs(20), c.inventory()).await {
        for a in &inv.applications {
            ctx.apps.insert(a.name.clone(), a.uuid.clone());
            ctx.apps.insert(a.uuid.clone(), a.uuid.clone());
        }
        for d in &inv.databases {
            ctx.databases.insert(d.name.clone(), d.uuid.clone());
            ctx.databases.insert(d.uuid.clone(), d.uuid.clone());
        }
    }
    ctx
}

/// Whether a step names a Coolify application or database (an API call on
/// one, or a command in one's container): only then are names resolved.
fn names_coolify(step: &Step) -> bool {
    let Ok(v) = serde_json::to_value(step) else { return false };
    let api = v["api"].as_object().and_then(|o| o.values().next()).and_then(|a| a.as_object());
    let filled = |x: &serde_json::Value| x.as_str().is_some_and(|s| !s.is_empty());
    api.is_some_and(|a| a.contains_key("app") || a.contains_key("database"))
        || filled(&v["ssh"]["container"])
        || filled(&v["django"]["container"])
}

/// A drill's journal moved on: the world hears how the drill stands now.
fn drill_moved(journal: &Path, send: &impl Fn(Action, bool)) {
    // A run's file is named by its id (`{when}-{runbook}[-N]`): only a
    // drill's journal is read again, not every run's after every event.
    if !crate::checklist::drill::may_be_drill(journal) {
        return;
    }
    let Ok(r) = Journal::open(journal).read() else { return };
    if let Ok(run) = Run::replay(journal.to_path_buf(), &r.events)
        && let Some((database, drill)) = crate::checklist::drill::Drill::of(&run)
    {
        send(Action::from(WorldMsg::Drill { database, drill }), false);
    }
}

/// Runbooks, campaigns and runs, read from their folders.
fn load_checklist(sv: &Services, send: &impl Fn(Action, bool)) {
    let (runbooks, errs) = runbook::load_all(sv.runbooks_dir.as_deref());
    let mut errors: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    let mut runs = Vec::new();
    if let Some(dir) = &sv.runs_dir {
        for path in crate::checklist::journal::list(dir) {
            match Journal::open(&path).read() {
                Ok(r) => {
                    errors.extend(r.skipped);
                    match Run::replay(path.clone(), &r.events) {
                        Ok(run) => runs.push(run),
                        Err(e) => errors.push(e),
                    }
                }
                Err(e) => errors.push(e),
            }
        }
    }
    // Drills are runs: the Databases pane shows the last of each database.
    send(Action::from(WorldMsg::Drills(crate::checklist::drill::latest(&runs))), false);
    let books: Vec<runbook::Runbook> = runbooks.iter().map(|(r, _)| r.clone()).collect();
    let (campaigns, cerrs) = crate::checklist::campaign::load_all(sv.campaigns_dir.as_deref(), &books);
    errors.extend(cerrs.iter().map(|e| e.to_string()));
    send(Action::from(checklist::Msg::Loaded { runbooks, campaigns, errors, runs }), true);
}

/// A drafted campaign, checked as the console reads campaigns, then written
/// to the campaigns folder (never over a file that is there).
fn save_campaign(sv: &Services, name: &str, text: &str) -> Result<String, String> {
    let dir = sv.campaigns_dir.clone().ok_or("no folder for campaigns (set XDG_CONFIG_HOME or HOME)")?;
    let path = dir.join(format!("{name}.toml"));
    let (books, _) = runbook::load_all(sv.runbooks_dir.as_deref());
    let books: Vec<runbook::Runbook> = books.into_iter().map(|(r, _)| r).collect();
    crate::checklist::campaign::Campaign::parse(&path, text, &books).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(format!("campaign {name} saved to {}: `:campaign {name}` shows its board", path.display()))
}

fn start(sv: &Services, event: &Event) -> Result<Run, String> {
    let Event::Started { id, .. } = event else { return Err("not a start event".into()) };
    let dir = sv.runs_dir.clone().ok_or("no directory for runs (set XDG_STATE_HOME or HOME)")?;
    let j = Journal::create(&dir, id).map_err(|e| format!("creating the journal in {}: {e}", dir.display()))?;
    j.append(event).map_err(|e| format!("journal {}: {e}", j.path.display()))?;
    Run::replay(j.path.clone(), std::slice::from_ref(event))
}

/// What a step produced.
#[derive(Default)]
struct Produced {
    notes: Vec<String>,
    insert: Vec<Step>,
    /// Values for later steps' placeholders.
    found: std::collections::BTreeMap<String, String>,
}

/// Collects output: live to the console in batches, the tail for the journal.
struct Out<'a, F: Fn(Action, bool)> {
    journal: PathBuf,
    send: &'a F,
    secrets: Vec<String>,
    batch: Vec<(String, bool)>,
    tail: std::collections::VecDeque<String>,
    last_flush: tokio::time::Instant,
}

impl<'a, F: Fn(Action, bool)> Out<'a, F> {
    fn new(journal: &Path, send: &'a F, ctx: &ExecContext) -> Self {
        Out {
            journal: journal.to_path_buf(),
            send,
            secrets: ctx.secrets.clone(),
            batch: Vec::new(),
            tail: Default::default(),
            last_flush: tokio::time::Instant::now(),
        }
    }

    fn line(&mut self, text: &str, err: bool) {
        let clean = redact(&sanitize(text.as_bytes()), &self.secrets);
        self.tail.push_back(clean.clone());
        if self.tail.len() > TAIL {
            self.tail.pop_front();
        }
        self.batch.push((clean, err));
        if self.batch.len() >= 50 || self.last_flush.elapsed() > Duration::from_millis(100) {
            self.flush();
        }
    }

    fn lines(&mut self, text: &str) {
        for l in text.lines() {
            self.line(l, false);
        }
    }

    /// What a command wrote on stderr: shown, never parsed.
    fn err_lines(&mut self, text: &str) {
        for l in text.lines() {
            self.line(l, true);
        }
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            (self.send)(
                Action::from(checklist::Msg::Output { journal: self.journal.clone(), lines: std::mem::take(&mut self.batch) }),
                false,
            );
        }
        self.last_flush = tokio::time::Instant::now();
    }

    fn done(mut self) -> Vec<String> {
        self.flush();
        self.tail.into_iter().collect()
    }
}

#[allow(clippy::too_many_arguments)]
async fn exec_step(
    sv: &Services,
    j: &Journal,
    index: usize,
    template: &Step,
    step: &Step,
    ctx: &ExecContext,
    cancel: watch::Receiver<bool>,
    send: &impl Fn(Action, bool),
) -> Result<Event, String> {
    let started = Event::StepStarted { step: index, at: Utc::now() };
    j.append(&started).map_err(|e| format!("journal {}: {e}", j.path.display()))?;
    send(Action::from(checklist::Msg::Event { journal: j.path.clone(), result: Ok(started) }), false);
    let mut out = Out::new(&j.path, send, ctx);
    // A panic in a step is that step's failure: journaled, never "running" for ever.
    let r = super::guarded(execute(sv, template, step, ctx, cancel, &mut out))
        .await
        .unwrap_or_else(|p| Err(Failure::new(format!("internal error: {p}"), true)));
    let tail = out.done();
    let (outcome, notes, insert, found) = match r {
        Ok(p) => (Outcome::Done, p.notes, p.insert, p.found),
        Err(Failure { message, retryable }) => {
            (Outcome::Failed { message: redact(&message, &ctx.secrets), retryable }, vec![], vec![], Default::default())
        }
    };
    if !insert.is_empty() {
        let ev = Event::StepsInserted { after: index, steps: insert };
        j.append(&ev).map_err(|e| format!("journal {}: {e}", j.path.display()))?;
        send(Action::from(checklist::Msg::Event { journal: j.path.clone(), result: Ok(ev) }), false);
    }
    let notes = notes.iter().map(|n| redact(n, &ctx.secrets)).collect();
    let fin = Event::StepFinished { step: index, at: Utc::now(), outcome, output: tail, notes, found };
    j.append(&fin).map_err(|e| format!("journal {}: {e}", j.path.display()))?;
    Ok(fin)
}

/// Settles a step whose outcome is unknown: its check decides.
async fn settle_step(
    sv: &Services,
    j: &Journal,
    index: usize,
    step: &Step,
    ctx: &ExecContext,
    cancel: watch::Receiver<bool>,
    send: &impl Fn(Action, bool),
) -> Result<Event, String> {
    let mut out = Out::new(&j.path, send, ctx);
    let check = step.settling_check();
    let outcome = match &check {
        Some(c) => match super::guarded(run_check(sv, c, ctx, &cancel, &mut out))
            .await
            .unwrap_or_else(|p| Err(Failure::new(format!("internal error: {p}"), true)))
        {
            Ok(()) => Outcome::Done,
            Err(f) => Outcome::Failed { message: redact(&f.message, &ctx.secrets), retryable: step.retryable() },
        },
        None => return Err("this step has no check: mark it done or failed yourself".into()),
    };
    out.done();
    let how = format!("checked after an interruption: {}", check.as_ref().map(Check::summary).unwrap_or_default());
    let ev = Event::Resolved { step: index, at: Utc::now(), outcome, how: redact(&how, &ctx.secrets) };
    j.append(&ev).map_err(|e| format!("journal {}: {e}", j.path.display()))?;
    Ok(ev)
}

struct Failure {
    message: String,
    retryable: bool,
}

impl Failure {
    fn new(message: impl Into<String>, retryable: bool) -> Failure {
        Failure { message: message.into(), retryable }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { message, retryable: true }
    }
}

async fn execute<F: Fn(Action, bool)>(
    sv: &Services,
    template: &Step,
    step: &Step,
    ctx: &ExecContext,
    mut cancel: watch::Receiver<bool>,
    out: &mut Out<'_, F>,
) -> Result<Produced, Failure> {
    let retry = step.retryable();
    match step.kind() {
        Kind::Manual | Kind::Gate => Ok(Produced::default()),
        Kind::Ssh => {
            let s = step.ssh.as_ref().ok_or_else(|| Failure::new("no ssh table", false))?;
            let session = connect(sv, ctx, &s.host).await?;
            let timeout = s
                .timeout
                .as_deref()
                .and_then(|t| crate::config::duration::parse(t, Duration::ZERO, crate::config::duration::MAX_STEP).ok());
            let mut progress = ProgressCount::new(s.progress);
            let place = place_of(ctx, &session, s).await?;
            let keep = s.keep.as_deref().and_then(|k| regex::Regex::new(k).ok());
            let mut kept: Vec<String> = Vec::new();
            let stdin = s.stdin.as_deref().filter(|f| !f.is_empty());
            let (command, input) = placed_with(&s.command, &ctx.pgpass, &place, stdin);
            let began = tokio::time::Instant::now();
            let (exit, _) = stream_raw(&session, &command, input.as_deref(), &mut cancel, timeout, |l| match l {
                Some((l, err)) => {
                    if let Some(p) = progress.line(l) {
                        out.line(&p, false);
                    }
                    if keep.as_ref().is_some_and(|k| k.is_match(l)) && kept.len() < 20 {
                        kept.push(l.to_string());
                    }
                    out.line(l, err);
                }
                None => out.flush(),
            })
            .await
            .map_err(|e| Failure::new(e, retry))?;
            match exit {
                Exit::Code(c) if c == s.exit => {
                    let mut notes: Vec<String> = progress.note().into_iter().collect();
                    // How long a restore takes is the recovery time a drill measures.
                    if s.progress == Some(Progress::PgRestore) {
                        notes.push(format!("restore took {:.1} s", began.elapsed().as_secs_f64()));
                    }
                    notes.extend(kept);
                    Ok(Produced { notes, ..Default::default() })
                }
                other => Err(Failure::new(format!("{other} (expected exit status {})", s.exit), retry)),
            }
        }
        Kind::Api => {
            let a = step.api.as_ref().ok_or_else(|| Failure::new("no api table", false))?;
            api(sv, a, ctx, &cancel, out).await.map_err(|e| Failure::new(e, retry))
        }
        Kind::Verify => {
            let c = step.verify.as_ref().ok_or_else(|| Failure::new("no check", false))?;
            run_check(sv, c, ctx, &cancel, out).await.map(|_| Produced::default())
        }
        Kind::Wait => {
            let w = step.wait.as_ref().ok_or_else(|| Failure::new("no wait table", false))?;
            use crate::config::duration::{MAX_STEP, parse};
            let timeout = parse(&w.timeout, Duration::ZERO, MAX_STEP).map_err(|e| Failure::new(e, false))?;
            let every = parse(&w.interval, Duration::from_secs(1), MAX_STEP).unwrap_or(Duration::from_secs(10));
            let deadline = crate::config::duration::deadline(tokio::time::Instant::now(), timeout);
            let wall = chrono::Duration::from_std(timeout).ok().and_then(|d| Utc::now().checked_add_signed(d)).unwrap_or(Utc::now());
            loop {
                // Every attempt's lines go to the screen and the journal's tail.
                match run_check(sv, &w.check, ctx, &cancel, out).await {
                    Ok(()) => return Ok(Produced::default()),
                    Err(f) => {
                        if crate::config::duration::deadline(tokio::time::Instant::now(), every) > deadline {
                            out.line(&f.message, true);
                            return Err(Failure::new(format!("still not so after {}: {}", w.timeout, f.message), true));
                        }
                        out.flush();
                        (out.send)(
                            Action::from(checklist::Msg::Waiting {
                                journal: out.journal.clone(),
                                deadline: wall,
                                status: redact(&f.message, &ctx.secrets),
                            }),
                            false,
                        );
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = cancel.changed() => return Err(Failure::new("cancelled by the operator", true)),
                }
            }
        }
        Kind::Django => {
            let d = step.django.as_ref().ok_or_else(|| Failure::new("no django table", false))?;
            let t = template.django.as_ref().ok_or_else(|| Failure::new("no django table", false))?;
            let session = connect(sv, ctx, &d.host).await?;
            let at = at_in_container(&session, &d.at(), ctx).await?;
            match d.action() {
                DjangoAction::Plan => {
                    let cmd = manage_command(&at, "showmigrations --plan", None, None);
                    let (exit, text, err) = capture(&session, &ctx.pgpass, &cmd, &mut cancel).await?;
                    out.lines(&text);
                    out.err_lines(&err);
                    if exit != Exit::Code(0) {
                        return Err(Failure::new(format!("showmigrations: {exit}"), true));
                    }
                    let plan = django::parse_plan(&text).map_err(|e| Failure::new(e, true))?;
                    let pending: Vec<&django::Migration> =
                        plan.iter().filter(|m| !m.applied && d.app.as_deref().is_none_or(|a| a.is_empty() || a == m.app)).collect();
                    let mut insert = Vec::new();
                    for m in &pending {
                        let label = m.label();
                        let mut lint = template.clone();
                        lint.id = format!("{}-lint-{label}", step.id);
                        lint.title = format!("Review {label}");
                        lint.text = "Its SQL, linted for locks and for what breaks the running release.".into();
                        lint.check = None;
                        let mut dj = t.clone();
                        dj.migration = Some(label.clone());
                        dj.action = Some(DjangoAction::Lint);
                        lint.django = Some(dj.clone());
                        let mut mig = lint.clone();
                        mig.id = format!("{}-migrate-{label}", step.id);
                        mig.title = format!("Apply {label}");
                        mig.text =
                            format!("On its own, with lock_timeout {} and statement_timeout {}.", t.lock_timeout, t.statement_timeout);
                        dj.action = Some(DjangoAction::Migrate);
                        mig.django = Some(dj);
                        insert.push(lint);
                        insert.push(mig);
                    }
                    let note = if pending.is_empty() {
                        "nothing to apply".to_string()
                    } else {
                        format!("{} pending: {}", pending.len(), pending.iter().map(|m| m.label()).collect::<Vec<_>>().join(", "))
                    };
                    Ok(Produced { notes: vec![note], insert, ..Default::default() })
                }
                DjangoAction::Lint => {
                    let m = d.migration.clone().unwrap_or_default();
                    let (app, name) = m.split_once('.').ok_or_else(|| Failure::new(format!("`{m}` is not app.name"), false))?;
                    let (exit, sql, err) = capture(
                        &session,
                        &ctx.pgpass,
                        &manage_command(&at, &format!("sqlmigrate {} {}", sh(app), sh(name)), None, None),
                        &mut cancel,
                    )
                    .await?;
                    out.lines(&sql);
                    out.err_lines(&err);
                    if exit != Exit::Code(0) {
                        return Err(Failure::new(format!("sqlmigrate: {exit}"), true));
                    }
                    let lint = django::lint_sql(&sql, &d.pg_version);
                    out.line("--- lint ---", false);
                    if lint.lines().is_empty() {
                        out.line("no findings", false);
                    }
                    for l in lint.lines() {
                        out.line(&l, l.starts_with("BLOCK"));
                    }
                    let mut notes =
                        vec![format!("{} blocking finding(s), {} for manual review", lint.blocking(), lint.manual_review.len())];
                    let mut insert = Vec::new();
                    if lint.blocking() > 0 || !lint.manual_review.is_empty() {
                        let rules: Vec<String> =
                            lint.findings.iter().filter(|f| f.severity == django::Severity::Block).map(|f| f.rule.clone()).collect();
                        let mut what = Vec::new();
                        if !rules.is_empty() {
                            what.push(format!("blocking: {}", rules.join(", ")));
                        }
                        for r in &lint.manual_review {
                            what.push(format!("read by hand: {r}"));
                        }
                        insert.push(Step {
                            id: format!("{}-ack", template.id),
                            title: format!("Apply {m} anyway?"),
                            text: format!("{}. See the review step's output for the SQL and the fixes.", what.join("; ")),
                            destructive: false,
                            retry: None,
                            when: None,
                            requires: Vec::new(),
                            check: None,
                            ssh: None,
                            api: None,
                            verify: None,
                            wait: None,
                            gate: Some(runbook::Gate { confirm: m.clone() }),
                            django: None,
                        });
                        notes.push("acknowledge the findings to go on".into());
                    }
                    Ok(Produced { notes, insert, ..Default::default() })
                }
                DjangoAction::Migrate => {
                    let m = d.migration.clone().unwrap_or_default();
                    let (app, name) = m.split_once('.').ok_or_else(|| Failure::new(format!("`{m}` is not app.name"), false))?;
                    let cmd = manage_command(
                        &at,
                        &format!("migrate {} {}", sh(app), sh(name)),
                        Some(&d.lock_timeout),
                        Some(&d.statement_timeout),
                    );
                    let mut parser = MigrateParser::default();
                    let mut events = Vec::new();
                    let (exit, _) = stream(&session, &ctx.pgpass, &cmd, &mut cancel, None, |l| match l {
                        Some((l, err)) => {
                            events.extend(parser.line(l));
                            out.line(l, err);
                        }
                        None => out.flush(),
                    })
                    .await
                    .map_err(|e| Failure::new(e, false))?;
                    let applied = events.iter().any(|e| matches!(e, MigrateEvent::Applied(x) if *x == m));
                    if exit == Exit::Code(0) {
                        let note = if applied { format!("applied {m}") } else { format!("{m} was already applied") };
                        return Ok(Produced { notes: vec![note], ..Default::default() });
                    }
                    if events.contains(&MigrateEvent::LockTimeout) {
                        return Err(Failure::new(
                            format!(
                                "lock timeout ({}): another transaction held a lock on the table; {m} was rolled back. Retry when the site is quieter.",
                                d.lock_timeout
                            ),
                            true,
                        ));
                    }
                    if events.contains(&MigrateEvent::StatementTimeout) {
                        return Err(Failure::new(
                            format!("statement timeout ({}): {m} ran too long and was rolled back", d.statement_timeout),
                            true,
                        ));
                    }
                    Err(Failure::new(
                        format!(
                            "{m} failed ({exit}). Stop here: an atomic migration was rolled back, a non-atomic one may be half applied. Migrations are not time travel: fix forward with a new migration, or restore the backup taken before."
                        ),
                        false,
                    ))
                }
            }
        }
    }
}

/// `pg_dump -v` / `pg_restore -v` lines turned into a count.
struct ProgressCount {
    kind: Option<Progress>,
    tables: usize,
}

impl ProgressCount {
    fn new(kind: Option<Progress>) -> Self {
        ProgressCount { kind, tables: 0 }
    }

    fn line(&mut self, l: &str) -> Option<String> {
        let hit = match self.kind? {
            Progress::PgDump => l.contains("dumping contents of table"),
            Progress::PgRestore => l.contains("finished item") && l.contains("TABLE DATA") || l.contains("processing data for table"),
        };
        if !hit {
            return None;
        }
        self.tables += 1;
        Some(format!("[progress] {} table(s) {}", self.tables, if self.kind == Some(Progress::PgDump) { "dumped" } else { "restored" }))
    }

    fn note(&self) -> Option<String> {
        self.kind.map(|k| format!("{} table(s) {}", self.tables, if k == Progress::PgDump { "dumped" } else { "restored" }))
    }
}

async fn connect(sv: &Services, ctx: &ExecContext, host: &str) -> Result<Session, Failure> {
    let href = ctx.hosts.get(host).cloned().unwrap_or_else(|| HostRef::Alias(host.to_string()));
    let target = resolve_target(sv, &href).await.map_err(|e| Failure::new(e.to_string(), true))?;
    let env = env_of(sv).map_err(|e| Failure::new(e, false))?;
    Session::connect(&target, &env).await.map_err(|e| Failure::new(format!("ssh {host}: {e}"), true))
}

/// Runs a command, line by line into `on` (`Some((line, is_stderr))`, and
/// `None` every 100 ms so batched output reaches the screen in a quiet
/// spell), until it ends, times out or is cancelled (then killed by pid:
/// OpenSSH ignores signals for root logins).
async fn stream(
    session: &Session,
    pg: &[String],
    command: &str,
    cancel: &mut watch::Receiver<bool>,
    timeout: Option<Duration>,
    on: impl FnMut(Option<(&str, bool)>),
) -> Result<(Exit, ()), String> {
    let (command, input) = placed(command, pg, &Place::Host);
    stream_raw(session, &command, input.as_deref(), cancel, timeout, on).await
}

/// Runs an already placed command (see `placed`), feeding `input` to it.
async fn stream_raw(
    session: &Session,
    command: &str,
    input: Option<&[u8]>,
    cancel: &mut watch::Receiver<bool>,
    timeout: Option<Duration>,
    mut on: impl FnMut(Option<(&str, bool)>),
) -> Result<(Exit, ()), String> {
    let mut exec = session.exec_input(&with_pid(command), input).await.map_err(|e| e.to_string())?;
    let mut out = LineSplitter::new(1 << 20);
    let mut err = LineSplitter::new(1 << 20);
    let mut pid: Option<u32> = None;
    let deadline = timeout.map(|t| crate::config::duration::deadline(tokio::time::Instant::now(), t));
    let kill = |pid: Option<u32>| async move {
        if let Some(p) = pid {
            let _ = tokio::time::timeout(Duration::from_secs(10), session.run(&format!("kill -TERM -- -{p} 2>/dev/null; kill -TERM {p}")))
                .await;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = exec.events.recv() => match ev {
                Some(ExecEvent::Stdout(b)) => out.push(&b, |l| on(Some((&String::from_utf8_lossy(l), false)))),
                Some(ExecEvent::Stderr(b)) => err.push(&b, |l| {
                    if pid.is_none()
                        && let Some(p) = std::str::from_utf8(l).ok().and_then(|s| s.strip_prefix(PID_MARK)).and_then(|p| p.trim().parse().ok())
                    {
                        pid = Some(p);
                        return;
                    }
                    on(Some((&String::from_utf8_lossy(l), true)))
                }),
                Some(ExecEvent::End(exit)) => {
                    out.finish(|l| on(Some((&String::from_utf8_lossy(l), false))));
                    err.finish(|l| on(Some((&String::from_utf8_lossy(l), true))));
                    return Ok((exit, ()));
                }
                None => return Err("the SSH channel closed without an exit status: the outcome is unknown".into()),
            },
            _ = cancel.changed() => {
                exec.signal(russh::Sig::TERM).await;
                kill(pid).await;
                return Err("cancelled by the operator (the command was killed)".into());
            }
            _ = sleep => {
                kill(pid).await;
                return Err(format!("timed out after {}", humantime::format_duration(timeout.unwrap_or_default())));
            }
            _ = tick.tick() => on(None),
        }
    }
}

/// Runs a short command and returns its exit status, stdout and stderr
/// apart: a value read from stdout must not take in what a login script
/// says on stderr (a shell's `pyenv: cannot rehash`).
async fn capture(
    session: &Session,
    pg: &[String],
    command: &str,
    cancel: &mut watch::Receiver<bool>,
) -> Result<(Exit, String, String), Failure> {
    let (mut out, mut err) = (String::new(), String::new());
    let (exit, _) = stream(session, pg, command, cancel, Some(Duration::from_secs(600)), |l| {
        if let Some((l, is_err)) = l {
            let to = if is_err { &mut err } else { &mut out };
            to.push_str(l);
            to.push('\n');
        }
    })
    .await
    .map_err(|e| Failure::new(e, true))?;
    Ok((exit, out, err))
}

/// What a failed command said: its stderr, else its stdout.
fn said(out: &str, err: &str) -> String {
    if err.trim().is_empty() { out.trim().to_string() } else { err.trim().to_string() }
}

/// Where a step's command runs.
enum Place {
    Host,
    /// `docker exec -i` into this container.
    Container(String),
    /// `docker run --rm -i --network host` of this image, a directory mounted.
    Image {
        image: String,
        mount: Option<String>,
    },
}

/// The command as it runs, and its input: the PGPASSFILE wrapper innermost
/// (so it is created where libpq runs, inside a container if there is one),
/// then the container around it; the password lines go in on stdin.
fn placed(command: &str, pg: &[String], place: &Place) -> (String, Option<Vec<u8>>) {
    placed_with(command, pg, place, None)
}

/// As `placed`, with a host file after the password lines on stdin.
fn placed_with(command: &str, pg: &[String], place: &Place, stdin: Option<&str>) -> (String, Option<Vec<u8>>) {
    let (inner, input) = if pg.is_empty() {
        (command.to_string(), None)
    } else {
        (crate::checklist::libpq::wrap(command, pg.len()), Some(crate::checklist::libpq::input(pg)))
    };
    let run = match place {
        Place::Host => format!("sh -c {}", sh(&inner)),
        Place::Container(name) => format!("docker exec -i {} sh -c {}", sh(name), sh(&inner)),
        Place::Image { image, mount } => {
            let m = mount.as_deref().map(|d| format!(" -v {}", sh(&format!("{d}:{d}")))).unwrap_or_default();
            format!("docker run --rm -i --network host{m} {} sh -c {}", sh(image), sh(&inner))
        }
    };
    match stdin {
        // What cutover sends (the password lines, then end of file), then the file.
        Some(file) => (format!("{{ cat; cat {}; }} | {run}", sh(file)), Some(input.unwrap_or_default())),
        None if matches!(place, Place::Host) => (inner, input),
        None => (run, input),
    }
}

/// Where an ssh step runs: a Coolify container found by its uuid, a
/// throwaway image, or the host.
async fn place_of(ctx: &ExecContext, session: &Session, s: &runbook::Ssh) -> Result<Place, Failure> {
    if let Some(c) = s.container.as_deref().filter(|c| !c.is_empty()) {
        let uuid = ctx.databases.get(c).or_else(|| ctx.apps.get(c)).cloned().unwrap_or_else(|| c.to_string());
        let ps = session.run(&find_container(&uuid)).await.map_err(|e| Failure::new(e.to_string(), true))?;
        let name = pick_container(&ps.stdout_text(), &uuid)
            .ok_or_else(|| Failure::new(format!("no running container of {c} on this host"), true))?;
        return Ok(Place::Container(name));
    }
    if let Some(i) = s.image.as_deref().filter(|i| !i.is_empty()) {
        return Ok(Place::Image { image: i.to_string(), mount: s.mount.clone().filter(|m| !m.is_empty()) });
    }
    Ok(Place::Host)
}

/// `manage.py` with the project's environment; `PGOPTIONS` carries the timeouts
/// into Django's connection.
pub fn manage_command(at: &DjangoAt, args: &str, lock_timeout: Option<&str>, statement_timeout: Option<&str>) -> String {
    let mut env: Vec<String> =
        at.env.iter().filter(|kv| kv.split_once('=').is_some_and(|(k, v)| !k.is_empty() && !v.is_empty())).map(|kv| sh(kv)).collect();
    env.push("PYTHONUNBUFFERED=1".into());
    let mut opts = Vec::new();
    if let Some(l) = lock_timeout {
        opts.push(format!("-c lock_timeout={l}"));
    }
    if let Some(s) = statement_timeout {
        opts.push(format!("-c statement_timeout={s}"));
    }
    if !opts.is_empty() {
        env.push(sh(&format!("PGOPTIONS={}", opts.join(" "))));
    }
    let inner = format!("cd {} && env {} {} manage.py {args} --no-color", sh(&at.dir), env.join(" "), sh(&at.python));
    match at.container.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => docker_exec(c, &inner),
        None => inner,
    }
}

/// Resolves a container's application name to its running container's name.
async fn at_in_container(session: &Session, at: &DjangoAt, ctx: &ExecContext) -> Result<DjangoAt, Failure> {
    let Some(app) = at.container.as_deref().filter(|c| !c.is_empty()) else { return Ok(at.clone()) };
    let uuid = ctx.apps.get(app).cloned().unwrap_or_else(|| app.to_string());
    let ps = session.run(&find_container(&uuid)).await.map_err(|e| Failure::new(e.to_string(), true))?;
    let name = pick_container(&ps.stdout_text(), &uuid).ok_or_else(|| Failure::new(format!("no running container of {app}"), true))?;
    Ok(DjangoAt { container: Some(name), ..at.clone() })
}

/// Runs one check; `Ok` when it holds. Output lines say what was seen.
async fn run_check<F: Fn(Action, bool)>(
    sv: &Services,
    c: &Check,
    ctx: &ExecContext,
    cancel: &watch::Receiver<bool>,
    out: &mut Out<'_, F>,
) -> Result<(), Failure> {
    let mut cancel = cancel.clone();
    match c {
        Check::Http { url, status, contains, server, connect_to, insecure } => {
            let ip = connect_ip(ctx, server.as_deref(), connect_to.as_deref())?;
            let r = web::get(url, ip, &sv.web, *insecure).await.map_err(|e| Failure::new(e, true))?;
            out.line(&format!("GET {url} -> {} (at {})", r.status, r.addr), false);
            if *insecure && let Some(c) = &r.cert {
                // Said plainly: this check did not judge the certificate.
                out.line(&format!("certificate accepted without checking: issued by {} for {}", c.issuer, c.names.join(", ")), false);
            }
            if r.status != *status {
                let host = url.split("://").nth(1).and_then(|h| h.split(['/', ':']).next()).unwrap_or("");
                let why = web::explain(r.status, &r.body, host).unwrap_or_else(|| format!("{url} answered {}, not {status}", r.status));
                return Err(Failure::new(why, true));
            }
            if let Some(want) = contains.as_deref().filter(|w| !w.is_empty())
                && !r.body.contains(want)
            {
                return Err(Failure::new(format!("{url} answered {} without `{want}` in the page", r.status), true));
            }
            Ok(())
        }
        Check::TtlPassed { after } => {
            let (finished, notes) =
                ctx.steps.get(after).cloned().ok_or_else(|| Failure::new(format!("no step `{after}` in this run"), false))?;
            let finished = finished.ok_or_else(|| Failure::new(format!("step `{after}` has not finished"), false))?;
            let ttl = old_ttl(&notes).ok_or_else(|| Failure::new(format!("step `{after}` recorded no old TTL"), false))?;
            let until = finished + chrono::Duration::seconds(ttl as i64);
            let now = Utc::now();
            if now >= until {
                out.line(&format!("the old TTL ({ttl} s) ran out at {}: resolvers hold the new TTL now", until.format("%H:%M:%S")), false);
                Ok(())
            } else {
                let left = (until - now).num_seconds().max(1);
                Err(Failure::new(
                    format!(
                        "resolvers may hold the old answer for {}:{:02} more (old TTL {ttl} s, until {})",
                        left / 60,
                        left % 60,
                        until.format("%H:%M:%S")
                    ),
                    true,
                ))
            }
        }
        Check::Tls { host, port, min_days, server, connect_to } => {
            let ip = connect_ip(ctx, server.as_deref(), connect_to.as_deref())?;
            let r = web::get(&format!("https://{host}:{port}/"), ip, &sv.web, false).await.map_err(|e| Failure::new(e, true))?;
            let msg = web::check_cert(r.cert.as_ref(), host, *min_days, Utc::now()).map_err(|e| Failure::new(e, true))?;
            out.line(&msg, false);
            Ok(())
        }
        Check::Dns { name, rtype, values, server } => {
            let expected = server_values(ctx, server.as_deref(), rtype, values).map_err(|e| Failure::new(e, false))?;
            let p = crate::dns::propagation::check(name, rtype, &expected, &sv.dns).await.map_err(|e| Failure::new(e, true))?;
            for l in p.lines() {
                out.line(&l, false);
            }
            if p.propagated() {
                Ok(())
            } else {
                let old: Vec<String> = p
                    .authoritative
                    .iter()
                    .filter(|a| a.values != expected)
                    .map(|a| format!("{} says {}", a.server, a.values.join(" ")))
                    .collect();
                Err(Failure::new(format!("not propagated: {}", old.join("; ")), true))
            }
        }
        Check::Command { host, command, matches, exit } => {
            let session = connect(sv, ctx, host).await?;
            let (code, text, err) = capture(&session, &ctx.pgpass, command, &mut cancel).await?;
            out.lines(&text);
            out.err_lines(&err);
            if code != Exit::Code(*exit) {
                return Err(Failure::new(format!("`{command}`: {code} (expected {exit})"), true));
            }
            if let Some(m) = matches.as_deref().filter(|m| !m.is_empty()) {
                let re = regex::Regex::new(m).map_err(|e| Failure::new(format!("bad pattern `{m}`: {e}"), false))?;
                if !re.is_match(&text) {
                    return Err(Failure::new(format!("the output of `{command}` does not match {m}"), true));
                }
            }
            Ok(())
        }
        Check::Migrated(at) => {
            let session = connect(sv, ctx, &at.host).await?;
            let at = at_in_container(&session, at, ctx).await?;
            let (code, text, err) =
                capture(&session, &ctx.pgpass, &manage_command(&at, "migrate --check --plan", None, None), &mut cancel).await?;
            out.lines(&text);
            out.err_lines(&err);
            match code {
                Exit::Code(0) => Ok(()),
                Exit::Code(1) => Err(Failure::new("migrations are still pending (see the plan above)", true)),
                other => Err(Failure::new(format!("migrate --check: {other}"), true)),
            }
        }
        Check::Applied { at, migration } => {
            let (app, name) = migration.split_once('.').ok_or_else(|| Failure::new(format!("`{migration}` is not app.name"), false))?;
            let session = connect(sv, ctx, &at.host).await?;
            let at = at_in_container(&session, at, ctx).await?;
            let (code, text, err) = capture(
                &session,
                &ctx.pgpass,
                &manage_command(&at, &format!("showmigrations --plan {}", sh(app)), None, None),
                &mut cancel,
            )
            .await?;
            out.lines(&text);
            out.err_lines(&err);
            if code != Exit::Code(0) {
                return Err(Failure::new(format!("showmigrations: {code}"), true));
            }
            let plan = django::parse_plan(&text).map_err(|e| Failure::new(e, true))?;
            match plan.iter().find(|m| m.app == app && m.name == name) {
                Some(m) if m.applied => Ok(()),
                Some(_) => Err(Failure::new(format!("{migration} is not applied"), true)),
                None => Err(Failure::new(format!("no migration {migration} in the project"), false)),
            }
        }
        Check::RowCounts { source_host, source_url, target_host, target_url, checksum, only, tolerance } => {
            let percent = match tolerance.trim().trim_end_matches('%').trim() {
                "" => 0.0,
                t => t
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=100.0).contains(p))
                    .ok_or_else(|| Failure::new(format!("tolerance `{tolerance}` is not a percentage from 0 to 100"), false))?,
            };
            let src = connect(sv, ctx, source_host).await?;
            let dst = if target_host == source_host { None } else { Some(connect(sv, ctx, target_host).await?) };
            let dst_ref = dst.as_ref().unwrap_or(&src);
            let mut a = count_rows(&src, &ctx.pgpass, source_url, &mut cancel).await?;
            let mut b = count_rows(dst_ref, &ctx.pgpass, target_url, &mut cancel).await?;
            let only: Vec<String> = only
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| if t.contains('.') { t.to_string() } else { format!("public.{t}") })
                .collect();
            if !only.is_empty() {
                a.retain(|t, _| only.contains(t));
                b.retain(|t, _| only.contains(t));
                out.line(&format!("comparing {} only (the source may still be written to)", only.join(", ")), false);
            }
            for (t, n) in &a {
                out.line(&format!("{t}: {n} / {}", b.get(t).map(|m| m.to_string()).unwrap_or_else(|| "missing".into())), false);
            }
            let diff = rows::compare_within(&a, &b, percent);
            if !diff.is_empty() {
                for d in &diff {
                    out.line(d, true);
                }
                return Err(Failure::new(format!("row counts differ: {}", diff.join("; ")), true));
            }
            for t in checksum.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let sql = rows::checksum_sql(t).map_err(|e| Failure::new(e, false))?;
                let (c1, x, xe) = capture(&src, &ctx.pgpass, &rows::psql(source_url, &sql), &mut cancel).await?;
                let (c2, y, ye) = capture(dst_ref, &ctx.pgpass, &rows::psql(target_url, &sql), &mut cancel).await?;
                if c1 != Exit::Code(0) || c2 != Exit::Code(0) {
                    return Err(Failure::new(
                        format!("checksum of {t}: {}", if c1 != Exit::Code(0) { said(&x, &xe) } else { said(&y, &ye) }),
                        true,
                    ));
                }
                // What the hosts said besides (login scripts): shown, never compared.
                for l in xe.lines().chain(ye.lines()).filter(|l| !l.trim().is_empty()) {
                    out.line(l, true);
                }
                let (x, y) = (x.trim(), y.trim());
                out.line(&format!("checksum {t}: {x} / {y}"), x != y);
                if x != y {
                    return Err(Failure::new(format!("the rows of {t} differ (checksums {x} and {y})"), true));
                }
            }
            if percent > 0.0 {
                let off = a.iter().filter(|(t, n)| b.get(*t) != Some(n)).count();
                out.line(&format!("{} tables, row counts within {percent} % ({off} not equal)", a.len()), false);
            } else {
                out.line(&format!("{} tables, row counts equal", a.len()), false);
            }
            Ok(())
        }
    }
}

async fn count_rows(
    s: &Session,
    pg: &[String],
    url: &str,
    cancel: &mut watch::Receiver<bool>,
) -> Result<std::collections::BTreeMap<String, i64>, Failure> {
    let (code, text, err) = capture(s, pg, &rows::psql(url, rows::COUNTS_SQL), cancel).await?;
    if code != Exit::Code(0) {
        return Err(Failure::new(format!("psql: {code}: {}", said(&text, &err)), true));
    }
    rows::parse_counts(&text).map_err(|e| Failure::new(e, true))
}

fn connect_ip(ctx: &ExecContext, server: Option<&str>, connect_to: Option<&str>) -> Result<Option<std::net::IpAddr>, Failure> {
    if let Some(s) = server.filter(|s| !s.is_empty()) {
        let ip = ctx
            .servers
            .get(s)
            .and_then(|(v4, _)| v4.clone())
            .ok_or_else(|| Failure::new(format!("no Hetzner server named {s} with an IPv4"), false))?;
        return ip.parse().map(Some).map_err(|_| Failure::new(format!("bad address {ip}"), false));
    }
    match connect_to.filter(|c| !c.is_empty()) {
        Some(c) => c.parse().map(Some).map_err(|_| Failure::new(format!("connect_to `{c}` is not an IP address"), false)),
        None => Ok(None),
    }
}

/// API calls through the ops layer; notes say what was there before.
async fn api<F: Fn(Action, bool)>(
    sv: &Services,
    a: &ApiAction,
    ctx: &ExecContext,
    cancel: &watch::Receiver<bool>,
    out: &mut Out<'_, F>,
) -> Result<Produced, String> {
    use crate::ops::{coolify as cf, hetzner as hz};
    let mut notes = Vec::new();
    let hpoll = sv.hetzner_poll();
    let cpoll = sv.coolify_poll();
    let hetzner = || sv.hetzner().ok_or_else(|| "no Hetzner context".to_string());
    let coolify = || sv.coolify.clone().ok_or_else(|| "no Coolify instance".to_string());
    let app_uuid = |app: &str| ctx.apps.get(app).cloned().unwrap_or_else(|| app.to_string());
    let values_of = |r: &crate::hetzner::model::Rrset| r.records.iter().map(|v| v.value.as_str()).collect::<Vec<_>>().join(" ");
    match a {
        ApiAction::DnsSet { zone, name, rtype, values, server, ttl } => {
            let c = hetzner()?;
            let values = server_values(ctx, server.as_deref(), rtype, values)?;
            let before = hz::set_rrset(&c, zone, name, rtype, &values, *ttl, hpoll).await.map_err(|e| e.to_string())?;
            notes.push(match &before {
                Some(r) => format!(
                    "before: {name} {rtype} {} (TTL {})",
                    values_of(r),
                    r.ttl.map(|t| t.to_string()).unwrap_or_else(|| "zone default".into())
                ),
                None => format!("before: no {name} {rtype} record"),
            });
            out.line(&format!("{name}.{zone} {rtype} -> {}", values.join(" ")), false);
            notes.push(format!("now: {name} {rtype} {}", values.join(" ")));
        }
        ApiAction::DnsPoint { zone, name, server, ttl } => {
            let c = hetzner()?;
            // A CNAME at the name would shadow the new A/AAAA: refuse, say why.
            if let Some(cn) = hz::find_rrset(&c, zone, name, "CNAME").await.map_err(|e| e.to_string())? {
                return Err(format!(
                    "{name}.{zone} is a CNAME to {}: delete it (or point it at a name of the new server) before switching",
                    values_of(&cn)
                ));
            }
            let (v4, v6) = ctx.servers.get(server).cloned().ok_or_else(|| format!("no Hetzner server named {server}"))?;
            let v4 = v4.ok_or_else(|| format!("{server} has no public IPv4"))?;
            let before = hz::set_rrset(&c, zone, name, "A", std::slice::from_ref(&v4), *ttl, hpoll).await.map_err(|e| e.to_string())?;
            notes.push(match &before {
                Some(r) => format!(
                    "before: {name} A {} (TTL {})",
                    values_of(r),
                    r.ttl.map(|t| t.to_string()).unwrap_or_else(|| "zone default".into())
                ),
                None => format!("before: no {name} A record"),
            });
            out.line(&format!("{name}.{zone} A -> {v4}"), false);
            match v6 {
                Some(v6) => {
                    let b6 =
                        hz::set_rrset(&c, zone, name, "AAAA", std::slice::from_ref(&v6), *ttl, hpoll).await.map_err(|e| e.to_string())?;
                    notes.push(match &b6 {
                        Some(r) => format!("before: {name} AAAA {}", values_of(r)),
                        None => format!("before: no {name} AAAA record"),
                    });
                    out.line(&format!("{name}.{zone} AAAA -> {v6}"), false);
                }
                None => {
                    // An AAAA left behind keeps IPv6 visitors on the old host.
                    if let Some(r) = hz::delete_rrset(&c, zone, name, "AAAA", hpoll).await.map_err(|e| e.to_string())? {
                        notes.push(format!("deleted: {name} AAAA {} ({server} has no IPv6)", values_of(&r)));
                        out.line(&format!("{name}.{zone} AAAA deleted: {server} has no IPv6"), false);
                    }
                }
            }
        }
        ApiAction::DnsTtl { zone, name, rtype, ttl, restore } => {
            let c = hetzner()?;
            let target = match (restore, ttl) {
                (Some(step), _) => {
                    let notes = ctx.steps.get(step).map(|(_, n)| n.clone()).unwrap_or_default();
                    old_ttl(&notes).ok_or_else(|| format!("step `{step}` recorded no old TTL to restore"))?
                }
                (None, Some(t)) => *t,
                (None, None) => return Err("dns_ttl needs `ttl` or `restore`".into()),
            };
            let types: Vec<&str> = if rtype.eq_ignore_ascii_case("A+AAAA") { vec!["A", "AAAA"] } else { vec![rtype.as_str()] };
            let mut longest: Option<u32> = None;
            for t in types {
                if types_exist(&c, zone, name, t).await? {
                    let was = hz::rrset_ttl(&c, zone, name, t, target, hpoll).await.map_err(|e| e.to_string())?;
                    longest = longest.max(was);
                    out.line(
                        &format!("{name}.{zone} {t}: TTL {} -> {target}", was.map(|w| w.to_string()).unwrap_or_else(|| "?".into())),
                        false,
                    );
                }
            }
            // The form TtlPassed and `restore` read back.
            notes.push(match longest {
                Some(t) => format!("old TTL {t} s"),
                None => format!("no {name} {rtype} record to change"),
            });
        }
        ApiAction::DnsDelete { zone, name, rtype } => {
            let c = hetzner()?;
            let types: Vec<&str> = if rtype.eq_ignore_ascii_case("A+AAAA") { vec!["A", "AAAA"] } else { vec![rtype.as_str()] };
            for t in types {
                match hz::delete_rrset(&c, zone, name, t, hpoll).await.map_err(|e| e.to_string())? {
                    Some(r) => notes.push(format!("deleted: {name} {t} {}", values_of(&r))),
                    None => notes.push(format!("{name} {t} was already gone")),
                }
            }
        }
        ApiAction::DomainAdd { app, domain } | ApiAction::DomainRemove { app, domain } => {
            let add = matches!(a, ApiAction::DomainAdd { .. });
            let c = coolify()?;
            let (before, after) = cf::edit_domain(&c, &app_uuid(app), domain, add).await.map_err(|e| e.to_string())?;
            notes.push(format!("domains before: {}", before.join(", ")));
            notes.push(format!("domains now: {}", after.join(", ")));
            out.line(&format!("{app}: {}", after.join(", ")), false);
        }
        ApiAction::EnvSet { app, key, value } => {
            let c = coolify()?;
            let before = cf::set_env(&c, &app_uuid(app), key, value).await.map_err(|e| e.to_string())?;
            // The old value, for going back (passwords masked).
            notes.push(format!(
                "old {key}: {}",
                before
                    .map(|e| e.value.as_deref().map(|v| mask_value(key, v)).unwrap_or_else(|| "(withheld by Coolify)".into()))
                    .unwrap_or_else(|| "(not set)".into())
            ));
            out.line(&format!("{app}: {key} = {}", mask_value(key, value)), false);
            notes.push(format!("{key} set; the application reads it at its next deployment"));
        }
        ApiAction::EnvAppend { app, key, value, separator } => {
            let c = coolify()?;
            match cf::append_env(&c, &app_uuid(app), key, value, separator).await.map_err(|e| e.to_string())? {
                Some(new) => {
                    out.line(&format!("{app}: {key} = {}", mask_value(key, &new)), false);
                    notes.push(format!("{key} set; the application reads it at its next deployment"));
                }
                None => {
                    notes.push(format!("{key} already has {value}"));
                    out.line(&format!("{key} already has {value}"), false);
                }
            }
        }
        ApiAction::EnvRemove { app, key, value, separator } => {
            let c = coolify()?;
            match cf::remove_from_env(&c, &app_uuid(app), key, value, separator).await.map_err(|e| e.to_string())? {
                Some(new) => {
                    out.line(&format!("{app}: {key} = {}", mask_value(key, &new)), false);
                    notes.push(format!("{value} removed from {key}; the application reads it at its next deployment"));
                }
                None => notes.push(format!("{key} did not have {value}")),
            }
        }
        ApiAction::ScheduledTask { app, name, command, frequency } => {
            let c = coolify()?;
            let created = c.put_scheduled_task(&app_uuid(app), name, command, frequency).await.map_err(|e| format!("{app}: {e}"))?;
            let what = if created { "created" } else { "updated" };
            out.line(&format!("{app}: scheduled task `{name}` {what}: {frequency}: {command}"), false);
            notes.push(format!("scheduled task `{name}` {what} ({frequency})"));
        }
        ApiAction::PreDeploy { app, command } => {
            let c = coolify()?;
            let body = serde_json::json!({ "pre_deployment_command": command });
            c.patch_app(&app_uuid(app), &body).await.map_err(|e| format!("{app}: {e}"))?;
            out.line(&format!("{app}: pre-deployment command `{command}`: it runs in each new release before it takes traffic"), false);
            notes.push(format!("pre-deployment command: {command}"));
        }
        ApiAction::Deploy { app, since } => {
            let c = coolify()?;
            let uuid = app_uuid(app);
            let (dep, note) = cf::deploy(&c, &uuid, false).await.map_err(|e| format!("{app}: {e}"))?;
            out.line(&format!("deployment {dep}{}", note.map(|n| format!(": {n}")).unwrap_or_default()), false);
            out.flush();
            let mut cancel = cancel.clone();
            let (mut last, mut printed, mut cancelled) = (String::new(), 0usize, false);
            // Followed to its end; `<C-c>` cancels it in Coolify and follows it
            // until Coolify says it stopped.
            let status = loop {
                let follow = cf::follow(&c, &uuid, &dep, cpoll, |p| {
                    if p.status.as_str() != last {
                        out.line(&format!("[{}]", p.status), false);
                        last = p.status.to_string();
                    }
                    for (i, lines) in p.entries {
                        if i >= printed {
                            printed = i + 1;
                            for (l, err) in lines {
                                out.line(&l, err);
                            }
                        }
                    }
                    out.flush();
                });
                tokio::select! {
                    r = follow => break r.map_err(|e| format!("{app}: {e}"))?,
                    _ = cancel.changed(), if !cancelled => {
                        cancelled = true;
                        match c.cancel_deployment(&dep).await {
                            Ok(m) => out.line(&format!("cancelling deployment {dep}: {m}"), true),
                            Err(e) => out.line(&format!("cancelling deployment {dep} failed: {e}"), true),
                        }
                    }
                }
            };
            notes.push(format!("deployment {dep}: {status}"));
            if cancelled {
                return Err(format!("cancelled by the operator: deployment {dep} is {status}"));
            }
            if status != crate::coolify::model::DeployStatus::Finished {
                return Err(format!("{app}: deployment {dep}: {status}"));
            }
            if let Some(step) = since
                && let Some((Some(at), _)) = ctx.steps.get(step)
            {
                let down = (Utc::now() - *at).num_seconds().max(0);
                out.line(&format!("{app} is back: it was stopped for {down} s"), false);
                notes.push(format!("downtime: {down} s (since step `{step}`)"));
            }
        }
        ApiAction::Stop { app } | ApiAction::Start { app, .. } => {
            let start = matches!(a, ApiAction::Start { .. });
            let c = coolify()?;
            let r = cf::set_running(&c, &app_uuid(app), start, cpoll, Duration::from_secs(300)).await.map_err(|e| format!("{app}: {e}"))?;
            out.line(&format!("{app}: {r}"), false);
            notes.push(format!("{app}: {r}"));
            if let ApiAction::Start { since: Some(step), .. } = a
                && let Some((Some(at), _)) = ctx.steps.get(step)
            {
                let down = (Utc::now() - *at).num_seconds().max(0);
                out.line(&format!("{app} was stopped for {down} s"), false);
                notes.push(format!("downtime: {down} s (since step `{step}`)"));
            }
        }
        ApiAction::Snapshot { server, description } => {
            let c = hetzner()?;
            let desc = description.clone().unwrap_or_else(|| format!("{server} before {} (cutover)", Utc::now().format("%Y-%m-%d %H:%M")));
            out.line(&format!("snapshot of {server}: taking it (the server is locked meanwhile)"), false);
            let image = hz::snapshot(&c, server, &desc, hpoll).await.map_err(|e| format!("{server}: {e}"))?;
            out.line(&format!("snapshot of {server}: image {image}, \"{desc}\""), false);
            notes.push(format!("snapshot: image {image} ({desc})"));
        }
        ApiAction::Backup { database } => {
            let c = coolify()?;
            let uuid = ctx.databases.get(database).cloned().unwrap_or_else(|| database.clone());
            let r = cf::backup_now(&c, &uuid, None, cpoll).await.map_err(|e| format!("{database}: {e}"))?;
            out.line(&format!("backup of {database}: {r}"), false);
            notes.push(format!("backup: {r}"));
        }
        ApiAction::LatestBackup { database } => {
            let c = coolify()?;
            let uuid = ctx.databases.get(database).cloned().unwrap_or_else(|| database.clone());
            let configs = c.backups(&uuid).await.map_err(|e| format!("{database}: {e}"))?;
            let b = latest_backup(database, &configs, Utc::now())?;
            out.line(&format!("{database}: {}", b.note), false);
            notes.push(format!("backup: {}", b.note));
            let mut found = std::collections::BTreeMap::new();
            found.insert("backup_file".to_string(), b.file);
            found.insert("backup_taken".to_string(), b.taken);
            return Ok(Produced { notes, found, ..Default::default() });
        }
        ApiAction::FetchBackup { host, database, file, access_key, secret_key, storage } => {
            let c = coolify()?;
            let keys = (access_key.as_deref().unwrap_or(""), secret_key.as_deref().unwrap_or(""));
            let found = fetch_backup(sv, &c, ctx, cancel.clone(), out, (host, database, file), keys, storage.as_deref()).await?;
            return Ok(found);
        }
        ApiAction::FirewallAllow { firewall, port, server } | ApiAction::FirewallRemove { firewall, port, server } => {
            let c = hetzner()?;
            let (v4, v6) = ctx.servers.get(server).cloned().ok_or_else(|| format!("no Hetzner server named {server}"))?;
            let rule = Rule {
                description: Some(format!("{server} (cutover)")),
                direction: "in".into(),
                source_ips: v4.map(|v| format!("{v}/32")).into_iter().chain(v6.map(|v| format!("{v}/128"))).collect(),
                destination_ips: vec![],
                protocol: "tcp".into(),
                port: Some(port.clone()),
            };
            if matches!(a, ApiAction::FirewallAllow { .. }) {
                if hz::add_rule(&c, firewall, &rule, hpoll).await.map_err(|e| e.to_string())? {
                    out.line(&format!("firewall {firewall}: allowed {port}/tcp from {server}"), false);
                } else {
                    notes.push("the rule was already there".into());
                }
            } else if hz::remove_rule(&c, firewall, &rule, hpoll).await.map_err(|e| e.to_string())? {
                out.line(&format!("firewall {firewall}: removed {port}/tcp from {server}; the other rules stay"), false);
            } else {
                notes.push("there was no such rule".into());
            }
        }
    }
    Ok(Produced { notes, ..Default::default() })
}

/// What says a backup file is there: its size and checksum, for the notes.
fn backup_file_line(file: &str) -> String {
    let f = sh(file);
    format!("test -s {f} && echo \"backup file: $(wc -c < {f}) bytes, sha256 $(sha256sum < {f} | cut -d' ' -f1)\"")
}

/// How long a presigned URL for a backup lasts: long enough to start the
/// download, short enough that a leaked one is soon worthless.
const PRESIGNED_FOR: Duration = Duration::from_secs(15 * 60);

/// The file is on the host already, or it is downloaded there from the S3
/// destination its schedule sent it to (Coolify's key for the object is the
/// local path without its leading `/`). The host gets a presigned URL on
/// curl's stdin (`-K -`), never on a command line; the secret stays here.
#[allow(clippy::too_many_arguments)]
async fn fetch_backup<F: Fn(Action, bool)>(
    sv: &Services,
    c: &crate::coolify::Client,
    ctx: &ExecContext,
    mut cancel: watch::Receiver<bool>,
    out: &mut Out<'_, F>,
    (host, database, file): (&str, &str, &str),
    (access_key, secret_key): (&str, &str),
    storage: Option<&str>,
) -> Result<Produced, String> {
    let session = connect(sv, ctx, host).await.map_err(|f| f.message)?;
    let present = backup_file_line(file);
    let (exit, text, _) = capture(&session, &[], &present, &mut cancel).await.map_err(|f| f.message)?;
    let line = |t: &str| t.lines().find(|l| l.starts_with("backup file: ")).map(str::to_string);
    if exit == Exit::Code(0)
        && let Some(l) = line(&text)
    {
        out.line(&l, false);
        let found = [("fetched".to_string(), String::new())].into_iter().collect();
        return Ok(Produced { notes: vec![l], found, ..Default::default() });
    }
    // Not on the server: which schedule made it, and did it go to S3?
    let uuid = ctx.databases.get(database).cloned().unwrap_or_else(|| database.to_string());
    let configs = c.backups(&uuid).await.map_err(|e| format!("{database}: {e}"))?;
    let schedule = configs
        .iter()
        .find(|b| b.executions.iter().any(|e| e.filename.as_deref() == Some(file)))
        .ok_or_else(|| format!("{file} is not on {host}, and no backup of {database} names it"))?;
    if !schedule.save_s3 {
        return Err(format!(
            "{file} is not on {host}, and its schedule kept no S3 copy: this backup is lost (a local-only backup goes with its disk)"
        ));
    }
    let storages = c.s3_storages().await.map_err(|e| format!("S3 destinations: {e}"))?;
    let dest = pick_storage(&storages, schedule.s3_storage_id, storage)?;
    if access_key.is_empty() || secret_key.is_empty() {
        return Err(format!(
            "{file} is not on {host}; it is on S3 {} (bucket {} at {}). Coolify's API does not give S3 keys: start the drill again with the destination's access key and secret (the secret is never stored)",
            dest.name, dest.bucket, dest.endpoint
        ));
    }
    let url = presigned_get(dest, access_key, secret_key, file)?;
    out.line(&format!("{file} is not on {host}: fetching it from S3 {} (bucket {})", dest.name, dest.bucket), false);
    let dir = std::path::Path::new(file).parent().map(|d| d.display().to_string()).unwrap_or_else(|| "/".into());
    let part = format!("{file}.part");
    let command = format!(
        "mkdir -p {d} && curl -fsS --connect-timeout 20 -K - -o {p} && mv {p} {f} && {present}",
        d = sh(&dir),
        p = sh(&part),
        f = sh(file)
    );
    // curl reads its options from stdin: the URL never shows in `ps`.
    let input = format!("url = \"{url}\"\n");
    let began = tokio::time::Instant::now();
    let mut kept = None;
    let (exit, _) = stream_raw(&session, &command, Some(input.as_bytes()), &mut cancel, Some(Duration::from_secs(6 * 3600)), |l| {
        if let Some((l, err)) = l {
            if l.starts_with("backup file: ") {
                kept = Some(l.to_string());
            }
            out.line(l, err);
        }
    })
    .await?;
    if exit != Exit::Code(0) {
        // A half-written file must not pass for a backup.
        let _ = session.run(&format!("rm -f {}", sh(&part))).await;
        return Err(format!("fetching {file} from S3 {}: {exit}", dest.name));
    }
    let mut notes = vec![format!("fetched from S3 {} (bucket {}) in {:.1} s", dest.name, dest.bucket, began.elapsed().as_secs_f64())];
    notes.extend(kept);
    let found = [("fetched".to_string(), file.to_string())].into_iter().collect();
    Ok(Produced { notes, found, ..Default::default() })
}

/// The S3 destination a schedule uses: by id when Coolify's answer has ids,
/// by the name the runbook gives, or the only one there is.
fn pick_storage<'a>(
    all: &'a [crate::coolify::model::S3Storage],
    id: Option<i64>,
    name: Option<&str>,
) -> Result<&'a crate::coolify::model::S3Storage, String> {
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        return all.iter().find(|s| s.name == n || s.uuid == n).ok_or_else(|| format!("Coolify has no S3 destination named {n}"));
    }
    if let Some(s) = id.and_then(|i| all.iter().find(|s| s.id == Some(i))) {
        return Ok(s);
    }
    match all {
        [one] => Ok(one),
        [] => Err("Coolify lists no S3 destination".into()),
        many => Err(format!(
            "Coolify has {} S3 destinations and does not say which one this schedule uses: name it ({})",
            many.len(),
            many.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// A presigned GET of the object Coolify uploaded for `file`.
fn presigned_get(dest: &crate::coolify::model::S3Storage, key: &str, secret: &str, file: &str) -> Result<String, String> {
    use rusty_s3::S3Action;
    let endpoint: url::Url = dest.endpoint.parse().map_err(|e| format!("S3 endpoint {}: {e}", dest.endpoint))?;
    let region = if dest.region.is_empty() { "us-east-1".to_string() } else { dest.region.clone() };
    let bucket = rusty_s3::Bucket::new(endpoint, rusty_s3::UrlStyle::Path, dest.bucket.clone(), region)
        .map_err(|e| format!("S3 endpoint {}: {e}", dest.endpoint))?;
    let creds = rusty_s3::Credentials::new(key, secret);
    Ok(bucket.get_object(Some(&creds), file.trim_start_matches('/')).sign(PRESIGNED_FOR).to_string())
}

/// The newest successful backup among a database's schedules.
struct FoundBackup {
    file: String,
    taken: String,
    note: String,
}

fn latest_backup(database: &str, configs: &[crate::coolify::model::Backup], now: chrono::DateTime<Utc>) -> Result<FoundBackup, String> {
    if configs.is_empty() {
        return Err(format!("{database} has no backup schedule: there is no backup to restore"));
    }
    let stamp = |e: &crate::coolify::model::Execution| crate::coolify::schedule::parse_time(&e.created_at);
    let all: Vec<(&crate::coolify::model::Backup, &crate::coolify::model::Execution)> =
        configs.iter().flat_map(|b| b.executions.iter().map(move |e| (b, e))).collect();
    let best = all
        .iter()
        .filter(|(_, e)| e.status == "success" && e.filename.as_deref().is_some_and(|f| !f.is_empty()))
        .filter_map(|(b, e)| stamp(e).map(|t| (t, *b, *e)))
        .max_by_key(|(t, _, _)| *t);
    let Some((at, b, e)) = best else {
        let last = all.iter().filter_map(|(_, e)| stamp(e).map(|t| (t, *e))).max_by_key(|(t, _)| *t);
        return Err(match last {
            Some((_, e)) if e.status == "failed" => {
                format!("{database} has no successful backup; the last one failed: {}", e.message.as_deref().unwrap_or("").trim())
            }
            Some((_, e)) => format!("{database} has no successful backup (the last one is {})", e.status),
            None => format!("{database} has never been backed up"),
        });
    };
    let file = e.filename.clone().unwrap_or_default();
    let age = crate::coolify::schedule::age(now - at);
    let size = e.size.map(crate::coolify::schedule::bytes).unwrap_or_else(|| "size unknown".into());
    let where_ = match (b.save_s3, b.disable_local_backup) {
        (true, true) => "S3 only: no local copy",
        (true, false) => "local copy, also sent to S3",
        _ => "local only",
    };
    let note = format!("{file} ({size}, taken {} UTC, {age} ago; {where_})", at.format("%Y-%m-%d %H:%M:%S"));
    Ok(FoundBackup { file, taken: at.to_rfc3339(), note })
}

/// The TTL a `dns_ttl` step recorded (`old TTL 3600 s`).
fn old_ttl(notes: &[String]) -> Option<u32> {
    notes.iter().find_map(|n| n.strip_prefix("old TTL ")?.strip_suffix(" s")?.parse().ok())
}

async fn types_exist(c: &crate::hetzner::Client, zone: &str, name: &str, rtype: &str) -> Result<bool, String> {
    Ok(crate::ops::hetzner::find_rrset(c, zone, name, rtype).await.map_err(|e| e.to_string())?.is_some())
}

/// The record values a step means: the addresses of `server` when it names
/// one, else `values`.
fn server_values(ctx: &ExecContext, server: Option<&str>, rtype: &str, values: &[String]) -> Result<Vec<String>, String> {
    let Some(s) = server.filter(|s| !s.is_empty()) else { return Ok(values.to_vec()) };
    let (v4, v6) = ctx.servers.get(s).ok_or_else(|| format!("no Hetzner server named {s}"))?;
    let v = if rtype.eq_ignore_ascii_case("AAAA") { v6 } else { v4 };
    Ok(vec![v.clone().ok_or_else(|| format!("{s} has no public {rtype} address"))?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_steps_naming_coolify_resources_resolve_names() {
        let step = |toml: &str| -> Step { toml::from_str(&format!("id = \"s\"\ntitle = \"t\"\n{toml}")).unwrap() };
        assert!(names_coolify(&step("[api.deploy]\napp = \"shop\"")));
        assert!(names_coolify(&step("[api.latest_backup]\ndatabase = \"shop-db\"")));
        assert!(names_coolify(&step("[ssh]\nhost = \"h\"\ncommand = \"true\"\ncontainer = \"shop-db\"")));
        assert!(!names_coolify(&step("[ssh]\nhost = \"h\"\ncommand = \"true\"")));
        assert!(!names_coolify(&step("[api.snapshot]\nserver = \"web-1\"")));
        assert!(!names_coolify(&step("")));
    }

    #[test]
    fn a_server_stands_for_its_addresses() {
        let mut ctx = ExecContext::default();
        ctx.servers.insert("web-1".into(), (Some("203.0.113.11".into()), Some("2001:db8:1a00:5::1".into())));
        assert_eq!(server_values(&ctx, Some("web-1"), "A", &[]).unwrap(), ["203.0.113.11"]);
        assert_eq!(server_values(&ctx, Some("web-1"), "aaaa", &[]).unwrap(), ["2001:db8:1a00:5::1"]);
        assert_eq!(server_values(&ctx, None, "A", &["198.51.100.7".into()]).unwrap(), ["198.51.100.7"]);
        assert!(server_values(&ctx, Some("web-9"), "A", &[]).unwrap_err().contains("no Hetzner server named web-9"));
    }
}
