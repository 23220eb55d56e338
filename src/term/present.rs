//! Puts frames on a real terminal: ratatui's cell diff, plus scroll regions.
//!
//! Diffing cells alone, a list scrolled by one row repaints every row of it
//! (1,353 bytes at 80x24). Here, when rows of the new frame are rows of the
//! one on screen moved up or down, the terminal moves them itself: a scroll
//! region (DECSTBM) around them, then LF at its bottom margin (or RI at its
//! top) per row, the region reset; and only what is new is drawn. VT100 has
//! all of this, and so has every terminal cutover meets (xterm, tmux, screen,
//! the Linux console).

use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect};
use std::io::{self, Write};

/// Rows `top..=bottom` (0-based) move up by `n` (down when negative).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scroll {
    pub top: u16,
    pub bottom: u16,
    pub n: i16,
}

/// The largest shift tried: a page jump repaints anyway.
const MAX_SHIFT: i16 = 3;
/// Fewer rows saved than this are not worth the region's bytes.
const MIN_SAVED: usize = 3;

pub struct Presenter<W: Write> {
    out: CrosstermBackend<W>,
    /// What the terminal shows now, as far as we know.
    shown: Buffer,
    /// The cursor as last set: `None` hidden.
    cursor: Option<Option<Position>>,
    /// Scroll regions are used (otherwise cells only, as ratatui draws).
    pub regions: bool,
}

impl<W: Write> Presenter<W> {
    /// For a terminal whose screen is blank (just entered, or cleared).
    pub fn new(out: W, area: Rect) -> Self {
        Presenter { out: CrosstermBackend::new(out), shown: Buffer::empty(area), cursor: None, regions: true }
    }

    /// The writer, for what goes around a frame (synchronized-update markers).
    pub fn out(&mut self) -> &mut CrosstermBackend<W> {
        &mut self.out
    }

    /// The screen is no longer what we drew (after a suspend): clear it, and
    /// the next frame paints everything.
    pub fn forget(&mut self) -> io::Result<()> {
        crossterm::queue!(self.out, crossterm::terminal::Clear(crossterm::terminal::ClearType::All))?;
        self.shown = Buffer::empty(self.shown.area);
        self.cursor = None;
        Ok(())
    }

    /// Makes the terminal show `next`, with the cursor at `cursor` (hidden when `None`).
    pub fn present(&mut self, next: &Buffer, cursor: Option<Position>) -> io::Result<()> {
        if next.area != self.shown.area {
            // Resized: the terminal's content is not ours to trust.
            crossterm::queue!(self.out, crossterm::terminal::Clear(crossterm::terminal::ClearType::All))?;
            self.shown = Buffer::empty(next.area);
        } else if self.regions
            && let Some(s) = find_scroll(&self.shown, next)
        {
            self.scroll(s)?;
        }
        let updates = self.shown.diff(next);
        if !updates.is_empty() {
            self.out.draw(updates.into_iter())?;
        }
        if self.cursor != Some(cursor) {
            match cursor {
                Some(p) => {
                    self.out.set_cursor_position(p)?;
                    self.out.show_cursor()?;
                }
                None => self.out.hide_cursor()?,
            }
            self.cursor = Some(cursor);
        } else if let Some(p) = cursor {
            // Drawing moved it.
            self.out.set_cursor_position(p)?;
        }
        self.shown = next.clone();
        Backend::flush(&mut self.out)
    }

