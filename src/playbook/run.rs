//! Running a playbook: a driver that injects keys into the app's event queue and
//! watches the frames it draws. The same driver serves the in-process runner
//! (`cutover play`, tests) and the live console (`cutover --play`).

use super::parse::{Located, Playbook, Step};
use crate::app::State;
use crate::app::state::Level;
use crate::input::Key;
use crate::runtime::{Event, Runtime, Services};
use crate::term::TestSurface;
use crate::term::frame::FrameInfo;
use crate::term::render::{self, LoopOptions};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::time::Instant;

/// What a playbook can ask of the world around the app (the simulator in `--demo`).
pub trait Hooks: Send + Sync {
    fn sim(&self, cmd: &str) -> Result<(), String>;
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub file: PathBuf,
    pub line: usize,
    pub step: String,
    pub message: String,
    pub screen: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}:{}: step `{}` failed: {}", self.file.display(), self.line, self.step, self.message)?;
        writeln!(f, "--- screen ---")?;
        write!(f, "{}", self.screen)
    }
}

impl std::error::Error for Failure {}

/// Called with (step index, step count, step) before each step.
pub type StepCallback = Box<dyn Fn(usize, usize, &Located) + Send>;

pub struct Driver {
    tx: UnboundedSender<Event>,
    frames: watch::Receiver<FrameInfo>,
    seq: u64,
    pub timeout: Duration,
    pub snapshots: PathBuf,
    pub hooks: Option<Arc<dyn Hooks>>,
    /// Called before each step (the live console shows progress).
    pub on_step: Option<StepCallback>,
}

impl Driver {
    pub fn new(tx: UnboundedSender<Event>, frames: watch::Receiver<FrameInfo>) -> Driver {
        Driver { tx, frames, seq: 0, timeout: Duration::from_secs(10), snapshots: PathBuf::from("snapshots"), hooks: None, on_step: None }
    }

    pub fn screen(&self) -> String {
        self.frames.borrow().screen.to_string()
    }

    /// Runs every step; stops at the first failure.
    pub async fn run(&mut self, pb: &Playbook) -> Result<String, Failure> {
        let n = pb.steps.len();
        for (i, s) in pb.steps.iter().enumerate() {
            if let Some(cb) = &self.on_step {
                cb(i, n, s);
            }
            if let Err(message) = self.step(&s.step).await {
                return Err(Failure { file: s.file.clone(), line: s.line, step: s.text.clone(), message, screen: self.screen() });
            }
        }
        // Let the last keys land before reporting the final screen.
        let _ = self.settle(self.timeout).await;
        Ok(self.screen())
    }

    fn send(&mut self, make: impl FnOnce(u64) -> Event) -> Result<(), String> {
        self.seq += 1;
        self.tx.send(make(self.seq)).map_err(|_| "the app has exited".to_string())
    }

    fn key(&mut self, key: Key) -> Result<(), String> {
        self.send(|seq| Event::Inject { key, seq })
    }

    /// Waits for a frame satisfying `pred`, or fails after `timeout`.
    async fn wait(&mut self, timeout: Duration, what: &str, pred: impl Fn(&FrameInfo) -> bool) -> Result<(), String> {
        let deadline = crate::config::duration::deadline(Instant::now(), timeout);
        loop {
            {
                let f = self.frames.borrow_and_update();
                if pred(&f) {
                    return Ok(());
                }
                if f.quit && !what.starts_with("exit") {
                    return Err(format!("the app exited while waiting for {what}"));
                }
            }
            match tokio::time::timeout_at(deadline, self.frames.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(format!("the app stopped while waiting for {what}")),
                Err(_) => return Err(format!("timed out after {} waiting for {what}", humantime::format_duration(timeout))),
            }
        }
    }

