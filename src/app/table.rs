//! A list of rows with a filter, a sort and a cursor: what every pane's list is.
//! The view is a vector of indices into `items`, so filtering and sorting 10,000
//! rows moves integers, not rows.

use regex::{Regex, RegexBuilder};
use std::borrow::Cow;
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub title: &'static str,
    /// Preferred width; the UI may shrink or drop columns with priority > 1 on narrow screens.
    pub width: u16,
    pub align: Align,
    /// 0 = always shown; higher numbers drop first when space is short.
    pub priority: u8,
}

/// Columns that fit in `width`, dropping the highest priority numbers first.
pub fn fit_columns<T: Row>(width: u16) -> Vec<usize> {
    let cols = T::columns();
    let mut shown: Vec<usize> = (0..cols.len()).collect();
    let need = |s: &[usize]| s.iter().map(|&i| cols[i].width + 1).sum::<u16>() + 2;
    while need(&shown) > width {
        let Some((pos, _)) = shown.iter().enumerate().filter(|(_, i)| cols[**i].priority > 0).max_by_key(|(p, i)| (cols[**i].priority, *p))
        else {
            break;
        };
        shown.remove(pos);
    }
    shown
}

#[derive(Clone, Debug, PartialEq, PartialOrd)]
pub enum SortKey<'a> {
    Text(Cow<'a, str>),
    Num(f64),
}

pub trait Row {
    fn columns() -> &'static [Column];
    fn cell(&self, col: usize) -> Cow<'_, str>;
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        SortKey::Text(self.cell(col))
    }
    /// All text a filter searches (any case; lowercased by the table).
    fn haystack(&self) -> String;
    /// Stable identity, to keep the cursor on the same row across reloads.
    fn id(&self) -> String;
}

#[derive(Clone, Debug)]
pub enum Matcher {
    Text(String),
    Regex(Regex),
}

/// A `/` filter: a regex (case-insensitive) when it is one, else plain text;
/// a leading `!` keeps the rows that do not match.
#[derive(Clone, Debug)]
pub struct Filter {
    pub source: String,
    pub inverse: bool,
    pub matcher: Matcher,
}

const META: &[char] = &['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\'];

impl Filter {
    pub fn parse(source: &str) -> Option<Filter> {
        let (inverse, pat) = match source.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, source),
        };
        if pat.is_empty() {
            return None;
        }
        let matcher = if pat.contains(META) {
            match RegexBuilder::new(pat).case_insensitive(true).size_limit(1 << 20).build() {
                Ok(re) => Matcher::Regex(re),
                // Not a valid regex (say `db(`): take it literally.
                Err(_) => Matcher::Text(pat.to_lowercase()),
            }
        } else {
            Matcher::Text(pat.to_lowercase())
        };
        Some(Filter { source: source.to_string(), inverse, matcher })
    }

    /// `hay` is already lowercase.
    pub fn matches(&self, hay: &str) -> bool {
        let m = match &self.matcher {
            Matcher::Text(t) => hay.contains(t.as_str()),
            Matcher::Regex(re) => re.is_match(hay),
        };
        m != self.inverse
    }

    pub fn is_regex(&self) -> bool {
        matches!(self.matcher, Matcher::Regex(_))
    }
}

/// A shared row is a row (the server list is shared with the world).
impl<T: Row> Row for std::sync::Arc<T> {
    fn columns() -> &'static [Column] {
        T::columns()
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        (**self).cell(col)
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        (**self).sort_key(col)
    }
    fn haystack(&self) -> String {
        (**self).haystack()
    }
    fn id(&self) -> String {
        (**self).id()
    }
}

/// A cursor and scroll offset over a list that is not a [`Table`] (a run's
/// steps, a firewall's rules): the same keys move it the same way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub pos: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves for a list key over `len` rows shown `height` at a time; false
    /// when `cmd` is not a list key.
    pub fn navigate(&mut self, cmd: crate::input::Command, len: usize, height: usize) -> bool {
        let Some(d) = cursor_delta(cmd, height) else { return false };
        self.pos = move_cursor(self.pos, len, d);
        self.scroll_to(len, height);
        true
    }

    /// Keeps the cursor on a row after the list changed.
    pub fn clamp(&mut self, len: usize) {
        self.pos = self.pos.min(len.saturating_sub(1));
    }

    /// Keeps the cursor inside a window of `height` rows.
    pub fn scroll_to(&mut self, len: usize, height: usize) {
        let h = height.max(1);
        if self.pos < self.offset {
            self.offset = self.pos;
        } else if self.pos >= self.offset + h {
            self.offset = self.pos + 1 - h;
        }
        self.offset = self.offset.min(len.saturating_sub(h));
    }
}

