//! Dialogs every write goes through: a menu, a form with inline errors per
//! field, and a confirmation that shows what will change, names the context,
//! and for destructive actions wants the target's name typed.

use super::action::Effect;
use super::completion::Source;
use super::prompt::{Prompt, PromptKind};
use crate::input::Command;

#[derive(Clone, Debug, PartialEq)]
pub enum Dialog {
    Menu(Menu),
    Form(Form),
    Confirm(Confirm),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Menu {
    pub title: String,
    pub items: Vec<MenuItem>,
    pub cursor: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MenuItem {
    pub label: String,
    pub detail: String,
    pub then: Then,
}

/// What happens next.
#[derive(Clone, Debug, PartialEq)]
pub enum Then {
    Dialog(Box<Dialog>),
    Effects(Vec<Effect>),
    /// A command line, as if typed after `:`.
    Command(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// What the form's handler reads it by.
    pub key: String,
    /// What the operator sees (the key unless set).
    pub label: String,
    pub input: Prompt,
    pub hint: String,
    pub error: Option<String>,
    /// A choice among these instead of free text (<Left>/<Right> or space
    /// change it; typing its first letters picks it).
    pub choices: Vec<String>,
    /// Free text with a picker over these names (`pick` opens it).
    pub(crate) pick: Option<Source>,
    /// Shown as `*`s: a secret never reaches the screen.
    pub secret: bool,
}

impl Field {
    pub fn new(key: &str, value: &str, hint: &str) -> Field {
        Field {
            key: key.into(),
            label: key.into(),
            input: Prompt::new(PromptKind::Answer, value),
            hint: hint.into(),
            error: None,
            choices: Vec::new(),
            pick: None,
            secret: false,
        }
    }

    /// Free text with a filterable picker over the names of `src`.
    pub(crate) fn picks(mut self, src: Source) -> Field {
        self.pick = Some(src);
        self
    }

    /// A field that takes one of `choices`, starting at `value` (or the first).
    pub fn choice(key: &str, choices: &[&str], value: &str, hint: &str) -> Field {
        let start = if choices.contains(&value) { value } else { choices.first().copied().unwrap_or("") };
        Field { choices: choices.iter().map(|c| c.to_string()).collect(), ..Field::new(key, start, hint) }
    }

    /// A key on a choice field: true when it changed or picked the choice.
    fn choose(&mut self, key: crate::input::Key) -> bool {
        use crossterm::event::KeyCode;
        let n = self.choices.len();
        let at = self.choices.iter().position(|c| *c == self.input.text).unwrap_or(0);
        let next = match key.code {
            KeyCode::Right | KeyCode::Char(' ') => (at + 1) % n,
            KeyCode::Left => (at + n - 1) % n,
            KeyCode::Char(c) => match self.choices.iter().position(|x| x.starts_with(c)) {
                Some(i) => i,
                None => return false,
            },
            _ => return false,
        };
        self.input.set(&self.choices[next]);
        true
    }

    /// Shown as `label`, read by its key.
    pub fn labelled(mut self, label: &str) -> Field {
        self.label = label.into();
        self
    }

    /// Typed but never shown.
    pub fn secret(mut self) -> Field {
        self.secret = true;
        self
    }

    /// The text as the screen may show it.
    pub fn shown(&self) -> String {
        if self.secret { "*".repeat(self.input.text.chars().count()) } else { self.input.text.clone() }
    }

    pub fn value(&self) -> &str {
        self.input.text.trim()
    }
}

/// Which submission a form is for; its handler validates and decides what next.
#[derive(Clone, Debug, PartialEq)]
pub enum FormKind {
    FirewallRule {
        firewall: i64,
        index: Option<usize>,
    },
    AllowMyIp {
        firewall: i64,
    },
    DbFromServer {
        firewall: i64,
    },
    ApplyFirewall {
        firewall: i64,
    },
    NewFirewall,
    RenameServer {
        id: i64,
    },
    ServerLabels {
        id: i64,
    },
    ServerPtr {
        id: i64,
    },
    Snapshot {
        id: i64,
    },
    RenameFirewall {
        firewall: i64,
    },
    AddRrset {
        zone: String,
    },
    EditRecords {
        zone: String,
        name: String,
        rtype: String,
    },
    RrsetTtl {
        zone: String,
        name: String,
        rtype: String,
    },
    PointName {
        zone: String,
    },
    ExportZone {
        zone: String,
    },
    NewZone,
    ImportZone {
        zone: String,
    },
    Domains {
        app: String,
    },
    EnvAdd {
        app: String,
    },
    EnvEdit {
        app: String,
        key: String,
    },
    EnvBulk {
        app: String,
    },
    AddTask {
        app: String,
    },
    ExportInventory,
    StartRun {
        runbook: String,
        /// The campaign, site and stage the run is part of.
        part: Option<crate::checklist::campaign::Part>,
    },
    RunSecrets {
        journal: std::path::PathBuf,
    },
    /// Letting a campaign's site into a stage that asks for approval.
    ApproveStage {
        campaign: String,
        site: String,
        stage: String,
        seen: String,
    },
    ExportReport {
        journal: std::path::PathBuf,
    },
    ExportCampaign {
        campaign: String,
    },
    NewCampaign,
    NewApp,
    NewServer,
    AddSshKey,
    VolumeAttach {
        id: i64,
    },
    IpAssign {
        id: i64,
    },
    NetworkAttach {
        id: i64,
    },
    NetworkDetach {
        id: i64,
    },
    CreateNetwork,
    VolumeResize {
        id: i64,
    },
    NewDatabase,
    BackupSchedule {
        db: String,
    },
    ChangeType {
        id: i64,
    },
    Rebuild {
        id: i64,
    },
    /// Run a step although a step it requires was not done: the reason is journaled.
    OverrideStep {
        journal: std::path::PathBuf,
        index: usize,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub title: String,
    pub note: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub kind: FormKind,
    /// Fields named like `value N` grow: typing in the last one adds another.
    pub growing: Option<String>,
    pub error: Option<String>,
    /// The picker open over a field.
    pub picker: Option<Picker>,
}

/// A filterable list of names for one field: typing filters, Enter takes one.
#[derive(Clone, Debug, PartialEq)]
pub struct Picker {
    pub field: usize,
    pub what: &'static str,
    pub names: Vec<String>,
    pub query: Prompt,
    /// `names` ranked by the query.
    pub shown: Vec<String>,
    pub cursor: usize,
}

impl Picker {
    pub fn new(field: usize, what: &'static str, names: Vec<String>, query: &str) -> Picker {
        let mut p = Picker { field, what, names, query: Prompt::new(PromptKind::Answer, query), shown: vec![], cursor: 0 };
        p.refilter();
        p
    }

    fn refilter(&mut self) {
        self.shown = super::completion::rank(&self.names, &self.query.text);
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }
}

impl Form {
    pub fn new(title: &str, kind: FormKind, fields: Vec<Field>) -> Form {
        Form { title: title.into(), note: Vec::new(), fields, focus: 0, kind, growing: None, error: None, picker: None }
    }

    /// The value of the field with this key ("" when there is none).
    pub fn get(&self, key: &str) -> &str {
        self.fields.iter().find(|f| f.key == key).map(|f| f.value()).unwrap_or("")
    }

    /// Puts a value in the field with this key (cursor at its end).
    pub fn set(&mut self, key: &str, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.input = Prompt::new(f.input.kind, value);
        }
    }

    pub fn set_error(&mut self, key: &str, msg: impl Into<String>) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.error = Some(msg.into());
        }
    }

    pub fn error_of(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.key == key).and_then(|f| f.error.as_deref())
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some()) || self.error.is_some()
    }

    pub fn clear_errors(&mut self) {
        self.error = None;
        for f in &mut self.fields {
            f.error = None;
        }
    }

    /// The values of the growing fields, non-empty ones, with their keys.
    pub fn values(&self) -> Vec<(String, String)> {
        match &self.growing {
            Some(prefix) => self
                .fields
                .iter()
                .filter(|f| f.key.starts_with(prefix.as_str()) && !f.value().is_empty())
                .map(|f| (f.key.clone(), f.value().to_string()))
                .collect(),
            None => Vec::new(),
        }
    }

    fn grow(&mut self) {
        let Some(prefix) = self.growing.clone() else { return };
        let last = self.fields.iter().rposition(|f| f.key.starts_with(prefix.as_str()));
        if let Some(i) = last
            && !self.fields[i].value().is_empty()
        {
            let n = self.fields.iter().filter(|f| f.key.starts_with(prefix.as_str())).count() + 1;
            self.fields.insert(i + 1, Field::new(&format!("{prefix}{n}"), "", ""));
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub title: String,
    /// The preview: `+ ` added, `- ` removed, `~ ` changed, anything else plain.
    pub lines: Vec<String>,
    pub warning: Option<String>,
    /// Text the operator must type (the target's name) for destructive actions.
    pub require: Option<String>,
    pub input: Prompt,
    pub context: String,
    pub on_yes: Vec<Effect>,
    pub error: Option<String>,
}

impl Confirm {
    pub fn new(title: &str, lines: Vec<String>, context: &str, on_yes: Vec<Effect>) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            warning: None,
            require: None,
            input: Prompt::new(PromptKind::Answer, ""),
            context: context.into(),
            on_yes,
            error: None,
        }
    }

    /// Destructive: the target's name must be typed.
    pub fn typed(mut self, name: &str) -> Confirm {
        self.require = Some(name.to_string());
        self
    }

    pub fn warn(mut self, w: impl Into<String>) -> Confirm {
        self.warning = Some(w.into());
        self
    }
}

