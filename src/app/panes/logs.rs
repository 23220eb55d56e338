//! The Logs pane: tabs of log tails and command runs over SSH. Each tab has a
//! ring buffer, follow mode, a filter (hide non-matching) and a highlight (mark
//! matches, jump between them) as two separate modes. `:tail`, `:exec` and
//! `:save` are its command-mode words.

use super::{Pane, PaneInfo};
use crate::app::action::Effect;
use crate::app::cx::Cx;
use crate::app::prompt::{Prompt, PromptKind};
use crate::app::state::Level as MsgLevel;
use crate::input::{Command, Scope};
use crate::logs::{Kind, Level, LogBuffer, Matcher};
use crate::ssh::tail::{Batch, TailSource, TailStatus};
use crate::ssh::{Exit, HostRef};

pub const DEFAULT_CAP: usize = 100_000;

#[derive(Clone, Debug, PartialEq)]
pub enum TabKind {
    Tail {
        source: TailSource,
        status: TailStatus,
    },
    /// A one-off command; `container` when it runs inside an application's container.
    Run {
        command: String,
        container: Option<String>,
        state: RunState,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    Connecting,
    Running { target: String },
    Cancelling,
    Done(Exit),
    Failed(String),
}

pub struct LogTab {
    pub id: u64,
    pub title: String,
    pub host: HostRef,
    pub kind: TabKind,
    pub buffer: LogBuffer,
    /// Auto-scroll to the newest line.
    pub follow: bool,
    /// Global index of the top line shown when not following.
    pub anchor: u64,
    pub filter: Option<Matcher>,
    /// Global indices of lines that pass the filter (when one is set).
    pub filtered: Vec<u64>,
    pub highlight: Option<Matcher>,
    /// The highlighted line the last jump landed on.
    pub current_match: Option<u64>,
    pub case_sensitive: bool,
    pub wrap: bool,
    /// Columns scrolled sideways (when not wrapping).
    pub hscroll: u16,
    pub timestamps: bool,
    /// Lines the tail dropped because the console fell behind.
    pub dropped: u64,
}

impl LogTab {
    pub fn new(id: u64, title: String, host: HostRef, kind: TabKind, cap: usize) -> LogTab {
        LogTab::with_bytes(id, title, host, kind, cap, crate::logs::buffer::DEFAULT_BYTES)
    }

    /// A tab keeping at most `cap` lines and `byte_cap` bytes.
    pub fn with_bytes(id: u64, title: String, host: HostRef, kind: TabKind, cap: usize, byte_cap: usize) -> LogTab {
        LogTab {
            id,
            title,
            host,
            kind,
            buffer: LogBuffer::with_bytes(cap, byte_cap),
            follow: true,
            anchor: 0,
            filter: None,
            filtered: Vec::new(),
            highlight: None,
            current_match: None,
            case_sensitive: false,
            wrap: false,
            hscroll: 0,
            timestamps: false,
            dropped: 0,
        }
    }

    /// The width of the longest line among the last `height` rows and those
    /// around the anchor (what can be on screen).
    pub fn longest_shown(&self, height: usize) -> usize {
        let rows = self.rows();
        let first = if self.follow { rows.saturating_sub(height) } else { self.top_row(height) };
        (first..(first + height).min(rows))
            .filter_map(|r| self.row_index(r).and_then(|g| self.buffer.get(g)))
            .map(|l| unicode_width::UnicodeWidthStr::width(if self.timestamps { l.text } else { l.body() }))
            .max()
            .unwrap_or(0)
    }

    pub fn is_run(&self) -> bool {
        matches!(self.kind, TabKind::Run { .. })
    }

    /// Appends a batch; keeps the filtered list and anchor valid as old lines go.
    pub fn push_batch(&mut self, b: &Batch) {
        if b.dropped > 0 {
            self.dropped += b.dropped;
            self.buffer.push_marker(&format!("── {} lines dropped: the console fell behind the stream ──", b.dropped));
            self.index_new();
        }
        let first_new = self.buffer.range().1;
        for l in &b.lines {
            self.buffer.push_clean(&b.text[l.start as usize..(l.start + l.len) as usize], l.level, l.ts_len as usize, l.kind);
        }
        let _ = first_new;
        self.index_new();
    }