/// A predicate narrowing a table before its filter (e.g. a label selector).
pub type RowPredicate<T> = Box<dyn Fn(&T) -> bool + Send + Sync>;
/// A number for a row that the row does not hold (a server's monthly cost).
pub type RowKey<T> = Box<dyn Fn(&T) -> f64 + Send + Sync>;

pub struct Table<T: Row> {
    items: Vec<T>,
    /// Lowercased filter text per item.
    hay: Vec<String>,
    /// Sort key per item for the current sort column.
    keys: Vec<OwnedKey>,
    /// All item indices in sort order (independent of the filter).
    order: Vec<u32>,
    /// `order` minus the rows the scope and filter hide: what is shown.
    view: Vec<u32>,
    pub cursor: usize,
    pub offset: usize,
    filter: Option<Filter>,
    /// An extra predicate (e.g. a label selector) applied before the filter.
    pub scope: Option<RowPredicate<T>>,
    pub scope_label: Option<String>,
    pub sort_col: usize,
    pub sort_desc: bool,
    /// Sorted by a column of the view, not of the row (its title and key).
    pub sort_outside: Option<(&'static str, RowKey<T>)>,
}

#[derive(Clone, Debug, PartialEq)]
enum OwnedKey {
    Text(String),
    Num(f64),
}

impl OwnedKey {
    fn of(k: SortKey<'_>) -> OwnedKey {
        match k {
            SortKey::Text(t) => OwnedKey::Text(t.to_lowercase()),
            SortKey::Num(n) => OwnedKey::Num(n),
        }
    }
}

/// How far a list command moves a cursor: a row, a page of `page` rows, or
/// (top, bottom) as far as it goes. `None` for any other command.
pub fn cursor_delta(cmd: crate::input::Command, page: usize) -> Option<isize> {
    use crate::input::Command as C;
    let p = page.max(1) as isize;
    Some(match cmd {
        C::Down => 1,
        C::Up => -1,
        C::PageDown => p,
        C::PageUp => -p,
        C::Top => isize::MIN / 2,
        C::Bottom => isize::MAX / 2,
        _ => return None,
    })
}

/// A cursor over `len` rows moved by `delta`, kept on a row.
pub fn move_cursor(cursor: usize, len: usize, delta: isize) -> usize {
    (cursor as isize).saturating_add(delta).clamp(0, len.saturating_sub(1) as isize) as usize
}

impl<T: Row> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            hay: Vec::new(),
            keys: Vec::new(),
            order: Vec::new(),
            view: Vec::new(),
            cursor: 0,
            offset: 0,
            filter: None,
            scope: None,
            scope_label: None,
            sort_col: 0,
            sort_desc: false,
            sort_outside: None,
        }
    }
}

impl<T: Row> Table<T> {
    pub fn items(&self) -> &[T] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    pub fn total(&self) -> usize {
        self.items.len()
    }

