//! Volumes (a view under the Servers tab): each volume, its size and monthly
//! cost, the server it is attached to; attach (a server in its location),
//! detach (typed), resize (it only grows). The uploads of a site that moves
//! live on one.

use super::{Pane, PaneId, PaneInfo};
use crate::app::action::{After, Effect, HzOp};
use crate::app::cx::{Changed, Cx, Load};
use crate::app::dialog::{Confirm, Dialog, Field, Form, FormKind, Menu, MenuItem, Then};
use crate::app::state::Level;
use crate::app::table::{Align, Column, Row, SortKey, Table};
use crate::app::world::World;
use crate::input::{Command, Scope};
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq)]
pub struct VolRow {
    pub id: i64,
    pub name: String,
    pub size: f64,
    pub server: String,
    pub server_id: Option<i64>,
    pub location: String,
    pub monthly: String,
}

const COLUMNS: &[Column] = &[
    Column { title: "NAME", width: 22, align: Align::Left, priority: 0 },
    Column { title: "SIZE", width: 8, align: Align::Right, priority: 0 },
    Column { title: "ATTACHED TO", width: 18, align: Align::Left, priority: 0 },
    Column { title: "LOC", width: 5, align: Align::Left, priority: 1 },
    Column { title: "/MONTH", width: 8, align: Align::Right, priority: 1 },
];

impl Row for VolRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn cell(&self, col: usize) -> Cow<'_, str> {
        match col {
            0 => Cow::Borrowed(&self.name),
            1 => Cow::Owned(format!("{} GB", self.size)),
            2 => Cow::Borrowed(&self.server),
            3 => Cow::Borrowed(&self.location),
            4 => Cow::Borrowed(&self.monthly),
            _ => Cow::Borrowed(""),
        }
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            1 => SortKey::Num(self.size),
            c => SortKey::Text(self.cell(c)),
        }
    }
    fn haystack(&self) -> String {
        format!("{} {} {}", self.name, self.server, self.location)
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

/// The rows: volumes with their server's name and their cost at the API's price.
pub fn rows(world: &World) -> Vec<VolRow> {
    let Some((pricing, volumes)) = &world.pricing else { return vec![] };
    let per_gb = pricing.volume.as_ref().and_then(|v| v.price_per_gb_month.gross.parse::<f64>().ok());
    volumes
        .iter()
        .map(|v| VolRow {
            id: v.id,
            name: v.name.clone(),
            size: v.size,
            server: v.server.and_then(|id| world.server(id)).map(|s| s.name.clone()).unwrap_or_else(|| "-".into()),
            server_id: v.server,
            location: v.location.name.clone(),
            monthly: per_gb.map(|p| format!("{:.2}", p * v.size)).unwrap_or_default(),
        })
        .collect()
}

#[derive(Default)]
pub struct VolumesPane {
    pub table: Table<VolRow>,
}

#[derive(Debug)]
pub enum Msg {}

impl PaneInfo for VolumesPane {
    const TITLE: &'static str = "Volumes";
    const NAMES: &'static [&'static str] = &["volumes", "volume", "vol"];
    const PARENT: Option<PaneId> = Some(PaneId::Servers);
    type Msg = Msg;

    fn on_msg(&mut self, msg: Msg, _cx: &mut Cx) -> Vec<Effect> {
        match msg {}
    }
}

impl VolumesPane {
    fn rebuild(&mut self, cx: &Cx) {
        self.table.set_items(rows(cx.world));
        self.table.scroll_to_cursor(cx.height);
    }

    fn op(label: String, op: HzOp) -> Vec<Effect> {
        vec![Effect::Hz { to: PaneId::Volumes, label, ops: vec![op], after: After::Servers }]
    }

    fn menu(&self, v: &VolRow, cx: &mut Cx) {
        let ctx = cx.world.context_name();
        let mut items = Vec::new();
        match v.server_id {
            None => {
                // Only servers in its location can take it.
                let here: Vec<String> = cx.world.servers.iter().filter(|s| s.location.name == v.location).map(|s| s.name.clone()).collect();
                let f = Form::new(
                    &format!("Attach {}", v.name),
                    FormKind::VolumeAttach { id: v.id },
                    vec![Field::choice("server", &here.iter().map(String::as_str).collect::<Vec<_>>(), "", &format!("servers in {}", v.location))],
                );
                items.push(MenuItem {
                    label: "Attach".into(),
                    detail: format!("to a server in {} ({} there)", v.location, here.len()),
                    then: Then::Dialog(Box::new(Dialog::Form(f))),
                });
            }
            Some(_) => {
                let c = Confirm::new(
                    &format!("Detach {}", v.name),
                    vec![format!("- {} from {}", v.name, v.server)],
                    &ctx,
                    Self::op(format!("detach {}", v.name), HzOp::Volume { id: v.id, verb: "detach".into(), server: None, size: None }),
                )
                .warn("Unmount it on the server first: whatever reads it fails when it goes.")
                .typed(&v.name);
                items.push(MenuItem {
                    label: "Detach".into(),
                    detail: format!("from {} (typed)", v.server),
                    then: Then::Dialog(Box::new(Dialog::Confirm(c))),
                });
            }
        }
        let f = Form::new(
            &format!("Resize {}", v.name),
            FormKind::VolumeResize { id: v.id },
            vec![Field::new("size", &format!("{}", v.size + 10.0), &format!("GB, more than {} (volumes only grow)", v.size))],
        );
        items.push(MenuItem { label: "Resize".into(), detail: "grow it; then grow its filesystem (resize2fs)".into(), then: Then::Dialog(Box::new(Dialog::Form(f))) });
        cx.open(Dialog::Menu(Menu { title: format!("Volume {} ({} GB)", v.name, v.size), items, cursor: 0 }));
    }
}

