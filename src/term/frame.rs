//! The screen as text, for playbooks (`WaitFor`, `Assert`, `Snapshot`) and tests.

use ratatui::buffer::Buffer;
use std::sync::Arc;

/// Rows of the buffer as text, trailing spaces trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::with_capacity((area.width as usize + 1) * area.height as usize);
    for y in area.top()..area.bottom() {
        let mut line = String::with_capacity(area.width as usize);
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            // A wide glyph covers the next cell too.
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One drawn frame: its number, the last playbook key handled before it, its text.
#[derive(Clone, Debug)]
pub struct Drawn {
    pub frame: u64,
    pub seq: u64,
    pub screen: Arc<String>,
}

/// How many drawn frames a `FrameInfo` keeps: at one frame per 10 ms, over a
/// second, so a waiting playbook sees every frame even if it wakes late.
pub const RECENT_FRAMES: usize = 128;

/// What a playbook can observe after each loop turn.
#[derive(Clone, Debug, Default)]
pub struct FrameInfo {
    pub screen: Arc<String>,
    /// The last frames drawn, oldest first (a message shown for one frame is in
    /// one of them even when the latest frame has moved on).
    pub recent: Arc<std::collections::VecDeque<Drawn>>,
    pub width: u16,
    pub height: u16,
    pub busy: usize,
    /// The last playbook key handled.
    pub seq: u64,
    pub frames: u64,
    pub quit: bool,
}