    pub fn filter(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    /// The filter as typed (empty without one), for the command line.
    pub fn filter_text(&self) -> String {
        self.filter.as_ref().map(|f| f.source.clone()).unwrap_or_default()
    }

    /// A filter typed on the command line, the cursor kept on screen.
    pub fn apply_filter(&mut self, text: &str, height: usize) {
        self.set_filter(Filter::parse(text));
        self.scroll_to_cursor(height);
    }

    /// The row at a view position.
    pub fn row(&self, pos: usize) -> Option<&T> {
        self.view.get(pos).map(|&i| &self.items[i as usize])
    }

    pub fn selected(&self) -> Option<&T> {
        self.row(self.cursor)
    }

    fn selected_index(&self) -> Option<u32> {
        self.view.get(self.cursor).copied()
    }

    /// Rows `offset..offset+n` of the view.
    pub fn visible(&self, n: usize) -> impl Iterator<Item = (usize, &T)> {
        self.view.iter().enumerate().skip(self.offset).take(n).map(|(pos, &i)| (pos, &self.items[i as usize]))
    }

    /// Replaces all rows, keeping the cursor on the same row id when it is still there.
    pub fn set_items(&mut self, items: Vec<T>) {
        let keep_id = self.selected().map(Row::id);
        self.hay = items.iter().map(|r| r.haystack().to_lowercase()).collect();
        self.items = items;
        self.resort();
        let keep = keep_id.and_then(|id| self.items.iter().position(|r| r.id() == id)).map(|i| i as u32);
        self.refilter(keep);
    }

    /// Appends rows (a page arriving), keeping the cursor where it is. The new
    /// rows are sorted and merged into the order: no full re-sort per page.
    pub fn extend(&mut self, more: Vec<T>) {
        let keep = self.selected_index();
        let first = self.items.len() as u32;
        self.hay.extend(more.iter().map(|r| r.haystack().to_lowercase()));
        let keys: Vec<OwnedKey> = more.iter().map(|r| self.key_of(r)).collect();
        self.keys.extend(keys);
        self.items.extend(more);
        let mut new: Vec<u32> = (first..self.items.len() as u32).collect();
        self.sort_indices(&mut new);
        let old = std::mem::take(&mut self.order);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut a, mut b) = (old.into_iter().peekable(), new.into_iter().peekable());
        while let (Some(&x), Some(&y)) = (a.peek(), b.peek()) {
            if self.cmp_items(y, x) == Ordering::Less {
                merged.push(y);
                b.next();
            } else {
                merged.push(x);
                a.next();
            }
        }
        merged.extend(a);
        merged.extend(b);
        self.order = merged;
        self.refilter(keep);
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.hay.clear();
        self.keys.clear();
        self.order.clear();
        self.view.clear();
        self.cursor = 0;
        self.offset = 0;
    }

    pub fn set_filter(&mut self, f: Option<Filter>) {
        let keep = self.selected_index();
        self.filter = f;
        self.refilter(keep);
    }

    pub fn set_scope(&mut self, label: Option<String>, pred: Option<RowPredicate<T>>) {
        let keep = self.selected_index();
        self.scope_label = label;
        self.scope = pred;
        self.refilter(keep);
    }

    fn key_of(&self, r: &T) -> OwnedKey {
        match &self.sort_outside {
            Some((_, key)) => OwnedKey::Num(key(r)),
            None => OwnedKey::of(r.sort_key(self.sort_col)),
        }
    }

    /// Sorts by a number the view knows for each row (its column `title`).
    pub fn sort_by_outside(&mut self, title: &'static str, key: RowKey<T>, desc: bool) {
        let keep = self.selected_index();
        self.sort_outside = Some((title, key));
        self.sort_desc = desc;
        self.resort();
        self.refilter(keep);
    }

    pub fn sort_by(&mut self, col: usize, desc: bool) {
        let keep = self.selected_index();
        self.sort_outside = None;
        self.sort_col = col.min(T::columns().len().saturating_sub(1));
        self.sort_desc = desc;
        self.resort();
        self.refilter(keep);
    }

    fn cmp_items(&self, a: u32, b: u32) -> Ordering {
        let o = compare_keys(&self.keys[a as usize], &self.keys[b as usize]);
        if self.sort_desc { o.reverse() } else { o }
    }

    fn sort_indices(&self, idx: &mut [u32]) {
        idx.sort_by(|&a, &b| self.cmp_items(a, b));
    }

    fn resort(&mut self) {
        self.keys = self.items.iter().map(|r| self.key_of(r)).collect();
        let mut order: Vec<u32> = (0..self.items.len() as u32).collect();
        self.sort_indices(&mut order);
        self.order = order;
    }

    /// Recomputes the view from the order (one linear pass) and puts the cursor
    /// back on item `keep` if it is still shown.
    fn refilter(&mut self, keep: Option<u32>) {
        let filter = self.filter.as_ref();
        let scope = self.scope.as_ref();
        let (items, hay) = (&self.items, &self.hay);
        self.view.clear();
        self.view.extend(
            self.order
                .iter()
                .copied()
                .filter(|&i| scope.is_none_or(|p| p(&items[i as usize])))
                .filter(|&i| filter.is_none_or(|f| f.matches(&hay[i as usize]))),
        );
        if let Some(k) = keep
            && let Some(pos) = self.view.iter().position(|&i| i == k)
        {
            self.cursor = pos;
            return;
        }
        self.cursor = self.cursor.min(self.view.len().saturating_sub(1));
    }

