//! Runs the app: turns events into actions, applies them with `app::update`, and
//! spawns the effects as background jobs. Owns the busy counter that playbooks
//! and tests wait on: +1 before a job is spawned, -1 after its final action has
//! been applied to State.

pub mod checklist_jobs;
pub mod coolify_jobs;
pub mod jobs;
pub mod setup;

use crate::app::{self, Action, Effect, State};
use crate::input::Key;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

pub use jobs::Services;

#[derive(Debug)]
pub enum Event {
    /// From the terminal.
    Terminal(crossterm::event::Event),
    /// A key from a playbook; `seq` lets the playbook know when it was handled.
    Inject { key: Key, seq: u64 },
    /// A pasted text from a playbook.
    Paste { text: String, seq: u64 },
    /// A resize from a playbook (the in-process screen changes size).
    Resize { w: u16, h: u16, seq: u64 },
    /// A job's result. `done` marks its last action.
    Job { action: Action, done: bool, label: &'static str },
    /// From a stream (a tail, a question): not counted as busy. `credit` is
    /// handed back once the lines are applied, so the tail can tell when the
    /// console falls behind.
    Stream { action: Action, credit: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>> },
    /// SIGHUP / SIGTERM: leave cleanly.
    Quit,
    /// SIGTSTP from outside.
    Suspend,
    /// A status-line message from outside the app (a running playbook).
    Notice { level: crate::app::Level, text: String },
    /// Where a live playbook is, shown apart from the messages (so it never
    /// hides what the playbook waits for); `None` when it ends.
    Playing(Option<String>),
    /// Force read-only on or off (a playbook without `Set Mode write`).
    Readonly(bool),
}

/// What the terminal layer must do after an event.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Handled {
    pub dirty: bool,
    pub suspend: bool,
    pub resize: Option<(u16, u16)>,
}

pub struct Runtime {
    pub state: State,
    services: Services,
    tx: UnboundedSender<Event>,
    rx: UnboundedReceiver<Event>,
    /// The highest playbook sequence number handled.
    pub processed_seq: u64,
}

impl Runtime {
    pub fn new(state: State, mut services: Services) -> Runtime {
        let (tx, rx) = unbounded_channel();
        let prompter = jobs::UiPrompter::new(tx.clone(), services.prompts.clone());
        let mut ssh_env = crate::ssh::SshEnv::new(std::sync::Arc::new(prompter));
        // What a connection should tell the operator (a changed key let through, keywords not acted on).
        let warn_tx = tx.clone();
        ssh_env.warn = Some(std::sync::Arc::new(move |text: &str| {
            let action = Action::Notice { level: crate::app::state::Level::Warn, text: text.to_string() };
            let _ = warn_tx.send(Event::Stream { action, credit: None });
        }));
        services.ssh_env = Some(ssh_env);
        // The clients say when they wait (a rate limit, a retry): the console shows it.
        let wait_tx = tx.clone();
        let notify: crate::api::Notify = std::sync::Arc::new(move |api, waiting| {
            let action = Action::from(crate::app::world::WorldMsg::ApiWait { api, waiting });
            let _ = wait_tx.send(Event::Stream { action, credit: None });
        });
        services.set_notify(notify);
        Runtime { state, services, tx, rx, processed_seq: 0 }
    }

    pub fn sender(&self) -> UnboundedSender<Event> {
        self.tx.clone()
    }