    /// Waits until a frame drawn after every key sent so far was handled shows
    /// what `pred` wants. Every such frame counts, not only the latest: a message
    /// shown for one frame is seen.
    async fn wait_screen(&mut self, timeout: Duration, what: &str, pred: impl Fn(&str) -> bool) -> Result<(), String> {
        let deadline = crate::config::duration::deadline(Instant::now(), timeout);
        let seq = self.seq;
        let mut checked = 0u64;
        loop {
            {
                let f = self.frames.borrow_and_update();
                for d in f.recent.iter().filter(|d| d.frame > checked && d.seq >= seq) {
                    if pred(&d.screen) {
                        return Ok(());
                    }
                }
                checked = f.recent.back().map_or(checked, |d| d.frame.max(checked));
                if f.quit {
                    return Err(format!("the app exited while waiting for {what}"));
                }
            }
            match tokio::time::timeout_at(deadline, self.frames.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(format!("the app stopped while waiting for {what}")),
                Err(_) => return Err(format!("timed out after {} waiting for {what}", humantime::format_duration(timeout))),
            }
        }
    }

    /// Until every key sent so far has been handled and drawn.
    async fn settle(&mut self, timeout: Duration) -> Result<(), String> {
        let seq = self.seq;
        self.wait(timeout, "the keys to be handled", move |f| f.seq >= seq || f.quit).await
    }

    async fn step(&mut self, step: &Step) -> Result<(), String> {
        let t = self.timeout;
        match step {
            Step::Keys(keys) => {
                for k in keys {
                    self.key(*k)?;
                }
            }
            Step::Type(text) => {
                for c in text.chars() {
                    self.key(Key::plain(c))?;
                }
            }
            Step::Paste(text) => {
                let text = text.clone();
                self.send(|seq| Event::Paste { text, seq })?;
            }
            Step::WaitFor(p, timeout) => {
                self.settle(t).await?;
                let p = p.clone();
                self.wait_screen(timeout.unwrap_or(t), &p.describe(), move |s| p.matches(s)).await?;
            }
            Step::WaitGone(p, timeout) => {
                self.settle(t).await?;
                let p = p.clone();
                self.wait(timeout.unwrap_or(t), &format!("{} to disappear", p.describe()), move |f| !p.matches(&f.screen)).await?;
            }
            Step::WaitIdle(timeout) => {
                let seq = self.seq;
                self.wait(timeout.unwrap_or(t), "idle (no pending work)", move |f| f.seq >= seq && f.busy == 0).await?;
            }
            Step::Assert(p) | Step::AssertNot(p) => {
                self.settle(t).await?;
                let want = matches!(step, Step::Assert(_));
                let found = p.matches(&self.frames.borrow().screen);
                if found != want {
                    return Err(if want {
                        format!("{} is not on the screen", p.describe())
                    } else {
                        format!("{} is on the screen", p.describe())
                    });
                }
            }
            Step::Snapshot(name) => {
                self.settle(t).await?;
                std::fs::create_dir_all(&self.snapshots).map_err(|e| format!("creating {}: {e}", self.snapshots.display()))?;
                let path = self.snapshots.join(format!("{name}.txt"));
                std::fs::write(&path, self.screen()).map_err(|e| format!("writing {}: {e}", path.display()))?;
            }
            Step::Resize(w, h) | Step::SetSize(w, h) => {
                let (w, h) = (*w, *h);
                self.send(|seq| Event::Resize { w, h, seq })?;
                self.settle(t).await?;
            }
            Step::Sleep(d) => tokio::time::sleep(*d).await,
            Step::ExpectExit(code) => {
                self.wait(t, "exit", |f| f.quit).await?;
                if *code != 0 {
                    return Err(format!("the app exited with 0, expected {code}"));
                }
            }
            Step::SetTimeout(d) => self.timeout = *d,
            // Applied before the run starts.
            Step::SetMode(_) => {}
            Step::Sim(cmd) => {
                let hooks = self.hooks.clone().ok_or("`Sim` steps need the simulated world (cutover play --demo)")?;
                hooks.sim(cmd)?;
            }
        }
        Ok(())
    }
}

pub struct InProcess {
    pub size: (u16, u16),
    pub snapshots: PathBuf,
    pub timeout: Duration,
    pub hooks: Option<Arc<dyn Hooks>>,
}

