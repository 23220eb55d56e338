//! Every non-ASCII glyph the UI draws, with its ASCII replacement (`--ascii`).

use ratatui::symbols::{bar, border};

pub struct Glyphs {
    pub border: border::Set<'static>,
    pub spinner: &'static [&'static str],
    pub cursor: &'static str,
    pub sort_asc: &'static str,
    pub sort_desc: &'static str,
    pub sep: &'static str,
    pub ellipsis: &'static str,
    pub warn: &'static str,
    pub dot: &'static str,
    /// Marks a notice that waits for the operator.
    pub notice: &'static str,
    /// Sparkline bars, lowest to highest.
    pub bars: bar::Set<'static>,
    /// The line of a marker in a log (`── reconnected ──`).
    pub rule: &'static str,
}

/// Sparkline levels in ASCII: `.` low, `-` middle, `=` high, `#` full.
pub const ASCII_BARS: bar::Set<'static> = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

pub const UNICODE: Glyphs = Glyphs {
    border: border::ROUNDED,
    spinner: &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
    cursor: "▶",
    sort_asc: "▲",
    sort_desc: "▼",
    sep: "│",
    ellipsis: "…",
    warn: "⚠",
    dot: "●",
    notice: "⚑",
    bars: bar::NINE_LEVELS,
    rule: "─",
};

/// For the Linux console (TERM=linux): its fonts have no rounded corners.
pub const UNICODE_SQUARE: Glyphs = Glyphs { border: border::PLAIN, ..UNICODE };

pub const ASCII: Glyphs = Glyphs {
    border: ASCII_BORDER,
    spinner: &["|", "/", "-", "\\"],
    cursor: ">",
    sort_asc: "^",
    sort_desc: "v",
    sep: "|",
    ellipsis: "...",
    warn: "!",
    dot: "*",
    notice: "!!",
    bars: ASCII_BARS,
    rule: "-",
};

pub fn pick(ascii: bool, square: bool) -> &'static Glyphs {
    match (ascii, square) {
        (true, _) => &ASCII,
        (false, true) => &UNICODE_SQUARE,
        (false, false) => &UNICODE,
    }
}

/// Text from the app or a remote made ASCII: the few non-ASCII marks cutover
/// itself puts in values (`…` for still loading, `─` in log markers).
pub fn ascii_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.replace('…', "...").replace('─', "-"))
}