    pub fn push_marker(&mut self, text: &str) {
        self.buffer.push_marker(text);
        self.index_new();
    }

    /// Filters lines added since the last call; drops evicted ones.
    fn index_new(&mut self) {
        let (start, end) = self.buffer.range();
        if let Some(f) = &self.filter {
            let from = self.filtered.last().map(|l| l + 1).unwrap_or(start).max(start);
            for line in self.buffer.iter_from(from) {
                if line.index >= end {
                    break;
                }
                if line.kind == Kind::Marker || f.is_match(line.text) {
                    self.filtered.push(line.index);
                }
            }
            let gone = self.filtered.partition_point(|&i| i < start);
            self.filtered.drain(..gone);
        }
        if self.anchor < start {
            self.anchor = start;
        }
    }

    pub fn set_filter(&mut self, m: Option<Matcher>) {
        self.filter = m;
        self.filtered.clear();
        if self.filter.is_some() {
            let (start, _) = self.buffer.range();
            let f = self.filter.as_ref().map(|f| f.regex.clone());
            if let Some(re) = f {
                self.filtered =
                    self.buffer.iter_from(start).filter(|l| l.kind == Kind::Marker || re.is_match(l.text)).map(|l| l.index).collect();
            }
        }
        self.follow = true;
    }

    /// The number of rows the view can show and the global index of each.
    pub fn rows(&self) -> usize {
        match &self.filter {
            Some(_) => self.filtered.len(),
            None => self.buffer.len(),
        }
    }

    /// Global index of view row `i`.
    pub fn row_index(&self, i: usize) -> Option<u64> {
        match &self.filter {
            Some(_) => self.filtered.get(i).copied(),
            None => {
                let (s, e) = self.buffer.range();
                let g = s + i as u64;
                (g < e).then_some(g)
            }
        }
    }

    /// View row of a global index (the first row at or after it).
    pub fn row_of(&self, global: u64) -> usize {
        match &self.filter {
            Some(_) => self.filtered.partition_point(|&i| i < global),
            None => global.saturating_sub(self.buffer.range().0) as usize,
        }
    }

    /// The first visible row for a window of `height` rows.
    pub fn top_row(&self, height: usize) -> usize {
        let rows = self.rows();
        // A paused view still fills the window when the anchor is near the end.
        if self.follow { rows.saturating_sub(height) } else { self.row_of(self.anchor).min(rows.saturating_sub(height)) }
    }

    pub fn scroll(&mut self, delta: isize, height: usize) {
        let top = self.top_row(height) as isize;
        let rows = self.rows() as isize;
        let max_top = (rows - height as isize).max(0);
        let new_top = (top + delta).clamp(0, max_top);
        if new_top >= max_top && delta > 0 {
            // Scrolling past the end resumes following.
            self.follow = true;
            return;
        }
        self.follow = false;
        self.anchor = self.row_index(new_top as usize).unwrap_or(self.buffer.range().0);
    }

    pub fn to_top(&mut self) {
        self.follow = false;
        self.anchor = self.row_index(0).unwrap_or(self.buffer.range().0);
    }

    /// Jumps to the next (or previous) line matching the highlight, wrapping
    /// around the ends like a pager's search.
    pub fn jump(&mut self, forward: bool, height: usize) -> bool {
        let Some(h) = self.highlight.clone() else { return false };
        let rows = self.rows();
        if rows == 0 {
            return false;
        }
        let start = match self.current_match {
            Some(g) => self.row_of(g) as isize + if forward { 1 } else { -1 },
            None if forward => self.top_row(height) as isize,
            None => (self.top_row(height) + height).min(rows) as isize - 1,
        };
        let n = rows as isize;
        for step in 0..n {
            let i = (start + if forward { step } else { -step }).rem_euclid(n) as usize;
            if let Some(g) = self.row_index(i)
                && let Some(line) = self.buffer.get(g)
                && h.is_match(line.text)
            {
                self.current_match = Some(g);
                self.follow = false;
                // Put the match a few rows below the top, so its context shows.
                let top = i.saturating_sub(height / 3);
                self.anchor = self.row_index(top).unwrap_or(g);
                return true;
            }
        }
        false
    }

