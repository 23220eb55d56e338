//! Menus, forms (with an error under each bad field) and confirmations (the
//! preview as a diff, the context named, a typed name for destructive ones).

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::dialog::Dialog;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))]).flex(Flex::Center).areas(area);
    let [r] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(r);
    r
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let Some((_, d)) = &state.dialog else { return };
    let st = &state.styles;
    let w = area.width.saturating_sub(4).min(100);
    // The line that must stay in view when the popup is too small: the cursor
    // item, the focused field, or the confirmation prompt at the end.
    let mut anchor = usize::MAX;
    let (title, lines, foot, danger): (String, Vec<Line>, &str, bool) = match d {
        Dialog::Menu(m) => {
            anchor = m.cursor;
            let lines = m
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    let sel = i == m.cursor;
                    Line::from(vec![
                        Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, st.get(Slot::Selection)),
                        Span::styled(format!("{} {:<14}", i + 1, it.label), if sel { st.get(Slot::Selection) } else { st.get(Slot::Text) }),
                        Span::styled(format!(" {}", it.detail), st.get(Slot::Muted)),
                    ])
                })
                .collect();
            (m.title.clone(), lines, " <Enter> choose  1-9 pick  <Esc> cancel ", false)
        }
        Dialog::Form(form) => {
            let pick_key = state.keymap.hint(crate::input::Command::Pick);
            let mut lines: Vec<Line> = form.note.iter().map(|n| Line::from(Span::styled(n.clone(), st.get(Slot::Muted)))).collect();
            if !lines.is_empty() {
                lines.push(Line::from(""));
            }
            for (i, fld) in form.fields.iter().enumerate() {
                let focus = i == form.focus;
                if focus {
                    anchor = lines.len() + usize::from(fld.error.is_some());
                }
                if !fld.choices.is_empty() {
                    // One of a few: all shown, the chosen one marked.
                    let mut spans = vec![
                        Span::styled(if focus { format!("{} ", g.cursor) } else { "  ".into() }, st.get(Slot::Prompt)),
                        Span::styled(format!("{:>12}: ", fld.label), if focus { st.get(Slot::Prompt) } else { st.get(Slot::Muted) }),
                    ];
                    for c in &fld.choices {
                        if *c == fld.input.text {
                            spans.push(Span::styled(format!("[{c}]"), st.get(if focus { Slot::Selection } else { Slot::Text })));
                        } else {
                            spans.push(Span::styled(format!(" {c} "), st.get(Slot::Muted)));
                        }
                        spans.push(Span::raw(" "));
                    }
                    if focus {
                        spans.push(Span::styled("<Left>/<Right>", st.get(Slot::Key)));
                    }
                    lines.push(Line::from(spans));
                    if !fld.hint.is_empty() && focus {
                        lines.push(Line::from(Span::styled(format!("{:>16}{}", "", fld.hint), st.get(Slot::Muted))));
                    }
                } else {
                    let mut spans = vec![
                        Span::styled(if focus { format!("{} ", g.cursor) } else { "  ".into() }, st.get(Slot::Prompt)),
                        Span::styled(format!("{:>12}: ", fld.label), if focus { st.get(Slot::Prompt) } else { st.get(Slot::Muted) }),
                        Span::styled(fld.shown(), st.get(Slot::Text)),
                        Span::styled(
                            if fld.input.text.is_empty() && !fld.hint.is_empty() { format!("  {}", fld.hint) } else { String::new() },
                            st.get(Slot::Muted),
                        ),
                    ];
                    if let (true, Some(src), Some(k)) = (focus, &fld.pick, pick_key.as_deref()) {
                        spans.push(Span::styled(format!("  {k}"), st.get(Slot::Key)));
                        spans.push(Span::styled(format!(" picks {}", a(src.what())), st.get(Slot::Muted)));
                    }
                    lines.push(Line::from(spans));
                }
                if let Some(e) = &fld.error {
                    lines.push(Line::from(Span::styled(format!("{:>16}{} {e}", "", g.warn), st.get(Slot::Error))));
                }
            }
            if let Some(e) = &form.error {
                lines.push(Line::from(Span::styled(format!("{} {e}", g.warn), st.get(Slot::Error))));
            }
            (form.title.clone(), lines, " <Enter> check & preview  <Tab>/<Up>/<Down> field  <Esc> cancel ", false)
        }
        Dialog::Confirm(c) => {
            let mut lines: Vec<Line> = c
                .lines
                .iter()
                .map(|l| {
                    let slot = match l.chars().next() {
                        Some('+') => Slot::Ok,
                        Some('-') => Slot::Error,
                        Some('~') => Slot::Warn,
                        _ => Slot::Text,
                    };
                    Line::from(Span::styled(l.clone(), st.get(slot)))
                })
                .collect();
            lines.push(Line::from(""));
            if let Some(wn) = &c.warning {
                lines.push(Line::from(Span::styled(format!("{} {wn}", g.warn), st.get(Slot::Warn))));
            }
            lines.push(Line::from(vec![
                Span::styled("Context: ", st.get(Slot::Muted)),
                Span::styled(c.context.clone(), st.get(Slot::Context)),
            ]));
            match &c.require {
                Some(name) => lines.push(Line::from(vec![
                    Span::styled("Type ", st.get(Slot::Text)),
                    Span::styled(name.clone(), st.get(Slot::Danger)),
                    Span::styled(" to confirm: ", st.get(Slot::Text)),
                    Span::styled(c.input.text.clone(), st.get(Slot::Prompt)),
                ])),
                // Nothing to confirm: a notice that waits to be read.
                None if c.on_yes.is_empty() => lines.push(Line::from(Span::styled("<Enter> or <Esc> closes it", st.get(Slot::Text)))),
                None => lines.push(Line::from(Span::styled("y to go ahead, n or <Esc> to cancel", st.get(Slot::Text)))),
            }
            if let Some(e) = &c.error {
                lines.push(Line::from(Span::styled(e.clone(), st.get(Slot::Error))));
            }
            let keys = if c.on_yes.is_empty() && c.require.is_none() { " <Enter>/<Esc> close " } else { " <Enter> confirm  <Esc> cancel " };
            (c.title.clone(), lines, keys, c.require.is_some())
        }
    };
    // Wrapped here, cell by cell, so the row count is exact and the line that
    // must show (the prompt of a confirmation after a long diff) is in view.
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let mut rows: Vec<Line> = Vec::with_capacity(lines.len());
    let mut anchor_end = 0;
    for (i, l) in lines.into_iter().enumerate() {
        rows.extend(hard_wrap(l, inner_w));
        if i <= anchor {
            anchor_end = rows.len();
        }
    }
    let h = (rows.len() as u16 + 2).min(area.height);
    let visible = h.saturating_sub(2) as usize;
    let scroll = anchor_end.saturating_sub(visible) as u16;
    let lines = rows;
    let r = popup(area, w, h.max(5));
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(if danger { Slot::Danger } else { Slot::Focus }))
        .title(Span::styled(format!(" {title} "), st.get(Slot::Title)))
        .title_bottom(Line::from(Span::styled(foot, st.get(Slot::Muted))));
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)).block(block), r);
    if let Dialog::Form(form) = d
        && let Some(p) = &form.picker
    {
        picker(f, area, state, g, p);
    }
}