impl Default for InProcess {
    fn default() -> Self {
        InProcess { size: (120, 40), snapshots: PathBuf::from("snapshots"), timeout: Duration::from_secs(10), hooks: None }
    }
}

/// Runs a playbook against an in-memory screen. Returns the final screen, or the
/// first failure with the screen at that moment.
pub async fn run_in_process(pb: &Playbook, mut state: State, services: Services, opts: InProcess) -> Result<String, Failure> {
    let fail = |m: String| Failure { file: pb.path.clone(), line: 0, step: "start".into(), message: m, screen: String::new() };
    // Read-only unless the playbook opts into writes.
    state.readonly |= !pb.writes();
    let (w, h) = pb.size().unwrap_or(opts.size);
    let mut surface = TestSurface::new(w, h).map_err(|e| fail(e.to_string()))?;
    let mut rt = Runtime::new(state, services);
    rt.start();
    let (ftx, frx) = watch::channel(FrameInfo::default());
    let tx = rt.sender();
    let app = tokio::spawn(async move {
        let r = render::run(
            &mut surface,
            &mut rt,
            None::<futures::stream::Empty<std::io::Result<crossterm::event::Event>>>,
            LoopOptions { frames: Some(ftx) },
        )
        .await;
        r.map_err(|e| e.to_string())
    });
    let mut driver = Driver::new(tx.clone(), frx);
    driver.timeout = opts.timeout;
    driver.snapshots = opts.snapshots;
    driver.hooks = opts.hooks;
    let result = driver.run(pb).await;
    let _ = tx.send(Event::Quit);
    match app.await {
        Ok(Err(e)) => return Err(fail(format!("the app failed: {e}"))),
        Err(e) => return Err(fail(format!("the app panicked: {e}"))),
        Ok(Ok(())) => {}
    }
    result
}

/// A status-line note from a playbook running in the live console.
pub fn notice(tx: &UnboundedSender<Event>, level: Level, text: String) {
    let _ = tx.send(Event::Notice { level, text });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::term::frame::Drawn;
    use std::collections::VecDeque;

    fn frame(recent: &[(u64, u64, &str)]) -> FrameInfo {
        let recent: VecDeque<Drawn> =
            recent.iter().map(|(frame, seq, s)| Drawn { frame: *frame, seq: *seq, screen: Arc::new(s.to_string()) }).collect();
        FrameInfo { screen: recent.back().map(|d| d.screen.clone()).unwrap_or_default(), recent: Arc::new(recent), ..FrameInfo::default() }
    }

    async fn wait_for(info: FrameInfo, text: &str) -> Result<String, Failure> {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let (_ftx, frx) = watch::channel(info);
        let mut d = Driver::new(tx, frx);
        d.timeout = Duration::from_millis(50);
        let pb = Playbook::parse(std::path::Path::new("t.play"), &format!("WaitFor \"{text}\"\n")).expect("parses");
        d.run(&pb).await
    }

    #[tokio::test]
    async fn a_message_drawn_for_one_frame_is_seen() {
        // The latest frame has moved on; the one before showed the message.
        let info = frame(&[(1, 0, "loading"), (2, 0, "reboot 40%"), (3, 0, "done")]);
        assert!(wait_for(info, "reboot 40%").await.is_ok());
    }

    #[tokio::test]
    async fn frames_drawn_before_the_keys_were_handled_do_not_count() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        // The key (seq 1) was handled before frame 2.
        let (_ftx, frx) = watch::channel(FrameInfo { seq: 1, ..frame(&[(1, 0, "old text"), (2, 1, "new text")]) });
        let mut d = Driver::new(tx, frx);
        d.timeout = Duration::from_millis(50);
        let pb = Playbook::parse(std::path::Path::new("t.play"), "Key j\nWaitFor \"old text\"\n").expect("parses");
        let f = d.run(&pb).await.expect_err("the old frame is not evidence");
        assert!(f.message.contains("timed out") && f.message.contains("\"old text\""), "{}", f.message);
        assert!(wait_for(frame(&[(1, 0, "x")]), "absent").await.is_err());
    }
}
