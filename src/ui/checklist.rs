//! The Checklist pane: runs to resume and runbooks to start; a run's steps with
//! their states, the selected step's details and output, and what comes next.

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::checklist::{Row, View, shown_step, shown_text};
use crate::checklist::campaign::{self, Campaign, CellState};
use crate::checklist::runbook::Kind;
use crate::checklist::{Run, StepState};
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    match state.panes.checklist.view {
        View::List => list(f, area, state, g),
        View::Run => match state.panes.checklist.run() {
            Some(r) => run(f, area, state, g, r),
            None => list(f, area, state, g),
        },
        View::Board => match state.panes.checklist.campaign() {
            Some(c) => board(f, area, state, g, c),
            None => list(f, area, state, g),
        },
    }
}

fn cell_slot(s: CellState) -> Slot {
    match s {
        CellState::Done => Slot::Ok,
        CellState::Failed => Slot::Error,
        CellState::Unknown | CellState::Waiting => Slot::Warn,
        CellState::Running => Slot::Pending,
        CellState::Pending => Slot::Muted,
    }
}

/// A cell in a few words, readable without colour.
pub fn cell_text(c: &campaign::Cell, now: chrono::DateTime<chrono::Utc>) -> String {
    let word = match c.state {
        CellState::Done => "done",
        CellState::Running => "running",
        CellState::Waiting => "waiting",
        CellState::Failed => "FAILED",
        CellState::Unknown => "UNKNOWN",
        CellState::Pending if c.approve => "approve?",
        CellState::Pending => "pending",
    };
    let d = c.duration(now).map(|d| format!(" {}", campaign::human(d))).unwrap_or_default();
    format!("{word} {}/{}{d}", c.finished, c.of)
}

/// Sites by stages; Enter opens the cell's run or starts its next runbook.
fn board(f: &mut Frame, area: Rect, state: &State, g: &Glyphs, c: &Campaign) {
    let st = &state.styles;
    let p = &state.panes.checklist;
    let cells = campaign::board(c, &p.runs);
    let now = state.now;
    let done = cells.iter().flatten().filter(|x| x.state == CellState::Done).count();
    let open = p.runs.iter().filter(|r| r.is_open() && r.part.as_ref().is_some_and(|x| x.campaign == c.name)).count();
    let title = vec![
        Span::styled(format!(" Campaign {} ", c.name), st.get(Slot::Title)),
        Span::styled(format!("{}{} of {} done, {open} of {} open at once ", if c.title.is_empty() { String::new() } else { format!("{}: ", c.title) }, done, cells.len() * c.stages.len(), c.parallel), st.get(Slot::Muted)),
    ];
    let b = Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(hints(
        state,
        &[(Command::Open, "open / start"), (Command::CellRight, "stage"), (Command::ExportReport, "report"), (Command::Back, "back")],
    ));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [grid, foot] = Layout::vertical([Constraint::Min(2), Constraint::Length(3)]).areas(inner);
    let name_w = c.sites.iter().map(|s| s.name.chars().count()).max().unwrap_or(4).clamp(4, 24);
    let w = (grid.width as usize).saturating_sub(name_w + 3);
    let col_w = (w / c.stages.len().max(1)).max(8);
    let pad = |s: &str, n: usize| {
        let t: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{t:<n$}")
    };
    let mut lines = vec![Line::from(
        std::iter::once(Span::styled(format!("  {}", pad("SITE", name_w + 1)), st.get(Slot::TableHeader)))
            .chain(c.stages.iter().map(|s| Span::styled(pad(&s.name.to_uppercase(), col_w), st.get(Slot::TableHeader))))
            .collect::<Vec<_>>(),
    )];
    let rows = (grid.height as usize).saturating_sub(1);
    let offset = p.board.cursor.offset.min(cells.len().saturating_sub(rows));
    let offset = if p.board.cursor.pos >= offset + rows { p.board.cursor.pos + 1 - rows } else { offset.min(p.board.cursor.pos) };
    for (i, (site, row)) in c.sites.iter().zip(&cells).enumerate().skip(offset).take(rows) {
        let here = i == p.board.cursor.pos;
        let mut spans = vec![Span::styled(
            format!("{}{}", if here { format!("{} ", g.cursor) } else { "  ".into() }, pad(&site.name, name_w + 1)),
            st.get(Slot::Text),
        )];
        for (k, cell) in row.iter().enumerate() {
            let mut style = st.get(cell_slot(cell.state));
            if here && k == p.board.col {
                style = style.add_modifier(Modifier::REVERSED);
            }
            spans.push(Span::styled(pad(&cell_text(cell, now), col_w), style));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), grid);
    // The cell under the cursor, in words.
    let mut about = Vec::new();
    if let (Some(site), Some(stage), Some(cell)) =
        (c.sites.get(p.board.cursor.pos), c.stages.get(p.board.col), cells.get(p.board.cursor.pos).and_then(|r| r.get(p.board.col)))
    {
        about.push(Line::from(vec![
            Span::styled(format!("{} / {}: ", site.name, stage.name), st.get(Slot::Title)),
            Span::styled(format!("{} ({} of {} runbooks: {})", cell.state.label(), cell.finished, cell.of, stage.runbooks.join(" then ")), st.get(cell_slot(cell.state))),
        ]));
        let next = match (&cell.blocked, &cell.run) {
            (Some(b), _) => format!("waits: it comes {b}"),
            (None, Some(id)) if cell.state != CellState::Done => format!("run {id}: Enter opens it"),
            (None, Some(id)) => format!("last run {id}"),
            (None, None) if cell.approve => "Enter shows how the stage before went and asks for your approval (the site's name, typed)".into(),
            (None, None) => "Enter starts its first runbook".into(),
        };
        about.push(Line::from(Span::styled(next, st.get(Slot::Muted))));
    }
    f.render_widget(Paragraph::new(about).wrap(Wrap { trim: true }), foot);
}