    /// Puts the cursor on the row with this id, if it is shown.
    /// Puts the cursor on the row whose first column is `name` (any case),
    /// clearing a filter that hides it. Otherwise the names closest to it, for
    /// a "did you mean".
    pub fn select_name(&mut self, col: usize, name: &str) -> Result<(), Vec<String>> {
        let Some(i) = self.items.iter().position(|r| r.cell(col).eq_ignore_ascii_case(name)) else {
            let mut near: Vec<(f64, String)> = self
                .items
                .iter()
                .map(|r| {
                    let n = r.cell(col).into_owned();
                    (strsim::jaro_winkler(&n.to_lowercase(), &name.to_lowercase()), n)
                })
                .filter(|(score, _)| *score > 0.7)
                .collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0));
            return Err(near.into_iter().take(3).map(|(_, n)| n).collect());
        };
        if !self.view.contains(&(i as u32)) {
            self.set_filter(None);
        }
        if let Some(p) = self.view.iter().position(|&v| v as usize == i) {
            self.cursor = p;
        }
        Ok(())
    }

    pub fn select_id(&mut self, id: &str) -> bool {
        match self.view.iter().position(|&i| self.items[i as usize].id() == id) {
            Some(p) => {
                self.cursor = p;
                true
            }
            None => false,
        }
    }

    /// Moves the cursor by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            self.cursor = 0;
            return;
        }
        let max = self.view.len() - 1;
        self.cursor = (self.cursor as isize + delta).clamp(0, max as isize) as usize;
    }

    pub fn top(&mut self) {
        self.cursor = 0;
    }

    pub fn bottom(&mut self) {
        self.cursor = self.view.len().saturating_sub(1);
    }

    /// The list keys every table shares: moving, paging and sorting. False when
    /// `cmd` is none of them.
    pub fn navigate(&mut self, cmd: crate::input::Command, height: usize) -> bool {
        self.navigate_in(cmd, height, u16::MAX)
    }

    /// As `navigate`, in a list `width` columns wide: sorting moves over the
    /// columns that are shown at that width only.
    pub fn navigate_in(&mut self, cmd: crate::input::Command, height: usize, width: u16) -> bool {
        use crate::input::Command as C;
        if let Some(d) = cursor_delta(cmd, height) {
            self.move_by(d);
            self.scroll_to_cursor(height);
            return true;
        }
        match cmd {
            C::SortNext => {
                let shown = fit_columns::<T>(width);
                let next = match self.sort_outside {
                    Some(_) => shown.first().copied().unwrap_or(0),
                    None => shown.iter().copied().find(|&c| c > self.sort_col).or_else(|| shown.first().copied()).unwrap_or(0),
                };
                self.sort_by(next, false)
            }
            C::SortReverse if self.sort_outside.is_some() => {
                let keep = self.selected_index();
                self.sort_desc = !self.sort_desc;
                self.resort();
                self.refilter(keep);
            }
            C::SortReverse => self.sort_by(self.sort_col, !self.sort_desc),
            _ => return false,
        }
        self.scroll_to_cursor(height);
        true
    }

    /// Adjusts `offset` so the cursor is inside a window of `height` rows.
    pub fn scroll_to_cursor(&mut self, height: usize) {
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        let max_off = self.view.len().saturating_sub(h);
        self.offset = self.offset.min(max_off);
    }
}