    /// Moves rows on the terminal, and in `shown` as the terminal did.
    fn scroll(&mut self, s: Scroll) -> io::Result<()> {
        use crossterm::{cursor::MoveTo, style::Attribute, style::SetAttribute};
        // Rows scrolled in take the current background: the default one.
        crossterm::queue!(self.out, SetAttribute(Attribute::Reset))?;
        write!(self.out, "\x1b[{};{}r", s.top + 1, s.bottom + 1)?;
        if s.n > 0 {
            crossterm::queue!(self.out, MoveTo(0, s.bottom))?;
            for _ in 0..s.n {
                self.out.write_all(b"\n")?;
            }
        } else {
            crossterm::queue!(self.out, MoveTo(0, s.top))?;
            for _ in 0..-s.n {
                self.out.write_all(b"\x1bM")?;
            }
        }
        self.out.write_all(b"\x1b[r")?;
        // DECSTBM sent the cursor home: where it was is unknown to us now.
        self.cursor = None;
        shift_rows(&mut self.shown, s);
        Ok(())
    }
}

/// `buf` as the terminal shows it after `s`: rows moved, those scrolled in blank.
pub fn shift_rows(buf: &mut Buffer, s: Scroll) {
    let w = buf.area.width as usize;
    let (top, bottom) = (s.top as usize, s.bottom as usize);
    let rows = &mut buf.content[top * w..(bottom + 1) * w];
    let k = s.n.unsigned_abs() as usize * w;
    if s.n > 0 {
        rows.rotate_left(k);
        let len = rows.len();
        rows[len - k..].fill(Cell::EMPTY);
    } else {
        rows.rotate_right(k);
        rows[..k].fill(Cell::EMPTY);
    }
}