fn state_slot(s: &StepState) -> Slot {
    match s {
        StepState::Done => Slot::Ok,
        StepState::Failed { .. } => Slot::Error,
        StepState::Unknown => Slot::Warn,
        StepState::Running => Slot::Pending,
        StepState::Skipped { .. } => Slot::Muted,
        StepState::Pending => Slot::Text,
    }
}

/// A fixed-width tag: state readable without colour.
fn tag(s: &StepState, next: bool) -> &'static str {
    match s {
        StepState::Done => "[done]   ",
        StepState::Failed { .. } => "[FAILED] ",
        StepState::Unknown => "[UNKNOWN]",
        StepState::Running => "[running]",
        StepState::Skipped { .. } => "[skipped]",
        StepState::Pending if next => "[next]   ",
        StepState::Pending => "[ ]      ",
    }
}

fn list(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let c = &state.panes.checklist;
    let b = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(" Checklist ", st.get(Slot::Title)))
        .title_bottom(hints(state, &[(Command::Open, "start / resume"), (Command::Refresh, "reload"), (Command::Help, "help")]));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let rows = c.rows();
    let mut lines = Vec::new();
    if !c.loaded || (c.runbooks.is_empty() && c.errors.is_empty()) {
        lines.push(Line::from(Span::styled("Loading runbooks...", st.get(Slot::Muted))));
    }
    let mut section = "";
    for (n, row) in rows.iter().enumerate() {
        let sel = n == c.cursor.pos;
        let (head, text, slot): (&str, String, Slot) = match row {
            Row::Run(i) => {
                let r = &c.runs[*i];
                let when = r.started.format("%Y-%m-%d %H:%M").to_string();
                if r.is_open() {
                    let at = match r.current() {
                        Some(k) => format!(
                            "step {}/{}: {} [{}]",
                            k + 1,
                            r.steps.len(),
                            crate::app::panes::checklist::shown_text(r, &r.steps[k].step.title),
                            r.steps[k].state.label()
                        ),
                        None => "all steps settled".into(),
                    };
                    let slot = if r.current().is_some_and(|k| matches!(r.steps[k].state, StepState::Unknown | StepState::Failed { .. })) {
                        Slot::Warn
                    } else {
                        Slot::Text
                    };
                    ("Unfinished runs: resume", format!("{}{}  {}  started {when}", r.title, for_(r), at), slot)
                } else {
                    let how = if r.abandoned.is_some() { "abandoned" } else { "finished" };
                    ("Past runs", format!("{}{}  {how}  {when}  ({})", r.title, for_(r), r.id), Slot::Muted)
                }
            }
            Row::Runbook(i) => {
                let (rb, src) = &c.runbooks[*i];
                ("Runbooks: start", format!("{}  ({}, {} steps, {src})", rb.plain_title(), rb.name, rb.steps.len()), Slot::Text)
            }
        };
        if head != section {
            if !section.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::from(Span::styled(head.to_string(), st.get(Slot::Title))));
            section = head;
        }
        let style = if sel { st.get(Slot::Selection) } else { st.get(slot) };
        lines.push(Line::from(vec![
            Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, style),
            Span::styled(text, style),
        ]));
    }
    for e in &c.errors {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(format!("{} {e}", g.warn), st.get(Slot::Error))));
    }
    // Keep the cursor in view.
    let h = inner.height as usize;
    let cursor_line = lines.iter().position(|l| l.spans.first().is_some_and(|s| s.content.starts_with(g.cursor))).unwrap_or(0);
    let scroll = cursor_line.saturating_sub(h.saturating_sub(2)) as u16;
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