fn compare_keys(a: &OwnedKey, b: &OwnedKey) -> Ordering {
    match (a, b) {
        (OwnedKey::Num(x), OwnedKey::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (OwnedKey::Text(x), OwnedKey::Text(y)) => natural_cmp(x, y),
        (OwnedKey::Num(_), OwnedKey::Text(_)) => Ordering::Less,
        (OwnedKey::Text(_), OwnedKey::Num(_)) => Ordering::Greater,
    }
}

/// Case-insensitive order that compares digit runs as numbers (`web-2` < `web-10`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut ai, mut bi) = (a.char_indices().peekable(), b.char_indices().peekable());
    loop {
        match (ai.peek().copied(), bi.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((_, ca)), Some((_, cb))) if ca.is_ascii_digit() && cb.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::CharIndices>| {
                    let mut n: u128 = 0;
                    while let Some(&(_, c)) = it.peek() {
                        match c.to_digit(10) {
                            Some(d) => {
                                n = n.saturating_mul(10).saturating_add(d as u128);
                                it.next();
                            }
                            None => break,
                        }
                    }
                    n
                };
                let (na, nb) = (take(&mut ai), take(&mut bi));
                if na != nb {
                    return na.cmp(&nb);
                }
            }
            (Some((_, ca)), Some((_, cb))) => {
                let (la, lb) = (ca.to_lowercase().next().unwrap_or(ca), cb.to_lowercase().next().unwrap_or(cb));
                if la != lb {
                    return la.cmp(&lb);
                }
                ai.next();
                bi.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct R(&'static str, f64);

    impl Row for R {
        fn columns() -> &'static [Column] {
            &[
                Column { title: "NAME", width: 10, align: Align::Left, priority: 0 },
                Column { title: "N", width: 3, align: Align::Right, priority: 0 },
            ]
        }
        fn cell(&self, col: usize) -> Cow<'_, str> {
            if col == 0 { self.0.into() } else { self.1.to_string().into() }
        }
        fn sort_key(&self, col: usize) -> SortKey<'_> {
            if col == 0 { SortKey::Text(self.0.into()) } else { SortKey::Num(self.1) }
        }
        fn haystack(&self) -> String {
            self.0.into()
        }
        fn id(&self) -> String {
            self.0.into()
        }
    }

    fn table() -> Table<R> {
        let mut t = Table::default();
        t.set_items(vec![R("web-10", 3.0), R("web-2", 1.0), R("DB-prod", 2.0), R("cache", 9.0)]);
        t
    }

    fn names(t: &Table<R>) -> Vec<&str> {
        t.visible(100).map(|(_, r)| r.0).collect()
    }

    #[test]
    fn sorts_naturally_and_numerically() {
        let mut t = table();
        assert_eq!(names(&t), ["cache", "DB-prod", "web-2", "web-10"]);
        t.sort_by(1, true);
        assert_eq!(names(&t), ["cache", "web-10", "DB-prod", "web-2"]);
    }

    #[test]
    fn filters_text_regex_and_inverse() {
        let mut t = table();
        t.set_filter(Filter::parse("WEB"));
        assert_eq!(names(&t), ["web-2", "web-10"]);
        t.set_filter(Filter::parse("^(db|cache)"));
        assert_eq!(names(&t), ["cache", "DB-prod"]);
        assert!(t.filter().unwrap().is_regex());
        t.set_filter(Filter::parse("!web"));
        assert_eq!(names(&t), ["cache", "DB-prod"]);
        // An invalid regex is taken literally rather than refused.
        t.set_filter(Filter::parse("db("));
        assert!(t.is_empty());
        t.set_filter(None);
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn a_cursor_takes_every_list_key() {
        use crate::input::Command as C;
        let mut c = Cursor::default();
        assert!(c.navigate(C::Down, 30, 10));
        assert_eq!(c.pos, 1);
        c.navigate(C::PageDown, 30, 10);
        assert_eq!((c.pos, c.offset), (11, 2));
        c.navigate(C::Bottom, 30, 10);
        assert_eq!((c.pos, c.offset), (29, 20));
        c.navigate(C::PageUp, 30, 10);
        assert_eq!(c.pos, 19);
        c.navigate(C::Top, 30, 10);
        assert_eq!((c.pos, c.offset), (0, 0));
        assert!(!c.navigate(C::Open, 30, 10), "not a list key");
        c.navigate(C::Down, 0, 10);
        assert_eq!(c.pos, 0, "an empty list keeps the cursor at 0");
    }

    #[test]
    fn cursor_follows_the_row_across_changes() {
        let mut t = table();
        t.move_by(2);
        assert_eq!(t.selected().unwrap().0, "web-2");
        t.sort_by(0, true);
        assert_eq!(t.selected().unwrap().0, "web-2");
        t.extend(vec![R("web-3", 0.0)]);
        assert_eq!(t.selected().unwrap().0, "web-2");
        t.move_by(100);
        assert_eq!(t.cursor, 4);
        t.scroll_to_cursor(2);
        assert_eq!(t.offset, 3);
        t.top();
        t.scroll_to_cursor(2);
        assert_eq!(t.offset, 0);
    }
}
