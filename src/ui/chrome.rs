//! The header (contexts), the pane switcher and the status line.

use super::glyphs::Glyphs;
use crate::app::prompt::PromptKind;
use crate::app::state::Level;
use crate::app::{PaneId, State};
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn header(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let c = &state.world.contexts;
    let mut spans =
        vec![Span::styled(" cutover ", st.get(Slot::Title).patch(st.get(Slot::Header))), Span::styled(g.sep, st.get(Slot::Header))];
    spans.push(Span::styled(" hetzner: ", st.get(Slot::Header)));
    spans.push(Span::styled(c.hetzner.clone().unwrap_or_else(|| "none".into()), st.get(Slot::Context)));
    spans.push(Span::styled(format!(" {} coolify: ", g.sep), st.get(Slot::Header)));
    let coolify = match (&c.coolify, &c.coolify_version) {
        (Some(n), Some(v)) => format!("{n} v{v}"),
        (Some(n), None) if c.coolify_error.is_some() => format!("{n} (unreachable)"),
        (Some(n), None) => n.clone(),
        (None, _) => "none".into(),
    };
    spans.push(Span::styled(coolify, st.get(Slot::Context)));
    spans.push(Span::styled(" ", st.get(Slot::Header)));
    if state.readonly {
        spans.push(Span::styled(" READ-ONLY ", st.get(Slot::Readonly)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(st.get(Slot::Header)), area);
    if let Some(r) = state.world.rate {
        let text = format!("API {}/{} ", r.remaining, r.limit);
        let slot = if r.remaining == 0 {
            Slot::Error
        } else if r.remaining < r.limit / 10 {
            Slot::Warn
        } else {
            Slot::Header
        };
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                text,
                st.get(slot).patch(Style::default().bg(st.get(Slot::Header).bg.unwrap_or_default())),
            )))
            .alignment(Alignment::Right),
            area,
        );
    }
}

pub fn tabs(f: &mut Frame, area: Rect, state: &State) {
    let st = &state.styles;
    let mut spans = Vec::new();
    for (i, p) in PaneId::tabs().enumerate() {
        let label = format!(" {} {} ", i + 1, p.title());
        if p == state.pane.tab() {
            spans.push(Span::styled(label, st.get(Slot::TabActive)));
        } else {
            spans.push(Span::styled(label, st.get(Slot::Tab)));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(st.get(Slot::Tab)), area);
}

fn level_slot(l: Level) -> Slot {
    match l {
        Level::Info => Slot::Info,
        Level::Ok => Slot::Ok,
        Level::Warn => Slot::Warn,
        Level::Error => Slot::Error,
    }
}

pub fn status(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let base = st.get(Slot::Status);
    if let Some(p) = &state.prompt {
        let sigil = match p.kind {
            PromptKind::Command => ":",
            PromptKind::Filter => "/",
            PromptKind::Highlight => "highlight: ",
            PromptKind::SavePath => "save to: ",
            PromptKind::Answer => "> ",
        };
        let line = Line::from(vec![Span::styled(sigil, st.get(Slot::Prompt)), Span::styled(p.text.clone(), st.get(Slot::Text))]);
        f.render_widget(Paragraph::new(line).style(base), area);
        let x = area.x + sigil.chars().count() as u16 + p.text.chars().take(p.cursor).map(|c| unicode_width(c) as u16).sum::<u16>();
        f.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    let mut left = Vec::new();
    // What waits for the operator stays first; routine messages follow it.
    if let Some(n) = &state.notice {
        left.push(Span::styled(
            format!(" {} {}", g.notice, n.text),
            st.get(level_slot(n.level)).patch(Style::default().bg(base.bg.unwrap_or_default())),
        ));
    }
    if let Some(m) = state.message.as_ref().filter(|m| Some(*m) != state.notice.as_ref()) {
        let tag = match m.level {
            Level::Error => "error: ",
            Level::Warn => "warning: ",
            _ => "",
        };
        left.push(Span::styled(
            format!(" {tag}{}", m.text),
            st.get(level_slot(m.level)).patch(Style::default().bg(base.bg.unwrap_or_default())),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(left)).style(base), area);
    let jobs = &state.jobs;
    if jobs.busy == 0
        && let Some(p) = &state.playing
    {
        f.render_widget(
            Paragraph::new(Span::styled(format!("{p} "), st.get(Slot::Muted).patch(Style::default().bg(base.bg.unwrap_or_default()))))
                .alignment(Alignment::Right),
            area,
        );
    }
    if jobs.busy > 0 {
        let frame = g.spinner[jobs.spinner % g.spinner.len()];
        let progress = jobs.progress.as_ref().map(|(l, p)| format!("{l} {p}%"));
        let what = progress.as_deref().unwrap_or_else(|| jobs.pending.first().copied().unwrap_or("working"));
        let more = if jobs.pending.len() > 1 { format!(" +{}", jobs.pending.len() - 1) } else { String::new() };
        let text = format!("{frame} {what}{more} ");
        f.render_widget(
            Paragraph::new(Span::styled(text, st.get(Slot::Pending).patch(Style::default().bg(base.bg.unwrap_or_default()))))
                .alignment(Alignment::Right),
            area,
        );
    }
}

/// The line of candidates Tab found, over the last row above the status line.
pub fn candidates(f: &mut Frame, body: Rect, state: &State) {
    let Some(c) = state.prompt.as_ref().and_then(|p| p.completion.as_ref()) else { return };
    if body.height == 0 {
        return;
    }
    let st = &state.styles;
    let area = Rect { y: body.bottom() - 1, height: 1, ..body };
    let width = area.width as usize;
    let mut spans = Vec::new();
    let lead = match (c.items.is_empty(), c.fuzzy) {
        (true, _) if c.word.is_empty() => format!(" no {} to offer here ", c.what),
        (true, _) => format!(" no {} like `{}` ", c.what, c.word),
        (false, true) => format!(" no {} starts with `{}`; did you mean: ", c.what, c.word),
        (false, false) => " ".to_string(),
    };
    let mut used = lead.chars().count();
    spans.push(Span::styled(lead, st.get(Slot::Muted)));
    for (i, it) in c.items.iter().enumerate() {
        let more = format!(" +{} more", c.items.len() - i);
        let w = it.chars().count() + 2;
        if used + w + more.len() > width && i + 1 < c.items.len() || used + w > width {
            spans.push(Span::styled(more, st.get(Slot::Muted)));
            break;
        }
        let slot = if c.chosen == Some(i) { Slot::Selection } else { Slot::Text };
        spans.push(Span::styled(it.clone(), st.get(slot)));
        spans.push(Span::raw("  "));
        used += w;
    }
    f.render_widget(ratatui::widgets::Clear, area);
    f.render_widget(Paragraph::new(Line::from(spans)).style(st.get(Slot::Status)), area);
}

fn unicode_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Key hints for the bottom border: `<key> what` for a few commands.
pub fn hints(state: &State, cmds: &[(Command, &str)]) -> Line<'static> {
    let st = &state.styles;
    let mut spans = vec![Span::raw(" ")];
    for (cmd, label) in cmds {
        // Read-only hides every write, hints included.
        if state.readonly && cmd.writes() {
            continue;
        }
        if let Some(k) = state.keymap.hint(*cmd) {
            spans.push(Span::styled(k, st.get(Slot::Key)));
            spans.push(Span::styled(format!(" {label}  "), st.get(Slot::Muted)));
        }
    }
    Line::from(spans)
}
