//! Coolify services: the stacks and their parts above; a part's log or a
//! service's variables (masked) below.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::panes::services::{Below, SRow};
use crate::coolify::redact::mask_value;
use crate::input::Command;
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(f: &mut Frame, area: Rect, state: &State, g: &Glyphs) {
    let st = &state.styles;
    let p = &state.panes.services;
    let t = &p.table;
    let count = p.services.as_ref().map(Vec::len).unwrap_or(0);
    let mut title = vec![Span::styled(" Services ", st.get(Slot::Title)), Span::styled(format!("({count}) "), st.get(Slot::Muted))];
    if p.is_loading() {
        title.push(Span::styled(format!("loading {} ", g.ellipsis), st.get(Slot::Pending)));
    }
    if let Some(flt) = t.filter() {
        title.push(Span::styled(format!("/{} ({} shown) ", flt.source, t.len()), st.get(Slot::Highlight)));
    }
    let b = super::deployments::block(
        state,
        g,
        title,
        &[(Command::Open, "log"), (Command::ShowEnvs, "variables"), (Command::AppMenu, "start/stop"), (Command::Back, "back")],
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    if p.services.as_ref().is_some_and(Vec::is_empty) {
        f.render_widget(Paragraph::new(Span::styled("This Coolify instance has no services.", st.get(Slot::Muted))), inner);
        return;
    }
    let (top, bottom) = match p.below {
        Below::Nothing => (inner, None),
        _ => {
            let [a, b] = Layout::vertical([Constraint::Percentage(45), Constraint::Min(3)]).areas(inner);
            (a, Some(b))
        }
    };
    super::table::draw(f, top, state, g, t, |r: &SRow, col| match col {
        2 => Some(super::deployments::status_slot(&r.status)),
        0 if r.part.is_empty() => Some(Slot::Title),
        _ => None,
    });
    let Some(area) = bottom else { return };
    let (head, lines): (String, Vec<Line>) = match &p.below {
        Below::Log { part, lines } => (
            format!("log of {part} (last {}; through the API)", lines.len()),
            lines.iter().rev().take(area.height.saturating_sub(1) as usize).rev().map(|l| Line::from(Span::styled(l.clone(), st.get(Slot::Text)))).collect(),
        ),
        Below::Envs { service, vars } => {
            let name = p.services.as_ref().and_then(|l| l.iter().find(|s| &s.uuid == service)).map(|s| s.name.clone()).unwrap_or_default();
            (
                format!("variables of {name} ({}; values masked)", vars.len()),
                vars.iter()
                    .map(|v| {
                        let shown = v.value.as_deref().map(|x| mask_value(&v.key, x)).unwrap_or_else(|| "(hidden: read:sensitive)".into());
                        Line::from(vec![Span::styled(format!("{} = ", v.key), st.get(Slot::Muted)), Span::styled(shown, st.get(Slot::Text))])
                    })
                    .collect(),
            )
        }
        Below::Nothing => (String::new(), vec![]),
    };
    let block = Block::default().title(Span::styled(format!(" {head} "), st.get(Slot::Title)));
    let inner = block.inner(area);
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(lines), inner);
}