/// "a server", "an application".
fn a(what: &str) -> String {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {what}")
}

/// The picker over a form: the filter line, then the names it keeps, the
/// chosen one marked and kept in view.
fn picker(f: &mut Frame, area: Rect, state: &State, g: &Glyphs, p: &crate::app::dialog::Picker) {
    let st = &state.styles;
    let w = area.width.saturating_sub(8).clamp(10, 60);
    let h = (p.shown.len() as u16 + 3).clamp(5, area.height.max(5));
    let r = popup(area, w, h);
    let rows = (r.height.saturating_sub(3)) as usize;
    let first = p.cursor.saturating_sub(rows.saturating_sub(1));
    let mut lines =
        vec![Line::from(vec![Span::styled("filter: ", st.get(Slot::Prompt)), Span::styled(p.query.text.clone(), st.get(Slot::Text))])];
    if p.shown.is_empty() {
        lines.push(Line::from(Span::styled(format!("no {} matches", p.what), st.get(Slot::Muted))));
    }
    for (i, name) in p.shown.iter().enumerate().skip(first).take(rows) {
        let sel = i == p.cursor;
        lines.push(Line::from(vec![
            Span::styled(if sel { format!("{} ", g.cursor) } else { "  ".into() }, st.get(Slot::Selection)),
            Span::styled(name.clone(), st.get(if sel { Slot::Selection } else { Slot::Text })),
        ]));
    }
    let title = format!(" Pick {} ({} of {}) ", a(p.what), p.shown.len(), p.names.len());
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_set(g.border)
        .border_style(st.get(Slot::Focus))
        .title(Span::styled(title, st.get(Slot::Title)))
        .title_bottom(Line::from(Span::styled(" type to filter  <Enter> take  <Esc> back ", st.get(Slot::Muted))));
    f.render_widget(Paragraph::new(lines).block(block), r);
    let x = r.x + 1 + 8 + p.query.text.chars().take(p.query.cursor).count() as u16;
    f.set_cursor_position((x.min(r.right().saturating_sub(2)), r.y + 1));
}

