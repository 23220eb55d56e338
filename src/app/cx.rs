//! What a pane sees while it handles a key or a result: the shared world
//! (read-only), whether writes are allowed, the height of a list, the time,
//! and an outbox for what only the router may do: say something, open a
//! dialog or a prompt, go to another pane, reload part of the world.

use super::dialog::Dialog;
use super::panes::PaneId;
use super::prompt::Prompt;
use super::state::{Level, Message};
use super::world::World;
use chrono::{DateTime, Utc};

/// What changed in the world, for the panes that show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    /// A page of servers arrived; `from` is the index of its first server.
    ServersPage {
        first: bool,
        from: usize,
    },
    /// The server list is complete (or failed).
    Servers,
    Pricing,
    PrimaryIps,
    Networks,
    Coolify,
    Zones,
    Backups,
    /// A restore drill ran (or the drills were read at start).
    Drills,
    /// Another Hetzner context: everything from the old one is gone.
    Context,
}

/// A part of the world to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// `quiet`: after an operation, whose result keeps the status line.
    Servers {
        quiet: bool,
    },
    Pricing,
    PrimaryIps,
    Networks,
    Coolify,
    /// All of it again (the operator's reload): nothing reused.
    CoolifyFresh,
    /// The version call, which is also the token and reachability check.
    CoolifyVersion,
    Zones,
    Backups,
}

/// What a pane asks of the router.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Show a pane, with its cursor on a resource (by id) when given.
    Go(PaneId, Option<String>),
    /// Load part of the world: always when `force`, else only the first time.
    Load(Load, bool),
    /// Something outside changed the world (a checklist step): every pane and
    /// every loaded part of the world reloads.
    ReloadAll,
}

/// A notice waits for the operator: routine messages do not replace it.
#[derive(Clone, Debug, PartialEq)]
pub enum NoticeOp {
    Set(Message),
    Clear,
}

/// What a pane asked for while it ran; the router applies it afterwards.
#[derive(Default)]
pub struct Out {
    pub messages: Vec<Message>,
    pub notice: Option<NoticeOp>,
    pub dialog: Option<Dialog>,
    pub prompt: Option<Prompt>,
    pub requests: Vec<Request>,
}

impl Out {
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.messages.push(Message { level, text: text.into() });
    }
}

pub struct Cx<'a> {
    pub world: &'a World,
    pub readonly: bool,
    /// Rows a pane's list shows (paging and scrolling agree with the drawing).
    pub height: usize,
    /// Columns inside a pane's border (which columns a list shows).
    pub width: u16,
    pub now: DateTime<Utc>,
    /// The pane handling this is the one on screen.
    pub shown: bool,
    pub out: &'a mut Out,
}

impl Cx<'_> {
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.out.say(level, text);
    }

    /// A notice that stays until `clear_notice` (an unfinished run).
    pub fn notice(&mut self, level: Level, text: impl Into<String>) {
        self.out.notice = Some(NoticeOp::Set(Message { level, text: text.into() }));
    }

    pub fn clear_notice(&mut self) {
        self.out.notice = Some(NoticeOp::Clear);
    }

    pub fn open(&mut self, d: Dialog) {
        self.out.dialog = Some(d);
    }

    pub fn ask(&mut self, p: Prompt) {
        self.out.prompt = Some(p);
    }

    pub fn go(&mut self, pane: PaneId) {
        self.out.requests.push(Request::Go(pane, None));
    }

    /// Shows a pane with its cursor on the resource `id`.
    pub fn go_to(&mut self, pane: PaneId, id: &str) {
        self.out.requests.push(Request::Go(pane, Some(id.to_string())));
    }

    pub fn load(&mut self, what: Load) {
        self.out.requests.push(Request::Load(what, true));
    }

    /// Loads `what` unless it was loaded (or asked for) before.
    pub fn ensure(&mut self, what: Load) {
        self.out.requests.push(Request::Load(what, false));
    }

    pub fn reload_all(&mut self) {
        self.out.requests.push(Request::ReloadAll);
    }
}

/// A context for tests of a pane's reducer: a world, a height, a fixed time.
#[cfg(test)]
pub(crate) struct TestCx {
    pub world: World,
    pub readonly: bool,
    pub height: usize,
    pub now: DateTime<Utc>,
    pub out: Out,
}

#[cfg(test)]
impl Default for TestCx {
    fn default() -> Self {
        TestCx::new()
    }
}

#[cfg(test)]
impl TestCx {
    pub(crate) fn new() -> TestCx {
        TestCx {
            world: World::default(),
            readonly: false,
            height: 10,
            now: DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
            out: Out::default(),
        }
    }

    pub(crate) fn cx(&mut self) -> Cx<'_> {
        Cx { world: &self.world, readonly: self.readonly, height: self.height, width: 200, now: self.now, shown: true, out: &mut self.out }
    }

    /// The texts said so far.
    pub(crate) fn said(&self) -> Vec<String> {
        self.out.messages.iter().map(|m| m.text.clone()).collect()
    }
}