    /// The text a save writes: the filtered view if a filter is set, else the
    /// whole buffer. Whole lines (never truncated), already neutralised.
    pub fn export(&self) -> (String, usize) {
        let mut out = String::new();
        let mut n = 0;
        for i in 0..self.rows() {
            if let Some(l) = self.row_index(i).and_then(|g| self.buffer.get(g)) {
                out.push_str(if self.timestamps { l.text } else { l.body() });
                out.push('\n');
                n += 1;
            }
        }
        (out, n)
    }

    pub fn clear(&mut self) {
        self.buffer.clear();
        self.filtered.clear();
        self.current_match = None;
        self.follow = true;
    }

    /// A short status for the tab bar and the pane title.
    pub fn state_text(&self) -> (String, Level) {
        match &self.kind {
            TabKind::Tail { status, .. } => match status {
                TailStatus::Connecting => ("connecting".into(), Level::Info),
                TailStatus::Streaming(t) => (format!("streaming from {t}"), Level::Info),
                TailStatus::Retrying { reason, in_secs } if *in_secs > 0 => (format!("reconnecting in {in_secs}s: {reason}"), Level::Warn),
                TailStatus::Retrying { .. } => ("reconnecting".into(), Level::Warn),
                TailStatus::Ended(e) => (format!("ended: {e}"), Level::Warn),
                TailStatus::Failed(e) => (format!("failed: {e}"), Level::Error),
            },
            TabKind::Run { state, .. } => match state {
                RunState::Connecting => ("connecting".into(), Level::Info),
                RunState::Running { target } => (format!("running on {target}"), Level::Info),
                RunState::Cancelling => ("cancelling".into(), Level::Warn),
                RunState::Done(e @ Exit::Code(0)) => (e.to_string(), Level::Info),
                RunState::Done(e) => (e.to_string(), Level::Warn),
                RunState::Failed(e) => (format!("failed: {e}"), Level::Error),
            },
        }
    }
}

pub struct LogsPane {
    pub tabs: Vec<LogTab>,
    pub active: usize,
    pub next_id: u64,
    /// Lines and bytes each tab keeps (`log_lines`, `log_bytes`).
    pub cap: usize,
    pub byte_cap: usize,
}

impl Default for LogsPane {
    fn default() -> Self {
        LogsPane { tabs: Vec::new(), active: 0, next_id: 1, cap: DEFAULT_CAP, byte_cap: crate::logs::buffer::DEFAULT_BYTES }
    }
}

#[derive(Debug)]
pub enum Msg {
    TailStatus { tab: u64, status: TailStatus },
    LogLines { tab: u64, batch: Batch },
    RunStarted { tab: u64, target: String },
    RunDone { tab: u64, result: Result<Exit, String> },
}

impl PaneInfo for LogsPane {
    const TITLE: &'static str = "Logs";
    const NAMES: &'static [&'static str] = &["logs", "log"];
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, cx: &mut Cx) -> Vec<Effect> {
        match msg {
            Msg::TailStatus { tab, status } => {
                if let Some(t) = self.tab_mut(tab)
                    && let TabKind::Tail { status: s, .. } = &mut t.kind
                {
                    *s = status;
                }
            }
            Msg::LogLines { tab, batch } => {
                if let Some(t) = self.tab_mut(tab) {
                    t.push_batch(&batch);
                }
            }
            Msg::RunStarted { tab, target } => {
                if let Some(t) = self.tab_mut(tab)
                    && let TabKind::Run { state: rs, .. } = &mut t.kind
                    && *rs == RunState::Connecting
                {
                    *rs = RunState::Running { target };
                }
            }
            Msg::RunDone { tab, result } => {
                if let Some(t) = self.tab_mut(tab) {
                    let (rs, what) = match result {
                        Ok(exit) => (RunState::Done(exit.clone()), exit.to_string()),
                        Err(e) => (RunState::Failed(e.clone()), format!("failed: {e}")),
                    };
                    t.push_marker(&format!("── {what} ──"));
                    let level = match &rs {
                        RunState::Done(Exit::Code(0)) => MsgLevel::Ok,
                        RunState::Done(_) => MsgLevel::Warn,
                        _ => MsgLevel::Error,
                    };
                    let title = t.title.clone();
                    if let TabKind::Run { state: s, .. } = &mut t.kind {
                        *s = rs;
                    }
                    cx.say(level, format!("{title}: {what}"));
                }
            }
        }
        vec![]
    }
}

