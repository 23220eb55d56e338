//! Every pane has one shape: a module here with its state, an
//! implementation of [`Pane`] (what keys and results do to it) and of
//! [`PaneInfo`] (its names and its results' type), and its reducer tests.
//! It is drawn by the module of the same name in `ui/`. Panes never reach
//! each other: what they share is the [`World`](super::world::World), and
//! they move the operator between panes with [`Cx::go_to`].
//!
//! The registry below is the one list of panes: the router, command mode,
//! the tab bar and the drawing all read it.

use super::action::{After, Effect};
use super::cx::{Changed, Cx};
use super::dialog::{Form, Then};
use super::prompt::PromptKind;
use crate::input::{Command, Scope};

/// What a pane does with keys and results.
pub trait Pane {
    /// The keymap scopes of the view shown, most specific first (`Global`
    /// is added by the router).
    fn scopes(&self) -> &'static [Scope];

    /// A bound command while this pane is shown (global ones are the router's).
    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect>;

    /// The world changed: rebuild what is derived from it.
    fn on_world(&mut self, _what: Changed, _cx: &mut Cx) -> Vec<Effect> {
        vec![]
    }

    /// The pane comes on screen: what it needs loaded.
    fn on_show(&mut self, _cx: &mut Cx) -> Vec<Effect> {
        vec![]
    }

    /// An operation this pane asked for ended (the router has said how).
    fn on_op_done(&mut self, _after: &After, _ok: bool, _cx: &mut Cx) -> Vec<Effect> {
        vec![]
    }

    /// Put the cursor on the resource with this id (navigation from elsewhere).
    fn focus(&mut self, _id: &str, _cx: &mut Cx) -> Vec<Effect> {
        vec![]
    }

    /// A command-mode word this pane answers (`:tail`), with its arguments.
    /// A pane that takes none says so rather than ignoring them.
    fn on_line(&mut self, word: &str, args: &str, cx: &mut Cx) -> Vec<Effect> {
        if !args.is_empty() {
            cx.say(super::state::Level::Error, format!("`:{word}` takes no arguments (`/` filters the list)"));
        }
        vec![]
    }

    /// The text of the `/` filter of the list shown; `None` when the view has
    /// no filter.
    fn filter(&self) -> Option<String> {
        None
    }

    fn set_filter(&mut self, _text: &str, _cx: &mut Cx) {}

    /// A prompt this pane opened was answered.
    fn on_prompt(&mut self, _kind: PromptKind, _text: &str, _cx: &mut Cx) -> Vec<Effect> {
        vec![]
    }

    /// A form this pane opened was submitted: `Err` keeps it open with its errors.
    fn submit(&mut self, form: Form, _cx: &mut Cx) -> Result<Then, Box<Form>> {
        Err(Box::new(form))
    }

    /// When `cmd` would change something at the current selection: what
    /// read-only mode refuses ("power actions are disabled").
    fn writes(&self, cmd: Command) -> Option<&'static str> {
        cmd.writes().then(|| cmd.refused())
    }

    /// Something outside changed the world: reload what is shown, if loaded.
    fn reload(&mut self, _cx: &mut Cx) -> Vec<Effect> {
        vec![]
    }

    /// The screen changed size: keep cursors in view.
    fn relayout(&mut self, _height: usize) {}
}

/// A pane's names and its results (not object-safe; the registry dispatches).
pub trait PaneInfo: Pane {
    const TITLE: &'static str;
    /// The command-mode name first, then aliases.
    const NAMES: &'static [&'static str];
    /// A view of another pane's tab (Firewalls of Servers).
    const PARENT: Option<PaneId> = None;
    /// The results of the jobs it starts.
    type Msg: std::fmt::Debug;
    fn on_msg(&mut self, msg: Self::Msg, cx: &mut Cx) -> Vec<Effect>;
}

/// The keys the list views under a tab share: moving, `<Esc>` (clears the
/// filter, else back to the tab), `<C-r>` (reloads what the view shows).
/// True when the key was theirs.
pub(crate) fn list_view_keys<R: crate::app::table::Row>(
    table: &mut crate::app::table::Table<R>,
    cmd: Command,
    cx: &mut Cx,
    parent: PaneId,
    reload: crate::app::cx::Load,
) -> bool {
    if table.navigate_in(cmd, cx.height, cx.width) {
        return true;
    }
    match cmd {
        Command::Back if table.filter().is_some() => table.set_filter(None),
        Command::Back => cx.go(parent),
        Command::Refresh => cx.load(reload),
        _ => return false,
    }
    true
}

/// The registry: `id module Type;`, tabs in this order.
macro_rules! for_each_pane {
    ($m:ident) => {
        $m! {
            Servers servers ServersPane;
            Deployments deployments DeploymentsPane;
            Dns dns DnsPane;
            Databases databases DatabasesPane;
            Logs logs LogsPane;
            Checklist checklist ChecklistPane;
            Firewalls firewalls FirewallsPane;
            Versions versions VersionsPane;
            Fleet fleet FleetPane;
            Services services ServicesPane;
            Volumes volumes VolumesPane;
            PrimaryIps primary_ips PrimaryIpsPane;
            Networks networks NetworksPane;
        }
    };
}
pub(crate) use for_each_pane;