impl Pane for VolumesPane {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Servers, Scope::List]
    }

    fn on_command(&mut self, cmd: Command, cx: &mut Cx) -> Vec<Effect> {
        if super::list_view_keys(&mut self.table, cmd, cx, PaneId::Servers, Load::Pricing) {
            return vec![];
        }
        if cmd == Command::ServerMenu
            && let Some(v) = self.table.selected().cloned()
        {
            self.menu(&v, cx);
        }
        vec![]
    }

    fn on_show(&mut self, cx: &mut Cx) -> Vec<Effect> {
        if cx.world.contexts.hetzner.is_none() {
            cx.say(Level::Warn, "no Hetzner context");
            return vec![];
        }
        cx.ensure(Load::Pricing);
        self.rebuild(cx);
        vec![]
    }

    fn on_world(&mut self, what: Changed, cx: &mut Cx) -> Vec<Effect> {
        if matches!(what, Changed::Pricing | Changed::Servers) {
            self.rebuild(cx);
        }
        vec![]
    }

    fn on_op_done(&mut self, _after: &After, _ok: bool, cx: &mut Cx) -> Vec<Effect> {
        cx.load(Load::Pricing);
        vec![]
    }

    fn writes(&self, cmd: Command) -> Option<&'static str> {
        (cmd == Command::ServerMenu).then_some("volume changes are disabled")
    }

    fn submit(&mut self, mut form: Form, cx: &mut Cx) -> Result<Then, Box<Form>> {
        form.clear_errors();
        let ctx = cx.world.context_name();
        match form.kind.clone() {
            FormKind::VolumeAttach { id } => {
                let Some(v) = self.table.items().iter().find(|v| v.id == id).cloned() else { return Err(Box::new(form)) };
                let Some(s) = cx.world.server_named(form.get("server")).cloned() else {
                    form.set_error("server", format!("no server in {}", v.location));
                    return Err(Box::new(form));
                };
                let c = Confirm::new(
                    &format!("Attach {}", v.name),
                    vec![format!("+ {} ({} GB) on {}", v.name, v.size, s.name), "  mount it there (it appears under /dev/disk/by-id)".into()],
                    &ctx,
                    Self::op(format!("attach {} to {}", v.name, s.name), HzOp::Volume { id, verb: "attach".into(), server: Some(s.id), size: None }),
                );
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            FormKind::VolumeResize { id } => {
                let Some(v) = self.table.items().iter().find(|v| v.id == id).cloned() else { return Err(Box::new(form)) };
                let size = form.get("size").trim().parse::<f64>().ok().map(f64::ceil);
                let Some(size) = size.filter(|s| *s > v.size && *s <= 10240.0) else {
                    form.set_error("size", format!("more than {} GB, at most 10240 (volumes only grow)", v.size));
                    return Err(Box::new(form));
                };
                let c = Confirm::new(
                    &format!("Resize {}", v.name),
                    vec![format!("~ {}: {} GB -> {size} GB", v.name, v.size), "  then grow its filesystem on the server (resize2fs or xfs_growfs)".into()],
                    &ctx,
                    Self::op(format!("resize {}", v.name), HzOp::Volume { id, verb: "resize".into(), server: None, size: Some(size as i64) }),
                )
                .warn("It cannot shrink again.");
                Ok(Then::Dialog(Box::new(Dialog::Confirm(c))))
            }
            _ => Err(Box::new(form)),
        }
    }

    fn filter(&self) -> Option<String> {
        Some(self.table.filter_text())
    }

    fn set_filter(&mut self, text: &str, cx: &mut Cx) {
        self.table.apply_filter(text, cx.height);
    }

    fn relayout(&mut self, height: usize) {
        self.table.scroll_to_cursor(height);
    }
}