impl LogsPane {
    pub fn open(&mut self, title: String, host: HostRef, kind: TabKind) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.tabs.push(LogTab::with_bytes(id, title, host, kind, self.cap, self.byte_cap));
        self.active = self.tabs.len() - 1;
        id
    }

    pub fn tab_mut(&mut self, id: u64) -> Option<&mut LogTab> {
        self.tabs.iter_mut().find(|t| t.id == id)
    }

    pub fn current(&self) -> Option<&LogTab> {
        self.tabs.get(self.active)
    }

    pub fn current_mut(&mut self) -> Option<&mut LogTab> {
        self.tabs.get_mut(self.active)
    }

    pub fn close_current(&mut self) -> Option<LogTab> {
        if self.tabs.is_empty() {
            return None;
        }
        let t = self.tabs.remove(self.active);
        self.active = self.active.min(self.tabs.len().saturating_sub(1));
        Some(t)
    }

    /// `:tail ...`: its words split as a shell splits them (quotes group).
    fn tail(&mut self, args: &str, cx: &mut Cx) -> Vec<Effect> {
        let result = shell_words(args).and_then(|w| self.tail_target(&w, cx));
        match result {
            Ok((title, host, source)) => {
                let kind = TabKind::Tail { source: source.clone(), status: TailStatus::Connecting };
                let tab = self.open(title, host.clone(), kind);
                vec![Effect::StartTail { tab, host, source }]
            }
            Err(e) => {
                cx.say(MsgLevel::Error, e);
                vec![]
            }
        }
    }

    fn tail_target(&self, words: &[String], cx: &Cx) -> Result<(String, HostRef, TailSource), String> {
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        match w.as_slice() {
            [kind @ ("app" | "db"), name, rest @ ..] if rest.len() <= 1 => {
                let lines = match rest.first() {
                    Some(n) => n.parse::<u32>().map_err(|_| format!("`{n}` is not a number of lines"))?.min(100_000),
                    None => 200,
                };
                cx.world.resource_host(kind, name).map(|(uuid, host)| (name.to_string(), host, TailSource::Container { uuid, lines }))
            }
            [kind @ ("journal" | "file" | "cmd"), arg, "on", host] if !arg.is_empty() => {
                cx.world.check_host(host)?;
                let host = cx.world.host(host);
                let arg = arg.to_string();
                let source = match *kind {
                    "journal" => TailSource::Journal { unit: arg.clone() },
                    "file" => TailSource::File { path: arg.clone() },
                    _ => TailSource::Command(arg.clone()),
                };
                Ok((format!("{} {arg}", host.label()), host, source))
            }
            _ => Err(TAIL_USAGE.into()),
        }
    }

    /// `:exec ...`: words split as a shell splits them. One word after the
    /// host is the remote command as written (so `"df -h | grep sda"` keeps
    /// its pipe); several words are quoted one by one, as a shell would pass
    /// them.
    fn exec(&mut self, args: &str, cx: &mut Cx) -> Vec<Effect> {
        let parsed = shell_words(args).and_then(|w| {
            let (host, container, on, rest) = match w.as_slice() {
                [app, name, rest @ ..] if app == "app" => {
                    let (uuid, host) = cx.world.resource_host("app", name)?;
                    (host, Some(uuid), name.clone(), rest)
                }
                [host, rest @ ..] => {
                    cx.world.check_host(host)?;
                    (cx.world.host(host), None, host.clone(), rest)
                }
                [] => return Err(EXEC_USAGE.to_string()),
            };
            let command = match rest {
                [] => return Err(EXEC_USAGE.to_string()),
                [one] => one.clone(),
                many => shlex::try_join(many.iter().map(String::as_str)).map_err(|e| format!("{e}"))?,
            };
            Ok((host, container, command, on))
        });
        match parsed {
            Ok((host, container, command, on)) => {
                let title = format!("{on}$ {command}");
                let kind = TabKind::Run { command: command.clone(), container: container.clone(), state: RunState::Connecting };
                let tab = self.open(title, host.clone(), kind);
                vec![Effect::Run { tab, host, command, container }]
            }
            Err(e) => {
                cx.say(MsgLevel::Error, e);
                vec![]
            }
        }
    }

    fn save(&self, path: &str) -> Vec<Effect> {
        let Some(tab) = self.current() else { return vec![] };
        let path = path.trim();
        if path.is_empty() {
            return vec![];
        }
        let (contents, lines) = tab.export();
        vec![Effect::WriteFile { path: path.to_string(), contents, lines }]
    }
}

