//! The Logs pane: tabs, the lines of the current tab (level colours, highlight
//! spans, gap markers), follow/filter/highlight state in the title.

use super::chrome::hints;
use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::logs::LogTab;
use crate::input::Command;
use crate::logs::{Kind, Level};
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

/// Lines longer than this are cut for display (kept whole in the buffer and in saves).
pub const DISPLAY_MAX: usize = 2000;

fn level_slot(l: Level) -> Slot {
    match l {
        Level::Error => Slot::Error,
        Level::Warn => Slot::Warn,
        Level::Debug => Slot::Muted,
        Level::Info | Level::None => Slot::Text,
    }
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let logs = &state.panes.logs;
    let Some(tab) = logs.current() else {
        let block =
            Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Span::styled(" Logs ", st.get(Slot::Title)));
        let lines = vec![
            Line::from(Span::styled("No log open. Open one from command mode:", st.get(Slot::Text))),
            Line::from(""),
            Line::from(Span::styled("  :tail app NAME            a Coolify application's container (docker logs -f)", st.get(Slot::Muted))),
            Line::from(Span::styled("  :tail db NAME             a database container", st.get(Slot::Muted))),
            Line::from(Span::styled(
                "  :tail journal UNIT on HOST, :tail file PATH on HOST, :tail cmd COMMAND on HOST",
                st.get(Slot::Muted),
            )),
            Line::from(Span::styled(
                "  :exec HOST COMMAND        run a command; :exec app NAME COMMAND runs it in the app's container",
                st.get(Slot::Muted),
            )),
            Line::from(""),
            Line::from(Span::styled(
                "From the Servers pane: L tails a log on the selected server, e runs a command there.",
                st.get(Slot::Muted),
            )),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
        return;
    };
    let (state_text, state_level) = tab.state_text();
    let mut title = vec![
        Span::styled(format!(" {} ", tab.title), st.get(Slot::Title)),
        Span::styled(format!("{state_text} "), st.get(level_slot(state_level))),
    ];
    title.push(Span::styled(
        if tab.follow { "following ".to_string() } else { "paused ".to_string() },
        st.get(if tab.follow { Slot::Ok } else { Slot::Warn }),
    ));
    if let Some(flt) = &tab.filter {
        title.push(Span::styled(format!("/{} ({}) ", flt.source, tab.rows()), st.get(Slot::Prompt)));
    }
    if let Some(h) = &tab.highlight {
        title.push(Span::styled(format!("highlight {} ", h.source), st.get(Slot::Highlight)));
    }
    if tab.case_sensitive {
        title.push(Span::styled("Aa ", st.get(Slot::Info)));
    }

    if tab.dropped > 0 {
        title.push(Span::styled(format!("{} dropped ", tab.dropped), st.get(Slot::Warn)));
    }
    if tab.buffer.evicted > 0 {
        title.push(Span::styled(format!("{} over cap {} ", tab.buffer.evicted, tab.buffer.cap()), st.get(Slot::Muted)));
    }
    let block = Block::bordered().border_set(g.border).border_style(st.get(Slot::Focus)).title(Line::from(title)).title_bottom(hints(
        state,
        &[
            (Command::Filter, "filter"),
            (Command::Highlight, "highlight"),
            (Command::NextMatch, "next"),
            (Command::Follow, "follow"),
            (Command::ToggleWrap, "wrap"),
            (Command::ToggleTimestamps, "time"),
            (Command::SaveLog, "save"),
            (Command::CloseTab, "close"),
        ],
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [bar, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    tab_bar(f, bar, state, g);
    // Said on the tab bar's right: a long title would push it off the top line.
    if tab.hscroll > 0 && !tab.wrap {
        let text = format!(" from column {} ", tab.hscroll + 1);
        f.render_widget(Paragraph::new(Span::styled(text, st.get(Slot::Warn))).alignment(ratatui::layout::Alignment::Right), bar);
    }
    lines(f, body, state, tab, g);
}

fn tab_bar(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let mut spans = Vec::new();
    for (i, t) in state.panes.logs.tabs.iter().enumerate() {
        let (_, lvl) = t.state_text();
        let mark = if lvl == Level::Error { g.warn } else { "" };
        let label = format!(" {}:{}{mark} ", i + 1, t.title);
        spans.push(Span::styled(label, if i == state.panes.logs.active { st.get(Slot::TabActive) } else { st.get(Slot::Tab) }));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn line_text<'a>(tab: &LogTab, text: &'a str, body: &'a str) -> &'a str {
    if tab.timestamps { text } else { body }
}

fn lines(f: &mut Frame, area: Rect, state: &State, tab: &LogTab, g: &Glyphs) {
    let st = &state.styles;
    let height = area.height as usize;
    let width = area.width.max(1) as usize;
    let gutter = if tab.highlight.is_some() { 2 } else { 0 };
    let text_width = width.saturating_sub(gutter).max(1);
    let rows = tab.rows();
    // Which rows: the last ones that fit (following), or from the anchor.
    let (first, last) = if tab.follow {
        let mut used = 0;
        let mut i = rows;
        while i > 0 {
            let h = row_height(tab, i - 1, text_width);
            if used + h > height && used > 0 {
                break;
            }
            used += h;
            i -= 1;
        }
        (i, rows)
    } else {
        let top = tab.top_row(height);
        (top, (top + height).min(rows))
    };
    let mut out: Vec<Line> = Vec::with_capacity(last - first);
    let mut marks: Vec<Line> = Vec::with_capacity(last - first);
    for r in first..last {
        let Some(line) = tab.row_index(r).and_then(|gi| tab.buffer.get(gi)) else { continue };
        let full = line_text(tab, line.text, line.body());
        let (shown, cut) = cut(full);
        let base = match line.kind {
            Kind::Marker => st.get(Slot::Info).add_modifier(Modifier::ITALIC),
            // A command's stderr stands apart from its stdout.
            Kind::Stderr if tab.is_run() && line.level == Level::None => st.get(Slot::Warn),
            _ => st.get(level_slot(line.level)),
        };
        let mut spans = Vec::new();
        if gutter > 0 {
            let cur = tab.current_match == Some(line.index);
            let mark = Span::styled(if cur { format!("{} ", g.cursor) } else { "  ".into() }, st.get(Slot::Highlight));
            // Wrapped, the mark leads the line; cut, it stays put while the text scrolls sideways.
            if tab.wrap { spans.push(mark) } else { marks.push(Line::from(mark)) }
        }
        match &tab.highlight {
            Some(h) => {
                let mut at = 0;
                for (s, e) in h.ranges(shown) {
                    if s > at {
                        spans.push(Span::styled(shown[at..s].to_string(), base));
                    }
                    spans.push(Span::styled(shown[s..e].to_string(), st.get(Slot::Highlight)));
                    at = e;
                }
                if at < shown.len() {
                    spans.push(Span::styled(shown[at..].to_string(), base));
                }
            }
            None => spans.push(Span::styled(shown.to_string(), base)),
        }
        if cut > 0 {
            spans.push(Span::styled(format!(" {}[+{cut} bytes, kept whole in saves]", g.ellipsis), st.get(Slot::Muted)));
        }
        out.push(Line::from(spans));
    }
    let side = if tab.wrap { 0 } else { gutter as u16 };
    let [marks_area, text_area] = Layout::horizontal([Constraint::Length(side), Constraint::Min(1)]).areas(area);
    if side > 0 {
        f.render_widget(Paragraph::new(marks), marks_area);
    }
    let mut p = Paragraph::new(out).style(Style::default());
    if tab.wrap {
        p = p.wrap(Wrap { trim: false });
    } else if tab.hscroll > 0 {
        p = p.scroll((0, tab.hscroll));
    }
    f.render_widget(p, text_area);
}

fn cut(s: &str) -> (&str, usize) {
    if s.len() <= DISPLAY_MAX {
        return (s, 0);
    }
    let mut end = DISPLAY_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], s.len() - end)
}

fn row_height(tab: &LogTab, row: usize, width: usize) -> usize {
    if !tab.wrap {
        return 1;
    }
    match tab.row_index(row).and_then(|g| tab.buffer.get(g)) {
        Some(l) => {
            let (shown, _) = cut(line_text(tab, l.text, l.body()));
            UnicodeWidthStr::width(shown).div_ceil(width).max(1)
        }
        None => 1,
    }
}