macro_rules! registry {
    ($($id:ident $module:ident $ty:ident;)*) => {
        $(pub mod $module;)*

        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum PaneId { $($id),* }

        impl PaneId {
            pub const ALL: &'static [PaneId] = &[$(PaneId::$id),*];

            pub fn title(self) -> &'static str {
                match self { $(PaneId::$id => <$module::$ty as PaneInfo>::TITLE),* }
            }

            pub fn names(self) -> &'static [&'static str] {
                match self { $(PaneId::$id => <$module::$ty as PaneInfo>::NAMES),* }
            }

            pub fn parent(self) -> Option<PaneId> {
                match self { $(PaneId::$id => <$module::$ty as PaneInfo>::PARENT),* }
            }
        }

        /// Every pane's state.
        #[derive(Default)]
        pub struct Panes { $(pub $module: $module::$ty),* }

        impl Panes {
            pub fn get(&self, id: PaneId) -> &dyn Pane {
                match id { $(PaneId::$id => &self.$module),* }
            }

            pub fn get_mut(&mut self, id: PaneId) -> &mut dyn Pane {
                match id { $(PaneId::$id => &mut self.$module),* }
            }
        }

        /// A job's result for the pane that started it.
        #[derive(Debug)]
        pub enum PaneMsg { $($id($module::Msg)),* }

        $(impl From<$module::Msg> for super::action::Action {
            fn from(m: $module::Msg) -> Self {
                super::action::Action::Pane(PaneMsg::$id(m))
            }
        })*

        impl PaneMsg {
            pub fn pane(&self) -> PaneId {
                match self { $(PaneMsg::$id(_) => PaneId::$id),* }
            }

            pub fn dispatch(self, panes: &mut Panes, cx: &mut Cx) -> Vec<Effect> {
                match self { $(PaneMsg::$id(m) => panes.$module.on_msg(m, cx)),* }
            }
        }
    };
}

for_each_pane!(registry);

impl PaneId {
    /// The panes with a tab (and a number key), in order.
    pub fn tabs() -> impl Iterator<Item = PaneId> {
        PaneId::ALL.iter().copied().filter(|p| p.parent().is_none())
    }

    /// The tab this pane is shown under.
    pub fn tab(self) -> PaneId {
        self.parent().unwrap_or(self)
    }

    pub fn from_name(s: &str) -> Option<PaneId> {
        PaneId::ALL.iter().copied().find(|p| p.names().contains(&s))
    }

    /// The neighbouring tab (`<Tab>`, `<S-Tab>`).
    pub fn next_tab(self, forward: bool) -> PaneId {
        let tabs: Vec<PaneId> = PaneId::tabs().collect();
        let n = tabs.len();
        let i = tabs.iter().position(|p| *p == self.tab()).unwrap_or(0);
        tabs[if forward { (i + 1) % n } else { (i + n - 1) % n }]
    }
}

/// A switch's state in a preview line.
pub(crate) fn onoff(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// How far a sideways scroll of a log goes: a quarter of the view, at least 8 columns.
pub(crate) fn side_step(width: u16) -> u16 {
    (width / 4).max(8)
}

/// `:word NAME` on a list that may still be loading: the cursor on the row
/// called NAME, or why not. True when it was found.
pub(crate) fn select_named_or_wait<T: super::table::Row>(
    table: &mut super::table::Table<T>,
    col: usize,
    what: &str,
    word: &str,
    name: &str,
    cx: &mut Cx,
) -> bool {
    if table.total() == 0 {
        cx.say(super::state::Level::Warn, format!("the {what}s are still loading: try `:{word} {name}` again in a moment"));
        return false;
    }
    select_named(table, col, what, name, cx)
}

/// `:pane NAME`: the cursor on the row whose column `col` is NAME, or an
/// error naming the closest ones. True when it was found.
pub(crate) fn select_named<T: super::table::Row>(
    table: &mut super::table::Table<T>,
    col: usize,
    what: &str,
    name: &str,
    cx: &mut Cx,
) -> bool {
    match table.select_name(col, name) {
        Ok(()) => {
            table.scroll_to_cursor(cx.height);
            true
        }
        Err(near) => {
            let hint = if near.is_empty() { String::new() } else { format!(": did you mean {}?", near.join(", ")) };
            cx.say(super::state::Level::Error, format!("no {what} named `{name}`{hint}"));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_gives_tabs_names_and_parents() {
        let tabs: Vec<&str> = PaneId::tabs().map(PaneId::title).collect();
        assert_eq!(tabs, ["Servers", "Deployments", "DNS", "Databases", "Logs", "Checklist"]);
        assert_eq!(PaneId::from_name("fw"), Some(PaneId::Firewalls));
        assert_eq!(PaneId::Firewalls.tab(), PaneId::Servers);
        assert_eq!(PaneId::Versions.tab(), PaneId::Deployments);
        assert_eq!(PaneId::Checklist.next_tab(true), PaneId::Servers);
        assert_eq!(PaneId::Firewalls.next_tab(true), PaneId::Deployments);
        let mut names: Vec<&str> = PaneId::ALL.iter().flat_map(|p| p.names().iter().copied()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "no name is claimed by two panes");
    }
}
