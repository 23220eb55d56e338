//! The render loop: events in, State updated, a frame drawn only when something
//! changed, at most one per 10 ms. No frame timer: idle means no wake-ups and no
//! bytes. The spinner's timer runs only while a job is pending.

use super::Surface;
use super::frame::{Drawn, FrameInfo, RECENT_FRAMES, buffer_text};
use crate::runtime::{Event, Handled, Runtime};
use color_eyre::eyre::{Result, eyre};
use futures::{Stream, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until};

pub const MIN_FRAME: Duration = Duration::from_millis(10);
pub const SPINNER: Duration = Duration::from_millis(120);

#[derive(Default)]
pub struct LoopOptions {
    /// Publish each frame's text (playbooks).
    pub frames: Option<watch::Sender<FrameInfo>>,
}

fn draw<S: Surface>(surface: &mut S, rt: &Runtime, capture: bool) -> Result<Option<String>>
where
    <S::B as ratatui::backend::Backend>::Error: Send + Sync + 'static,
{
    surface.begin_frame()?;
    let completed = surface.terminal().draw(|f| crate::ui::draw(f, &rt.state)).map_err(|e| eyre!("drawing: {e}"))?;
    let text = capture.then(|| buffer_text(completed.buffer));
    surface.end_frame()?;
    Ok(text)
}

/// Runs until the app quits. `input` is the terminal's event stream (none in-process).
pub async fn run<S, I>(surface: &mut S, rt: &mut Runtime, mut input: Option<I>, opts: LoopOptions) -> Result<()>
where
    S: Surface,
    <S::B as ratatui::backend::Backend>::Error: Send + Sync + 'static,
    I: Stream<Item = std::io::Result<crossterm::event::Event>> + Unpin,
{
    let size = surface.terminal().size().map_err(|e| eyre!("terminal size: {e}"))?;
    rt.handle(Event::Terminal(crossterm::event::Event::Resize(size.width, size.height)));
    let mut dirty = true;
    let mut last_render = Instant::now() - MIN_FRAME;
    let mut spinner = interval_at(Instant::now() + SPINNER, SPINNER);
    spinner.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut info = FrameInfo::default();
    let mut frames_drawn = 0u64;

    loop {
        if rt.state.quit {
            break;
        }
        let now = Instant::now();
        if dirty && now >= last_render + MIN_FRAME {
            let text = draw(surface, rt, opts.frames.is_some())?;
            dirty = false;
            last_render = now;
            frames_drawn += 1;
            if let Some(t) = text {
                info.screen = Arc::new(t);
                let recent = Arc::make_mut(&mut info.recent);
                if recent.len() == RECENT_FRAMES {
                    recent.pop_front();
                }
                recent.push_back(Drawn { frame: frames_drawn, seq: rt.processed_seq, screen: info.screen.clone() });
                let s = surface.terminal().size().map_err(|e| eyre!("terminal size: {e}"))?;
                info.width = s.width;
                info.height = s.height;
            }
        }
        // Publish only a current screen, so a playbook never judges a stale frame.
        if let Some(tx) = &opts.frames
            && !dirty
            && (info.busy != rt.state.jobs.busy || info.seq != rt.processed_seq || info.frames != frames_drawn)
        {
            info.busy = rt.state.jobs.busy;
            info.seq = rt.processed_seq;
            info.frames = frames_drawn;
            tx.send_replace(info.clone());
        }
        let render_at = last_render + MIN_FRAME;
        let busy = rt.state.jobs.busy > 0;
        // Ages on screen change with time alone: wake when the next one does.
        let clock = rt.state.next_clock().map(|at| Instant::now() + (at - chrono::Utc::now()).to_std().unwrap_or_default());
        let mut handled = Vec::new();
        tokio::select! {
            ev = rt.recv() => match ev {
                Some(ev) => handled.push(rt.handle(ev)),
                None => break,
            },
            ev = next_input(&mut input) => match ev {
                Some(Ok(ev)) => handled.push(rt.handle(Event::Terminal(ev))),
                // The terminal is gone (or unreadable): leave cleanly.
                Some(Err(_)) | None => break,
            },
            _ = sleep_until(render_at), if dirty => {}
            _ = spinner.tick(), if busy => handled.push(rt.tick()),
            _ = sleep_until(clock.unwrap_or(render_at)), if clock.is_some() => handled.push(rt.clock()),
        }
        // Take everything already queued before drawing (coalesces bursts and resize storms).
        while let Some(ev) = rt.try_recv() {
            handled.push(rt.handle(ev));
        }
        for h in handled {
            let Handled { dirty: d, suspend, resize } = h;
            dirty |= d;
            if let Some((w, hgt)) = resize {
                surface.resize(w, hgt)?;
            }
            if suspend {
                surface.suspend()?;
                dirty = true;
            }
        }
    }
    if let Some(tx) = &opts.frames {
        info.quit = true;
        info.busy = rt.state.jobs.busy;
        info.seq = rt.processed_seq;
        tx.send_replace(info);
    }
    Ok(())
}

async fn next_input<I>(input: &mut Option<I>) -> Option<I::Item>
where
    I: Stream + Unpin,
{
    match input {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}