/// The shift that saves the most rows from `shown` to `next`, if one saves
/// enough: the longest run of rows of `next` that are rows of `shown` moved
/// by `n`, counting only those that differ where they are.
pub fn find_scroll(shown: &Buffer, next: &Buffer) -> Option<Scroll> {
    let w = shown.area.width as usize;
    let h = shown.area.height as usize;
    if w == 0 || h < 2 || next.area != shown.area {
        return None;
    }
    fn row(b: &Buffer, y: usize, w: usize) -> &[Cell] {
        &b.content[y * w..(y + 1) * w]
    }
    let same: Vec<bool> = (0..h).map(|y| row(shown, y, w) == row(next, y, w)).collect();
    let mut best: Option<(usize, Scroll)> = None;
    for n in (1..=MAX_SHIFT).flat_map(|n| [n, -n]) {
        let moved = |y: usize| {
            let from = y as i64 + n as i64;
            (0..h as i64).contains(&from) && row(next, y, w) == row(shown, from as usize, w)
        };
        let mut y = 0;
        while y < h {
            if same[y] || !moved(y) {
                y += 1;
                continue;
            }
            let start = y;
            while y < h && moved(y) {
                y += 1;
            }
            let end = y - 1;
            let saved = (start..=end).filter(|&r| !same[r]).count();
            let (top, bottom) = if n > 0 { (start, end + n as usize) } else { (start - n.unsigned_abs() as usize, end) };
            if saved >= MIN_SAVED && best.is_none_or(|(b, _)| saved > b) {
                best = Some((saved, Scroll { top: top as u16, bottom: bottom as u16, n }));
            }
        }
    }
    best.map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Style};

    fn lines(area: Rect, rows: &[String]) -> Buffer {
        let mut b = Buffer::empty(area);
        for (y, r) in rows.iter().enumerate() {
            b.set_string(0, y as u16, r, Style::default().fg(if r.starts_with('>') { Color::Yellow } else { Color::Reset }));
        }
        b
    }

    /// What a terminal shows after `bytes`, row by row.
    fn emulate(parser: &mut vt100::Parser, bytes: &[u8], area: Rect) -> Vec<String> {
        parser.process(bytes);
        (0..area.height).map(|y| parser.screen().contents_between(y, 0, y, area.width).trim_end().to_string()).collect()
    }

    fn text(b: &Buffer) -> Vec<String> {
        (0..b.area.height).map(|y| (0..b.area.width).map(|x| b[(x, y)].symbol()).collect::<String>().trim_end().to_string()).collect()
    }

    /// A list of 100 items in rows 2..=20 of a 40x24 screen, a header and a
    /// footer that stay, the cursor row marked.
    fn frame(area: Rect, first: usize, cursor: usize) -> Buffer {
        let mut rows = vec!["header".to_string(), "-- list --".to_string()];
        for i in first..first + 19 {
            rows.push(format!("{}item {i:03} {}", if i == cursor { ">" } else { " " }, "x".repeat(i % 20)));
        }
        rows.push("-- end --".into());
        rows.push("status".into());
        lines(area, &rows)
    }

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn take(&self) -> Vec<u8> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }

    #[test]
    fn a_scrolled_list_is_moved_by_the_terminal_and_shows_the_same() {
        let area = Rect::new(0, 0, 40, 24);
        let (out, plain_out) = (Shared::default(), Shared::default());
        let mut p = Presenter::new(out.clone(), area);
        let mut vt = vt100::Parser::new(24, 40, 0);
        let mut plain = Presenter::new(plain_out.clone(), area);
        plain.regions = false;
        p.present(&frame(area, 0, 18), None).unwrap();
        plain.present(&frame(area, 0, 18), None).unwrap();
        emulate(&mut vt, &out.take(), area);
        plain_out.take();
        // Down past the page, up past it, two at once, and a jump.
        let steps = [(1, 19), (2, 20), (3, 21), (2, 2), (1, 1), (3, 21), (60, 78), (59, 59)];
        let mut with = Vec::new();
        let mut without = Vec::new();
        for (first, cursor) in steps {
            let next = frame(area, first, cursor);
            p.present(&next, None).unwrap();
            plain.present(&next, None).unwrap();
            let bytes = out.take();
            with.push(bytes.len());
            without.push(plain_out.take().len());
            assert_eq!(emulate(&mut vt, &bytes, area), text(&next), "the terminal shows the frame after scrolling to {first}");
            // Colours follow the cells: the cursor row is yellow, the one before is not.
            let y = (cursor - first + 2) as u16;
            let colour = |row: u16| vt.screen().cell(row, 1).map(|c| c.fgcolor());
            assert_ne!(colour(y), Some(vt100::Color::Default), "the cursor row is coloured");
            let other = if y == 2 { 3 } else { y - 1 };
            assert_eq!(colour(other), Some(vt100::Color::Default), "the row beside it is not");
        }
        // A one-row scroll costs a fraction of the repaint.
        assert!(with[0] * 2 < without[0], "one row: {} bytes with regions, {} without", with[0], without[0]);
        assert!(with[6] >= without[6] - 40, "a jump is not helped: {} vs {}", with[6], without[6]);
    }

    #[test]
    fn finds_the_moved_rows_and_leaves_the_rest() {
        let area = Rect::new(0, 0, 40, 24);
        let s = find_scroll(&frame(area, 0, 18), &frame(area, 1, 19)).unwrap();
        // Rows 2..=18 of the new frame were rows 3..=19; 19 and 20 are drawn.
        assert_eq!(s, Scroll { top: 2, bottom: 19, n: 1 });
        let s = find_scroll(&frame(area, 5, 5), &frame(area, 4, 4)).unwrap();
        assert_eq!(s, Scroll { top: 3, bottom: 20, n: -1 });
        assert_eq!(find_scroll(&frame(area, 0, 3), &frame(area, 0, 4)), None, "a cursor move is no scroll");
        assert_eq!(find_scroll(&frame(area, 0, 3), &frame(area, 50, 53)), None, "a jump is no scroll");
    }

    #[test]
    fn shifting_blanks_the_rows_scrolled_in() {
        let area = Rect::new(0, 0, 4, 4);
        let mut b = lines(area, &["a".into(), "b".into(), "c".into(), "d".into()]);
        shift_rows(&mut b, Scroll { top: 1, bottom: 3, n: 1 });
        assert_eq!(text(&b), ["a", "c", "d", ""]);
        shift_rows(&mut b, Scroll { top: 0, bottom: 2, n: -2 });
        assert_eq!(text(&b), ["", "", "a", ""]);
    }
}