/// Splits a line into rows of at most `width` cells, at spaces where it can
/// (a word longer than a row is cut), keeping each span's style.
pub(crate) fn hard_wrap(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    if line.width() <= width {
        return vec![line];
    }
    let width = width.max(1);
    // Where each row starts, in characters of the whole line.
    let chars: Vec<char> = line.spans.iter().flat_map(|s| s.content.chars().collect::<Vec<_>>()).collect();
    let cw = |c: char| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
    let mut starts = vec![0usize];
    let (mut start, mut used, mut last_space) = (0usize, 0usize, None::<usize>);
    let mut i = 0;
    while i < chars.len() {
        let w = cw(chars[i]);
        if used + w > width && i > start {
            // Break after the last space in this row, else here.
            let at = match last_space {
                Some(sp) if sp + 1 > start && sp + 1 < i + 1 => sp + 1,
                _ => i,
            };
            starts.push(at);
            start = at;
            used = chars[start..i].iter().map(|c| cw(*c)).sum();
            last_space = None;
            continue;
        }
        if chars[i] == ' ' {
            last_space = Some(i);
        }
        used += w;
        i += 1;
    }
    // Cut the spans at those starts.
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut next = starts.iter().skip(1).copied().peekable();
    let mut pos = 0usize;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            if next.peek() == Some(&pos) {
                next.next();
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                out.push(Line::from(std::mem::take(&mut row)));
            }
            piece.push(c);
            pos += 1;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    if !row.is_empty() || out.is_empty() {
        out.push(Line::from(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn wraps_at_spaces_keeps_styles_and_never_overflows() {
        let line = Line::from(vec![
            Span::raw("Type "),
            Span::styled("name-of-it", ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::BOLD)),
            Span::raw(" to confirm: "),
        ]);
        let rows = hard_wrap(line, 12);
        let t: Vec<String> = rows.iter().map(text).collect();
        assert_eq!(t, ["Type ", "name-of-it ", "to confirm: "]);
        assert!(rows[1].spans[0].style.add_modifier.contains(ratatui::style::Modifier::BOLD));
        let long = Line::from("x".repeat(30));
        let rows = hard_wrap(long, 12);
        assert_eq!(rows.iter().map(|r| r.width()).collect::<Vec<_>>(), [12, 12, 6]);
        for w in 1..20 {
            for r in hard_wrap(Line::from("aa bbb cccc ddddd eeeeee f"), w) {
                assert!(r.width() <= w, "{w}: {:?}", text(&r));
            }
        }
    }
}