impl Pane for LogsPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Logs, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        let h = cx.height;
        let Some(tab) = self.current_mut() else {
            if cmd == Command::Filter || cmd == Command::Highlight {
                cx.say(MsgLevel::Warn, "no log open: :tail app NAME, :tail file PATH on HOST, :exec HOST COMMAND");
            }
            return vec![];
        };
        match cmd {
            Command::Down => tab.scroll(1, h),
            Command::Up => tab.scroll(-1, h),
            Command::PageDown => tab.scroll(h as isize, h),
            Command::PageUp => tab.scroll(-(h as isize), h),
            Command::Top => tab.to_top(),
            Command::Bottom => tab.follow = true,
            Command::Follow => {
                tab.follow = !tab.follow;
                if !tab.follow {
                    tab.anchor = tab.row_index(tab.top_row(h)).unwrap_or(0);
                }
            }
            Command::Highlight => {
                let cur = tab.highlight.as_ref().map(|f| f.source.clone()).unwrap_or_default();
                cx.ask(Prompt::new(PromptKind::Highlight, &cur));
            }
            Command::NextMatch | Command::PrevMatch => {
                if tab.highlight.is_none() {
                    cx.say(MsgLevel::Warn, "no highlight set (m sets one)");
                } else if !tab.jump(cmd == Command::NextMatch, h) {
                    cx.say(MsgLevel::Info, "no more matches");
                }
            }
            Command::ToggleCase => {
                tab.case_sensitive = !tab.case_sensitive;
                let cs = tab.case_sensitive;
                if let Some(f) = tab.filter.as_ref().and_then(|f| f.with_case(cs)) {
                    tab.set_filter(Some(f));
                }
                tab.highlight = tab.highlight.as_ref().and_then(|m| m.with_case(cs));
                cx.say(MsgLevel::Info, if cs { "case-sensitive matching" } else { "case-insensitive matching" });
            }
            Command::ToggleWrap => {
                tab.wrap = !tab.wrap;
                tab.hscroll = 0;
            }
            Command::ScrollLeft | Command::ScrollRight if tab.wrap => cx.say(MsgLevel::Info, "lines wrap: nothing to scroll sideways (w)"),
            Command::ScrollLeft => tab.hscroll = tab.hscroll.saturating_sub(super::side_step(cx.width)),
            Command::ScrollRight => {
                // Not past the longest line shown: the view never goes blank.
                let longest = tab.longest_shown(h).min(u16::MAX as usize) as u16;
                let room = cx.width.saturating_sub(4);
                tab.hscroll = (tab.hscroll + super::side_step(cx.width)).min(longest.saturating_sub(room / 2));
            }
            Command::ToggleTimestamps => tab.timestamps = !tab.timestamps,
            Command::SaveLog => {
                let name: String = tab.title.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
                let stamp = cx.now.with_timezone(&chrono::Local).format("%Y%m%d-%H%M%S");
                cx.ask(Prompt::new(PromptKind::SavePath, &format!("cutover-{name}-{stamp}.log")));
            }
            Command::ClearLog => {
                // Said in the log itself, so an empty tab is not mistaken for a quiet stream.
                tab.clear();
                tab.push_marker(&format!("── cleared at {} ──", cx.now.with_timezone(&chrono::Local).format("%H:%M:%S")));
            }
            Command::CloseTab => {
                if let Some(t) = self.close_current() {
                    return match t.kind {
                        TabKind::Tail { .. } => vec![Effect::StopTail { tab: t.id }],
                        TabKind::Run { state: RunState::Running { .. } | RunState::Connecting, .. } => vec![Effect::CancelRun { tab: t.id }],
                        TabKind::Run { .. } => vec![],
                    };
                }
            }
            Command::NextTab => self.active = (self.active + 1) % self.tabs.len().max(1),
            Command::PrevTab => {
                let n = self.tabs.len().max(1);
                self.active = (self.active + n - 1) % n;
            }
            Command::CancelRun => {
                if let TabKind::Run { state: rs @ (RunState::Running { .. } | RunState::Connecting), .. } = &mut tab.kind {
                    *rs = RunState::Cancelling;
                    let id = tab.id;
                    return vec![Effect::CancelRun { tab: id }];
                }
                cx.say(MsgLevel::Info, "nothing running in this tab");
            }
            Command::Back => {
                if tab.filter.is_some() {
                    tab.set_filter(None);
                } else if tab.highlight.is_some() {
                    tab.highlight = None;
                    tab.current_match = None;
                } else {
                    tab.follow = true;
                }
            }
            _ => {}
        }
        vec![]
    }

    fn on_line(&mut self, word: &str, args: &str, cx: &mut Cx) -> Vec<Effect> {
        let e = match word {
            "tail" => self.tail(args, cx),
            "exec" | "run" => self.exec(args, cx),
            "save" | "w" => return self.save(args),
            _ => return vec![],
        };
        if !e.is_empty() {
            cx.go(super::PaneId::Logs);
        }
        e
    }

    fn filter(&self) -> Option<String> {
        self.current().map(|t| t.filter.as_ref().map(|f| f.source.clone()).unwrap_or_default())
    }

    fn set_filter(&mut self, text: &str, _cx: &mut Cx) {
        if let Some(tab) = self.current_mut() {
            let m = Matcher::new(text, tab.case_sensitive);
            tab.set_filter(m);
        }
    }

    fn on_prompt(&mut self, kind: PromptKind, text: &str, cx: &mut Cx) -> Vec<Effect> {
        match kind {
            PromptKind::Highlight => {
                let h = cx.height;
                if let Some(tab) = self.current_mut() {
                    tab.highlight = Matcher::new(text, tab.case_sensitive);
                    tab.current_match = None;
                    // Land on the latest match, as a search from the bottom would.
                    if tab.highlight.is_some() {
                        tab.follow = true;
                        if !tab.jump(false, h) {
                            cx.say(MsgLevel::Info, format!("no line matches `{text}` yet"));
                        }
                    }
                }
                vec![]
            }
            PromptKind::SavePath => self.save(text),
            _ => vec![],
        }
    }
}