/// What a key did to the dialog.
pub(crate) enum Outcome {
    Stay,
    Close,
    Then(Then),
    /// A form was submitted: the caller validates it.
    Submit(Box<Form>),
    /// Open a picker over the focused field's names (the caller has them).
    Pick(Source),
}

/// Keys in a dialog (`cmd` is what the keymap says the key means, if anything).
pub(crate) fn key(d: &mut Dialog, key: crate::input::Key, cmd: Option<Command>) -> Outcome {
    match d {
        Dialog::Menu(m) => match cmd {
            Some(Command::Cancel | Command::Back) => Outcome::Close,
            Some(Command::Down | Command::HistoryNext) => {
                m.cursor = (m.cursor + 1).min(m.items.len().saturating_sub(1));
                Outcome::Stay
            }
            Some(Command::Up | Command::HistoryPrev) => {
                m.cursor = m.cursor.saturating_sub(1);
                Outcome::Stay
            }
            Some(Command::Submit | Command::Open) => match m.items.get(m.cursor) {
                Some(it) => Outcome::Then(it.then.clone()),
                None => Outcome::Close,
            },
            _ => {
                // A digit picks the item directly.
                if let Some(d) = key.text_char().and_then(|c| c.to_digit(10)).filter(|d| *d >= 1)
                    && let Some(it) = m.items.get(d as usize - 1)
                {
                    return Outcome::Then(it.then.clone());
                }
                Outcome::Stay
            }
        },
        Dialog::Form(f) if f.picker.is_some() => {
            let Some(p) = f.picker.as_mut() else { return Outcome::Stay };
            match cmd {
                Some(Command::Cancel) => f.picker = None,
                Some(Command::Submit | Command::Complete) => {
                    if let Some(name) = p.shown.get(p.cursor).cloned()
                        && let Some(field) = f.fields.get_mut(p.field)
                    {
                        field.input.set(&name);
                        field.error = None;
                        f.focus = (p.field + 1).min(f.fields.len().saturating_sub(1));
                        f.picker = None;
                    }
                }
                Some(Command::Down | Command::HistoryNext) => p.cursor = (p.cursor + 1).min(p.shown.len().saturating_sub(1)),
                Some(Command::Up | Command::HistoryPrev) => p.cursor = p.cursor.saturating_sub(1),
                _ => {
                    if p.query.edit(key) {
                        p.cursor = 0;
                        p.refilter();
                    }
                }
            }
            Outcome::Stay
        }
        Dialog::Form(f) => match cmd {
            Some(Command::Cancel) => Outcome::Close,
            Some(Command::Pick) => match f.fields.get(f.focus).and_then(|fld| fld.pick.clone()) {
                Some(src) => Outcome::Pick(src),
                None => Outcome::Stay,
            },
            Some(Command::Submit) => Outcome::Submit(Box::new(f.clone())),
            Some(Command::Complete | Command::HistoryNext) => {
                f.focus = (f.focus + 1) % f.fields.len().max(1);
                Outcome::Stay
            }
            Some(Command::HistoryPrev) => {
                f.focus = (f.focus + f.fields.len().max(1) - 1) % f.fields.len().max(1);
                Outcome::Stay
            }
            _ => {
                if key.code == crossterm::event::KeyCode::BackTab {
                    f.focus = (f.focus + f.fields.len().max(1) - 1) % f.fields.len().max(1);
                    return Outcome::Stay;
                }
                if let Some(field) = f.fields.get_mut(f.focus) {
                    if field.choices.is_empty() {
                        field.input.edit(key);
                    } else if !field.choose(key) {
                        return Outcome::Stay;
                    }
                    field.error = None;
                }
                f.error = None;
                f.grow();
                Outcome::Stay
            }
        },
        Dialog::Confirm(c) => match cmd {
            Some(Command::Cancel) => Outcome::Close,
            Some(Command::Submit) => {
                let typed = c.input.text.trim();
                let ok = match &c.require {
                    Some(name) => typed == name,
                    None => typed.is_empty() || typed.eq_ignore_ascii_case("y") || typed.eq_ignore_ascii_case("yes"),
                };
                if ok {
                    Outcome::Then(Then::Effects(std::mem::take(&mut c.on_yes)))
                } else {
                    c.error = Some(match &c.require {
                        Some(name) => format!("type `{name}` exactly to confirm, or <Esc> to cancel"),
                        None => "type y to confirm, or <Esc> to cancel".into(),
                    });
                    Outcome::Stay
                }
            }
            _ => {
                // Without a required name, `y` alone confirms and `n` cancels.
                if c.require.is_none() && c.input.text.is_empty() {
                    match key.text_char() {
                        Some('y') | Some('Y') => return Outcome::Then(Then::Effects(std::mem::take(&mut c.on_yes))),
                        Some('n') | Some('N') => return Outcome::Close,
                        _ => {}
                    }
                }
                c.input.edit(key);
                c.error = None;
                Outcome::Stay
            }
        },
    }
}