    /// Spawns the start-up jobs.
    pub fn start(&mut self) {
        let effects = app::init(&mut self.state, chrono::Utc::now());
        self.run_effects(effects);
    }

    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    pub fn try_recv(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// The only way State changes: through `update`, with the time.
    fn apply(&mut self, action: Action) -> Handled {
        let effects = app::update(&mut self.state, action, chrono::Utc::now());
        self.run_effects(effects)
    }

    fn run_effects(&mut self, effects: Vec<Effect>) -> Handled {
        let mut h = Handled { dirty: true, ..Default::default() };
        for e in effects {
            match e {
                Effect::Suspend => {
                    h.suspend = true;
                    continue;
                }
                Effect::Answer { id, answer } => {
                    if let Some(tx) = jobs_lock(&self.services.prompts).remove(&id) {
                        let _ = tx.send(answer);
                    }
                    continue;
                }
                Effect::StartTail { tab, host, source } => {
                    let handle = jobs::start_tail(tab, host, source, &self.services, self.tx.clone());
                    jobs_lock(&self.services.tails).insert(tab, handle);
                    continue;
                }
                Effect::StopTail { tab } => {
                    if let Some(a) = jobs_lock(&self.services.tails).remove(&tab) {
                        a.abort();
                    }
                    continue;
                }
                Effect::CancelRun { tab } => {
                    if let Some(c) = jobs_lock(&self.services.runs).get(&tab) {
                        let _ = c.try_send(());
                    }
                    continue;
                }
                Effect::CancelStep { journal } => {
                    if let Some(c) = jobs_lock(&self.services.step_cancels).get(&journal) {
                        let _ = c.send(true);
                    }
                    continue;
                }
                _ => {}
            }
            // `update` counted it as pending; `JobFinished` counts it down.
            let label = e.label();
            let tx = self.tx.clone();
            let job = jobs::run(e, self.services.clone(), self.tx.clone());
            tokio::spawn(async move {
                // A panic in a job is that job's failure, never the console's.
                if let Err(p) = guarded(job).await {
                    let _ = tx.send(Event::Job { action: Action::JobFailed { label, message: p }, done: true, label });
                }
            });
        }
        h
    }

    pub fn handle(&mut self, ev: Event) -> Handled {
        use crossterm::event::Event as CE;
        match ev {
            Event::Terminal(CE::Key(k)) if crate::input::key::is_press(&k) => self.apply(Action::Key(Key::from(k))),
            Event::Terminal(CE::Paste(text)) => self.apply(Action::Paste(text)),
            Event::Terminal(CE::Resize(w, h)) => self.apply(Action::Resize(w, h)),
            Event::Terminal(_) => Handled::default(),
            Event::Inject { key, seq } => {
                let h = self.apply(Action::Key(key));
                self.processed_seq = self.processed_seq.max(seq);
                h
            }
            Event::Paste { text, seq } => {
                let h = self.apply(Action::Paste(text));
                self.processed_seq = self.processed_seq.max(seq);
                h
            }
            Event::Resize { w, h: height, seq } => {
                let mut h = self.apply(Action::Resize(w, height));
                h.resize = Some((w, height));
                self.processed_seq = self.processed_seq.max(seq);
                h
            }
            Event::Job { action, done, label } => {
                let h = self.apply(action);
                if done {
                    self.apply(Action::JobFinished(label));
                }
                h
            }
            Event::Stream { action, credit } => {
                let h = self.apply(action);
                if let Some(c) = credit {
                    c.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
                }
                h
            }
            Event::Quit => {
                self.apply(Action::Quit);
                Handled { dirty: false, ..Default::default() }
            }
            Event::Suspend => Handled { suspend: true, ..Default::default() },
            Event::Notice { level, text } => self.apply(Action::Notice { level, text }),
            Event::Playing(p) => self.apply(Action::Playing(p)),
            Event::Readonly(on) => self.apply(Action::SetReadonly(on)),
        }
    }

    /// Time passed: what is shown as of now (ages, backup health).
    pub fn clock(&mut self) -> Handled {
        self.apply(Action::World(crate::app::world::WorldMsg::Clock { at: chrono::Utc::now() }))
    }

    /// One spinner step (the render loop ticks only while busy).
    pub fn tick(&mut self) -> Handled {
        self.apply(Action::Tick)
    }
}

/// Runs a future, turning a panic into its message.
pub async fn guarded<T>(f: impl std::future::Future<Output = T>) -> Result<T, String> {
    use futures::FutureExt;
    std::panic::AssertUnwindSafe(f).catch_unwind().await.map_err(|p| panic_message(p.as_ref()))
}

/// The text a panic carried.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

fn jobs_lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
