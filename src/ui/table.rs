//! Drawing a `Table<T>`: fitted columns, the cursor row marked by a glyph as well
//! as by style (never by colour alone), sort arrow in the header.

use super::glyphs::Glyphs;
use crate::app::State;
use crate::app::table::{Align, Row as TRow, Table};
use crate::theme::Slot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table as TuiTable};

pub use crate::app::table::fit_columns;

/// Text and style of a computed cell.
pub type CellFn<'a, T> = Box<dyn Fn(&T) -> (String, Slot) + 'a>;

/// A column computed by the view (e.g. a cost from the price list).
pub struct Extra<'a, T> {
    pub title: &'a str,
    pub width: u16,
    pub cell: CellFn<'a, T>,
}

/// `cell_style` picks a style per cell (e.g. a status colour).
pub fn draw<T: TRow>(
    f: &mut Frame,
    area: Rect,
    state: &State,
    g: &Glyphs,
    table: &Table<T>,
    cell_style: impl Fn(&T, usize) -> Option<Slot>,
) {
    draw_with(f, area, state, g, table, cell_style, &[])
}

pub fn draw_with<T: TRow>(
    f: &mut Frame,
    area: Rect,
    state: &State,
    g: &Glyphs,
    table: &Table<T>,
    cell_style: impl Fn(&T, usize) -> Option<Slot>,
    extra: &[Extra<'_, T>],
) {
    let st = &state.styles;
    let cols = T::columns();
    let extra_w: u16 = extra.iter().map(|e| e.width + 1).sum();
    let shown = fit_columns::<T>(area.width.saturating_sub(extra_w));
    let header = Row::new(
        std::iter::once(Cell::from(""))
            .chain(shown.iter().map(|&i| {
                let mut title = cols[i].title.to_string();
                if i == table.sort_col && table.sort_outside.is_none() {
                    title.push_str(if table.sort_desc { g.sort_desc } else { g.sort_asc });
                }
                Cell::from(title)
            }))
            .chain(extra.iter().map(|e| {
                let mut title = e.title.to_string();
                if table.sort_outside.as_ref().is_some_and(|(t, _)| *t == e.title) {
                    title.push_str(if table.sort_desc { g.sort_desc } else { g.sort_asc });
                }
                Cell::from(Line::from(title).right_aligned())
            })),
    )
    .style(st.get(Slot::TableHeader));
    let height = area.height.saturating_sub(1) as usize;
    // The cursor row is marked by a glyph and by the selection style on its first
    // column only: legible without colour, and a cursor move repaints a few dozen
    // cells instead of two whole rows (the jump-box byte budget).
    // The visible cells, read once: for the widths and for the rows.
    let visible: Vec<(usize, &T, Vec<String>)> =
        table.visible(height).map(|(pos, item)| (pos, item, shown.iter().map(|&i| item.cell(i).into_owned()).collect())).collect();
    let rows = visible.iter().map(|(pos, item, texts)| {
        let selected = *pos == table.cursor;
        let marker = if selected { Span::styled(g.cursor, st.get(Slot::Selection)) } else { Span::raw(" ") };
        let cells = std::iter::once(Cell::from(marker)).chain(shown.iter().zip(texts).enumerate().map(|(n, (&i, text))| {
            let style = if selected && n == 0 {
                st.get(Slot::Selection)
            } else {
                cell_style(item, i).map(|s| st.get(s)).unwrap_or_else(|| st.get(Slot::Text))
            };
            let line = match cols[i].align {
                Align::Left => Line::from(Span::styled(text.clone(), style)),
                Align::Right => Line::from(Span::styled(text.clone(), style)).right_aligned(),
            };
            Cell::from(line)
        }));
        let extras = extra.iter().map(|e| {
            let (text, slot) = (e.cell)(item);
            Cell::from(Line::from(Span::styled(text, st.get(slot))).right_aligned())
        });
        Row::new(cells.chain(extras))
    });
    // Widths: each shown column starts at its preferred width; the space left
    // goes to the columns whose visible values are cut, up to what they need,
    // and what is still left to the first column. (Not all of it to the first:
    // at 200 columns names took 80 while images and domains were cut.)
    let mut w: Vec<u16> = shown.iter().map(|&i| cols[i].width).collect();
    let want: Vec<u16> = shown
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let title = cols[i].title.chars().count() as u16 + 1;
            let cells = visible.iter().map(|(_, _, t)| unicode_width::UnicodeWidthStr::width(t[n].as_str()) as u16).max().unwrap_or(0);
            title.max(cells)
        })
        .collect();
    let used: u16 = 1 + w.iter().map(|x| x + 1).sum::<u16>() + extra_w;
    let mut spare = area.width.saturating_sub(used);
    loop {
        let short: Vec<usize> = (0..w.len()).filter(|&n| want[n] > w[n]).collect();
        if spare == 0 || short.is_empty() {
            break;
        }
        let share = (spare / short.len() as u16).max(1);
        for n in short {
            let add = share.min(want[n] - w[n]).min(spare);
            w[n] += add;
            spare -= add;
        }
    }
    let mut widths: Vec<Constraint> = vec![Constraint::Length(1)];
    widths.extend(w.iter().enumerate().map(|(n, &x)| if n == 0 { Constraint::Min(x) } else { Constraint::Length(x) }));
    widths.extend(extra.iter().map(|e| Constraint::Length(e.width)));
    let t = TuiTable::new(rows, widths).header(header).column_spacing(1).style(Style::default());
    f.render_widget(t, area);
}
