//! Every non-ASCII glyph the UI draws, with its ASCII replacement (`--ascii`).

use ratatui::symbols::border;

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
}

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
};

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
};

pub fn for_ascii(ascii: bool) -> &'static Glyphs {
    if ascii { &ASCII } else { &UNICODE }
}