fn run(f: &mut Frame, area: Rect, state: &State, g: &Glyphs, r: &Run) {
    let st = &state.styles;
    let c = &state.panes.checklist;
    let next = r.current();
    let mut title = vec![
        Span::styled(format!(" {} ", r.title), st.get(Slot::Title)),
        Span::styled(format!("{} of {} settled ", r.done_count(), r.steps.len()), st.get(Slot::Muted)),
    ];
    if !r.is_open() {
        title.push(Span::styled(if r.abandoned.is_some() { "ABANDONED " } else { "FINISHED " }, st.get(Slot::Ok)));
    }
    // `<C-c>` is offered only while a step it can stop runs.
    let cancellable = c.running.get(&r.journal).and_then(|i| r.steps.get(*i)).is_some_and(|s| s.step.cancellable());
    let keys: Vec<(Command, &str)> = if cancellable {
        vec![(Command::CancelStep, "cancel"), (Command::ExportReport, "report"), (Command::Back, "back")]
    } else {
        vec![
            (Command::RunStep, "run next"),
            (Command::SkipStep, "skip"),
            (Command::VerifyStep, "verify"),
            (Command::MarkStep, "mark"),
            (Command::ExportReport, "report"),
            (Command::Back, "back"),
        ]
    };
    let b = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Line::from(title))
        .title_bottom(hints(state, &keys));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let list_h = (r.steps.len() as u16).min(inner.height / 2).max(3);
    let [top, sep, bottom] = Layout::vertical([Constraint::Length(list_h), Constraint::Length(1), Constraint::Min(3)]).areas(inner);
    // Steps.
    let h = top.height as usize;
    let off = c.step_cursor.pos.saturating_sub(h.saturating_sub(2)).min(r.steps.len().saturating_sub(h));
    let mut lines = Vec::new();
    for (i, sr) in r.steps.iter().enumerate().skip(off).take(h) {
        let sel = i == c.step_cursor.pos;
        let is_next = Some(i) == next;
        let title = shown_text(r, &sr.step.title);
        let mut spans = vec![
            Span::styled(
                if sel { format!("{} ", g.cursor) } else { "  ".into() },
                if sel { st.get(Slot::Selection) } else { Style::default() },
            ),
            Span::styled(tag(&sr.state, is_next), st.get(state_slot(&sr.state))),
            Span::styled(format!(" {:>2}. ", i + 1), st.get(Slot::Muted)),
            Span::styled(title, if is_next { st.get(Slot::Text).add_modifier(Modifier::BOLD) } else { st.get(Slot::Text) }),
        ];
        if sr.step.destructive {
            spans.push(Span::styled(" (destructive)", st.get(Slot::Danger)));
        }
        if sr.step.kind() == Kind::Gate {
            spans.push(Span::styled(" (gate)", st.get(Slot::Warn)));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), top);
    f.render_widget(Paragraph::new(Span::styled(g.border.horizontal_top.repeat(sep.width as usize), st.get(Slot::Border))), sep);
    details(f, bottom, state, r);
}