/// A command line's words as a POSIX shell splits them.
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    shlex::split(line).ok_or_else(|| format!("unbalanced quotes in `{line}`"))
}

pub const TAIL_USAGE: &str = "usage: :tail app NAME [LINES] | db NAME | journal UNIT on HOST | file PATH on HOST | cmd COMMAND on HOST";

pub const EXEC_USAGE: &str = "usage: :exec HOST COMMAND... | :exec app NAME COMMAND... (inside the application's container)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cx::{Request, TestCx};
    use crate::app::panes::PaneId;

    #[test]
    fn an_unknown_host_is_refused_with_the_closest_names() {
        let mut t = TestCx::new();
        t.world.contexts.ssh_hosts = vec!["web-1".into(), "*.internal".into()];
        let mut p = LogsPane::default();
        assert!(p.on_line("tail", "journal nginx on web-l", &mut t.cx()).is_empty());
        assert_eq!(t.said().last().map(String::as_str), Some("no host named `web-l` (not a server, a Coolify server or a Host in ~/.ssh/config): did you mean web-1?"));
        assert!(p.tabs.is_empty(), "no tab opened");
        for ok in ["db.internal", "203.0.113.5", "deploy@web-1", "web-2.example.com"] {
            assert!(!p.on_line("tail", &format!("journal nginx on {ok}"), &mut t.cx()).is_empty(), "{ok}");
        }
    }

    #[test]
    fn tail_keys_filter_highlight_and_close() {
        let mut t = TestCx::new();
        // web-1 is a Host of the operator's ssh_config.
        t.world.contexts.ssh_hosts = vec!["web-1".into()];
        let mut p = LogsPane::default();
        let e = p.on_line("tail", "journal nginx on web-1", &mut t.cx());
        assert!(matches!(&e[..], [Effect::StartTail { tab: 1, source: TailSource::Journal { unit }, .. }] if unit == "nginx"));
        assert_eq!(t.out.requests, [Request::Go(PaneId::Logs, None)]);
        let mut b = Batch::default();
        for i in 0..100 {
            b.push_raw(format!("{} line {i}", if i % 10 == 0 { "ERROR" } else { "INFO" }).as_bytes(), Kind::Stdout);
        }
        p.on_msg(Msg::LogLines { tab: 1, batch: b }, &mut t.cx());
        p.on_command(Command::PageUp, &mut t.cx());
        assert!(!p.tabs[0].follow, "scrolling up pauses");
        p.on_command(Command::Bottom, &mut t.cx());
        assert!(p.tabs[0].follow);
        p.set_filter("ERROR", &mut t.cx());
        assert_eq!(p.tabs[0].rows(), 10);
        assert_eq!(p.filter().as_deref(), Some("ERROR"));
        p.on_command(Command::Back, &mut t.cx());
        assert_eq!(p.tabs[0].rows(), 100, "Back drops the filter");
        p.on_command(Command::Highlight, &mut t.cx());
        assert!(matches!(&t.out.prompt, Some(pr) if pr.kind == PromptKind::Highlight));
        p.on_prompt(PromptKind::Highlight, "line 50", &mut t.cx());
        assert_eq!(p.tabs[0].current_match, Some(50));
        assert_eq!(p.on_command(Command::CloseTab, &mut t.cx()), [Effect::StopTail { tab: 1 }]);
        assert!(p.tabs.is_empty());
        p.on_command(Command::Filter, &mut t.cx());
        assert!(t.said().iter().any(|m| m.starts_with("no log open")));
    }

    #[test]
    fn tail_and_exec_split_words_as_a_shell_does() {
        let mut t = TestCx::new();
        // web-1 is a Host of the operator's ssh_config.
        t.world.contexts.ssh_hosts = vec!["web-1".into()];
        let mut p = LogsPane::default();
        let e = p.on_line("tail", r#"cmd "dmesg -w" on web-1"#, &mut t.cx());
        assert!(matches!(&e[..], [Effect::StartTail { source: TailSource::Command(c), .. }] if c == "dmesg -w"), "{e:?}");
        let e = p.on_line("tail", "file '/var/log/my app.log' on web-1", &mut t.cx());
        assert!(matches!(&e[..], [Effect::StartTail { source: TailSource::File { path }, .. }] if path == "/var/log/my app.log"));
        let e = p.on_line("exec", r#"web-1 echo "a b" c"#, &mut t.cx());
        assert!(matches!(&e[..], [Effect::Run { command, .. }] if command == "echo 'a b' c"), "{e:?}");
        let e = p.on_line("exec", r#"web-1 "df -h | grep sda""#, &mut t.cx());
        assert!(matches!(&e[..], [Effect::Run { command, .. }] if command == "df -h | grep sda"), "{e:?}");
        assert!(p.on_line("exec", r#"web-1 "oops"#, &mut t.cx()).is_empty());
        assert!(t.said().last().is_some_and(|m| m.contains("unbalanced quotes")), "{:?}", t.said());
    }

    #[test]
    fn a_command_run_reports_its_exit_and_can_be_cancelled() {
        let mut t = TestCx::new();
        // web-1 is a Host of the operator's ssh_config.
        t.world.contexts.ssh_hosts = vec!["web-1".into()];
        let mut p = LogsPane::default();
        let e = p.on_line("exec", "web-1 df -h", &mut t.cx());
        assert!(matches!(&e[..], [Effect::Run { tab: 1, command, container: None, .. }] if command == "df -h"));
        p.on_msg(Msg::RunStarted { tab: 1, target: "root@web-1".into() }, &mut t.cx());
        assert_eq!(p.on_command(Command::CancelRun, &mut t.cx()), [Effect::CancelRun { tab: 1 }]);
        p.on_msg(Msg::RunDone { tab: 1, result: Ok(Exit::Code(143)) }, &mut t.cx());
        assert_eq!(t.said(), ["web-1$ df -h: exit status 143"]);
        assert!(p.on_line("exec", "web-1", &mut t.cx()).is_empty(), "no command: the usage instead");
        assert!(t.said().last().is_some_and(|m| m.starts_with("usage: :exec")));
    }

    fn tab_with(n: usize) -> LogTab {
        let mut t = LogTab::new(
            1,
            "t".into(),
            HostRef::Alias("h".into()),
            TabKind::Tail { source: TailSource::Command("x".into()), status: TailStatus::Connecting },
            1000,
        );
        let mut b = Batch::default();
        for i in 0..n {
            let lvl = if i % 10 == 0 { "ERROR" } else { "INFO" };
            b.push_raw(format!("{lvl} line {i} req-{:04x}", i).as_bytes(), Kind::Stdout);
        }
        t.push_batch(&b);
        t
    }

    #[test]
    fn follow_scroll_and_resume() {
        let mut t = tab_with(100);
        assert_eq!(t.top_row(10), 90);
        t.scroll(-5, 10);
        assert!(!t.follow);
        assert_eq!(t.top_row(10), 85);
        // New lines do not move a paused view.
        let mut b = Batch::default();
        b.push_raw(b"INFO new", Kind::Stdout);
        t.push_batch(&b);
        assert_eq!(t.top_row(10), 85);
        t.scroll(50, 10);
        assert!(t.follow, "scrolling to the end resumes follow");
    }

    #[test]
    fn filter_keeps_up_with_new_lines() {
        let mut t = tab_with(100);
        t.set_filter(Matcher::new("ERROR", true));
        assert_eq!(t.rows(), 10);
        let mut b = Batch::default();
        b.push_raw(b"ERROR fresh", Kind::Stdout);
        b.push_raw(b"INFO fresh", Kind::Stdout);
        t.push_batch(&b);
        assert_eq!(t.rows(), 11);
        let (text, n) = t.export();
        assert_eq!(n, 11);
        assert!(text.ends_with("ERROR fresh\n"));
    }

    #[test]
    fn highlight_jumps_between_matches() {
        let mut t = tab_with(100);
        t.highlight = Matcher::new("req-003[2c]", true);
        // Following at the bottom: the next match wraps around to the top.
        assert!(t.jump(true, 10));
        assert_eq!(t.current_match, Some(50));
        assert!(t.jump(true, 10));
        assert_eq!(t.current_match, Some(60));
        assert!(t.jump(true, 10));
        assert_eq!(t.current_match, Some(50), "wraps");
        assert!(t.jump(false, 10));
        assert_eq!(t.current_match, Some(60), "wraps backwards");
        t.highlight = Matcher::new("nothing-like-this", true);
        assert!(!t.jump(true, 10));
    }

    #[test]
    fn eviction_keeps_indices_valid() {
        let mut t = LogTab::new(
            1,
            "t".into(),
            HostRef::Alias("h".into()),
            TabKind::Tail { source: TailSource::Command("x".into()), status: TailStatus::Connecting },
            50,
        );
        t.set_filter(Matcher::new("ERROR", true));
        for round in 0..5 {
            let mut b = Batch::default();
            for i in 0..40 {
                b.push_raw(format!("{} {round}-{i}", if i % 2 == 0 { "ERROR" } else { "INFO" }).as_bytes(), Kind::Stdout);
            }
            t.push_batch(&b);
        }
        assert_eq!(t.buffer.len(), 50);
        assert!(t.filtered.iter().all(|&g| t.buffer.get(g).is_some()));
        assert_eq!(t.rows(), 25);
    }
}