fn details(f: &mut Frame, area: Rect, state: &State, r: &Run) {
    let st = &state.styles;
    let c = &state.panes.checklist;
    let i = c.step_cursor.pos.min(r.steps.len().saturating_sub(1));
    let Some(sr) = r.steps.get(i) else { return };
    let Some(step) = shown_step(r, i) else { return };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{}. {} ", i + 1, step.title), st.get(Slot::Title)),
        Span::styled(format!("[{}] ", step.kind().name()), st.get(Slot::Muted)),
        Span::styled(sr.state.label().to_string(), st.get(state_slot(&sr.state))),
        Span::styled(if sr.attempts > 1 { format!(" (attempt {})", sr.attempts) } else { String::new() }, st.get(Slot::Muted)),
    ])];
    if step.kind() != Kind::Manual {
        lines.push(Line::from(Span::styled(step.summary(), st.get(Slot::Info))));
    }
    for l in step.text.lines().filter(|l| !l.trim().is_empty()) {
        lines.push(Line::from(Span::styled(l.to_string(), st.get(Slot::Text))));
    }
    match &sr.state {
        StepState::Failed { message, retryable } => {
            lines.push(Line::from(Span::styled(format!("failed: {message}"), st.get(Slot::Error))));
            let hint = if *retryable { "x runs it again, S skips it, m marks it" } else { "it may not run again: m marks it, S skips it" };
            lines.push(Line::from(Span::styled(hint, st.get(Slot::Muted))));
        }
        StepState::Unknown => {
            let how = step
                .settling_check()
                .map(|c| format!("v checks it ({})", c.summary()))
                .unwrap_or_else(|| "it has no check: look yourself".into());
            lines.push(Line::from(Span::styled(
                format!("It was running when cutover stopped; its outcome is unknown. {how}; m marks it."),
                st.get(Slot::Warn),
            )));
        }
        StepState::Skipped { reason } => lines.push(Line::from(Span::styled(format!("skipped: {reason}"), st.get(Slot::Muted)))),
        _ => {}
    }
    for h in &sr.history {
        lines.push(Line::from(Span::styled(h.clone(), st.get(Slot::Muted))));
    }
    if let Some(how) = &sr.resolved {
        lines.push(Line::from(Span::styled(format!("settled: {how}"), st.get(Slot::Muted))));
    }
    for n in &sr.notes {
        lines.push(Line::from(Span::styled(format!("note: {n}"), st.get(Slot::Info))));
    }
    let live = c.live.get(&r.journal).filter(|_| c.running.get(&r.journal) == Some(&i));
    if let Some((deadline, status)) = live.and_then(|l| l.waiting.as_ref()) {
        let left = (*deadline - state.now).num_seconds().max(0);
        lines.push(Line::from(vec![
            Span::styled(format!("waiting: {}:{:02} left ", left / 60, left % 60), st.get(Slot::Pending)),
            Span::styled(format!("last check: {status}"), st.get(Slot::Muted)),
        ]));
    }
    if let Some(nx) = r.current().filter(|n| *n != i || sr.state.settled()).and_then(|n| r.steps.get(n).map(|s| (n, s))) {
        lines.push(Line::from(vec![
            Span::styled("next: ", st.get(Slot::Muted)),
            Span::styled(format!("{}. {}", nx.0 + 1, shown_text(r, &nx.1.step.title)), st.get(Slot::Text)),
        ]));
    }
    let head = lines.len();
    // Output: live while it runs, else what the journal kept.
    // Only the lines that fit are taken (the live buffer holds thousands).
    let room = (area.height as usize).saturating_sub(head + 1);
    let out: Vec<(&str, bool)> = match live {
        Some(l) => l.lines[l.lines.len().saturating_sub(room)..].iter().map(|(t, e)| (t.as_str(), *e)).collect(),
        None => sr.output[sr.output.len().saturating_sub(room)..].iter().map(|l| (l.as_str(), false)).collect(),
    };
    if !out.is_empty() {
        lines.push(Line::from(Span::styled("output:", st.get(Slot::Muted))));
        for (l, err) in &out {
            lines.push(Line::from(Span::styled(*l, st.get(if *err { Slot::Warn } else { Slot::Text }))));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// What a run was for, after its title: ` (for shop-production, db-new-1)`.
fn for_(r: &crate::checklist::run::Run) -> String {
    if r.subject.is_empty() { String::new() } else { format!(" (for {})", r.subject) }
}
