//! A log tail over SSH that survives the link: reconnects with backoff, marks the
//! gap in the log, batches lines (about 50 ms) and sanitises them before they
//! reach the UI. If the UI falls behind, whole batches are dropped and counted.

use super::SshError;
use super::quote::{find_container, pick_container, sh};
use super::session::{ExecEvent, Exit, Session, SshEnv};
use super::target::Target;
use crate::logs::{Kind, Level, LineSplitter, level, sanitize_into};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

#[derive(Clone, Debug, PartialEq)]
pub enum TailSource {
    /// A Coolify application or database container, found by its uuid.
    Container {
        uuid: String,
        lines: u32,
    },
    Journal {
        unit: String,
    },
    File {
        path: String,
    },
    Command(String),
}

impl TailSource {
    pub fn label(&self) -> String {
        match self {
            TailSource::Container { uuid, .. } => format!("docker logs {uuid}"),
            TailSource::Journal { unit } => format!("journalctl -u {unit}"),
            TailSource::File { path } => format!("tail -F {path}"),
            TailSource::Command(c) => c.clone(),
        }
    }

    /// The remote command; `resume_ts` continues a container log after a gap.
    fn command(&self, container: Option<&str>, resume_ts: Option<&str>, first: bool) -> String {
        match self {
            TailSource::Container { lines, .. } => {
                let name = sh(container.unwrap_or(""));
                match resume_ts {
                    Some(ts) => format!("docker logs -f --timestamps --since {} {name}", sh(ts)),
                    None => format!("docker logs -f --timestamps --tail {lines} {name}"),
                }
            }
            TailSource::Journal { unit } => format!("journalctl -f -o short-iso -n {} -u {}", if first { 100 } else { 0 }, sh(unit)),
            TailSource::File { path } => format!("tail -n {} -F {}", if first { 100 } else { 0 }, sh(path)),
            TailSource::Command(c) => c.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchLine {
    pub start: u32,
    pub len: u32,
    pub level: Level,
    pub ts_len: u8,
    pub kind: Kind,
}

/// Sanitised lines, packed: one allocation per batch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    pub text: String,
    pub lines: Vec<BatchLine>,
    /// Lines dropped just before this batch because the UI fell behind.
    pub dropped: u64,
}

impl Batch {
    pub fn push_raw(&mut self, raw: &[u8], kind: Kind) {
        let start = self.text.len();
        sanitize_into(raw, &mut self.text);
        let s = &self.text[start..];
        let ts = level::timestamp_len(s);
        let lv = level::detect(&s[ts..]);
        self.lines.push(BatchLine {
            start: start as u32,
            len: (self.text.len() - start) as u32,
            level: lv,
            ts_len: ts.min(255) as u8,
            kind,
        });
    }

    pub fn push_marker(&mut self, text: &str) {
        let start = self.text.len();
        self.text.push_str(text);
        self.lines.push(BatchLine { start: start as u32, len: text.len() as u32, level: Level::None, ts_len: 0, kind: Kind::Marker });
    }

    pub fn line(&self, i: usize) -> &str {
        let l = self.lines[i];
        &self.text[l.start as usize..(l.start + l.len) as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.dropped == 0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TailStatus {
    Connecting,
    Streaming(String),
    /// Waiting to reconnect.
    Retrying {
        reason: String,
        in_secs: u64,
    },
    /// The remote command ended by itself.
    Ended(String),
    /// Will not retry (host key, authentication, bad source).
    Failed(String),
}

#[derive(Debug)]
pub enum TailEvent {
    Status(TailStatus),
    Lines(Batch),
}

pub const BATCH_INTERVAL: Duration = Duration::from_millis(50);
pub const BATCH_LINES: usize = 4096;
/// A batch is also sent once it holds this much text, so batches in flight
/// stay small in bytes even when lines are long (a 1 GB line arrives as
/// 1 MiB pieces).
pub const BATCH_BYTES: usize = 1 << 20;
/// Batches sent and not yet applied by the UI before new ones are dropped.
pub const MAX_IN_FLIGHT: usize = 16;

struct Sender {
    out: mpsc::UnboundedSender<TailEvent>,
    in_flight: Arc<AtomicUsize>,
    dropped: u64,
}

impl Sender {
    fn status(&self, s: TailStatus) -> bool {
        self.out.send(TailEvent::Status(s)).is_ok()
    }

    fn flush(&mut self, batch: &mut Batch) -> bool {
        if batch.lines.is_empty() {
            return !self.out.is_closed();
        }
        if self.in_flight.load(Ordering::Acquire) >= MAX_IN_FLIGHT {
            self.dropped += batch.lines.len() as u64;
            batch.text.clear();
            batch.lines.clear();
            return !self.out.is_closed();
        }
        let mut b = std::mem::take(batch);
        b.dropped = std::mem::take(&mut self.dropped);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.out.send(TailEvent::Lines(b)).is_ok()
    }
}

fn now() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

fn is_final(e: &SshError) -> bool {
    matches!(
        e,
        SshError::HostKeyChanged { .. }
            | SshError::HostKeyRejected { .. }
            | SshError::HostKeyRevoked { .. }
            | SshError::HostKeyUnknown { .. }
            | SshError::Auth { .. }
            | SshError::Config(_)
    )
}

/// Runs until the receiver is dropped, the remote command ends, or an error
/// that retrying cannot fix.
pub async fn run(target: Target, env: SshEnv, source: TailSource, out: mpsc::UnboundedSender<TailEvent>, in_flight: Arc<AtomicUsize>) {
    let mut tx = Sender { out, in_flight, dropped: 0 };
    let mut attempt: u32 = 0;
    let mut had_stream = false;
    let mut lost_note: Option<String> = None;
    let mut last_ts: Option<String> = None;
    loop {
        if !tx.status(if had_stream { TailStatus::Retrying { reason: "reconnecting".into(), in_secs: 0 } } else { TailStatus::Connecting })
        {
            return;
        }
        let result = stream_once(&target, &env, &source, &mut tx, had_stream, &mut lost_note, &mut last_ts).await;
        match result {
            Ok(Some(exit)) => {
                let mut b = Batch::default();
                b.push_marker(&format!("── {} ended: {exit} ──", source.label()));
                tx.flush(&mut b);
                tx.status(TailStatus::Ended(exit.to_string()));
                return;
            }
            Ok(None) => {
                // Connection lost mid-stream: mark it and reconnect at once.
                had_stream = true;
                attempt = 0;
                continue;
            }
            Err(e) if is_final(&e) => {
                tx.status(TailStatus::Failed(e.to_string()));
                return;
            }
            Err(e) => {
                let wait = Duration::from_secs((1u64 << attempt.min(5)).min(30));
                attempt += 1;
                if lost_note.is_none() && had_stream {
                    lost_note = Some(now());
                }
                if !tx.status(TailStatus::Retrying { reason: e.to_string(), in_secs: wait.as_secs() }) {
                    return;
                }
                tokio::time::sleep(wait).await;
                if tx.out.is_closed() {
                    return;
                }
            }
        }
    }
}

/// One connection's worth of tailing. `Ok(Some)` = the command ended,
/// `Ok(None)` = the link was lost.
async fn stream_once(
    target: &Target,
    env: &SshEnv,
    source: &TailSource,
    tx: &mut Sender,
    resumed: bool,
    lost_at: &mut Option<String>,
    last_ts: &mut Option<String>,
) -> Result<Option<Exit>, SshError> {
    let session = Session::connect(target, env).await?;
    let container = match source {
        TailSource::Container { uuid, .. } => {
            let out = session.run(&find_container(uuid)).await?;
            match pick_container(&out.stdout_text(), uuid) {
                Some(c) => Some(c),
                None => return Err(SshError::NoContainer(format!("no running container for {uuid} on {}", target.display()))),
            }
        }
        _ => None,
    };
    let cmd = source.command(container.as_deref(), if resumed { last_ts.as_deref() } else { None }, !resumed);
    let mut exec = session.exec(&cmd).await?;
    tx.status(TailStatus::Streaming(target.display()));
    let mut batch = Batch::default();
    if resumed {
        let since = lost_at.take().map(|t| format!(" (lost at {t})")).unwrap_or_default();
        let what = if last_ts.is_some() && container.is_some() {
            "resumed from the last line received"
        } else {
            "lines written in between were not received"
        };
        batch.push_marker(&format!("── reconnected at {}{since}: {what} ──", now()));
    }
    let mut out_lines = LineSplitter::new(1 << 20);
    let mut err_lines = LineSplitter::new(1 << 20);
    let mut tick = tokio::time::interval_at(Instant::now() + BATCH_INTERVAL, BATCH_INTERVAL);
    // After a gap, `docker logs --since` repeats lines at the resume second.
    let skip_until = if resumed { last_ts.clone() } else { None };
    loop {
        tokio::select! {
            ev = exec.events.recv() => match ev {
                Some(ExecEvent::Stdout(b)) => out_lines.push(&b, |l| push_line(&mut batch, l, Kind::Stdout, last_ts, skip_until.as_deref())),
                Some(ExecEvent::Stderr(b)) => err_lines.push(&b, |l| push_line(&mut batch, l, Kind::Stderr, last_ts, skip_until.as_deref())),
                Some(ExecEvent::End(exit)) => {
                    out_lines.finish(|l| push_line(&mut batch, l, Kind::Stdout, last_ts, None));
                    err_lines.finish(|l| push_line(&mut batch, l, Kind::Stderr, last_ts, None));
                    if exit == Exit::Lost {
                        let at = now();
                        batch.push_marker(&format!("── connection to {} lost at {at}; reconnecting ──", target.display()));
                        *lost_at = Some(at);
                        tx.flush(&mut batch);
                        return Ok(None);
                    }
                    tx.flush(&mut batch);
                    return Ok(Some(exit));
                }
                None => {
                    tx.flush(&mut batch);
                    return Ok(None);
                }
            },
            _ = tick.tick() => {
                if !tx.flush(&mut batch) {
                    // The tab was closed: dropping the session closes the channel.
                    return Ok(Some(Exit::Signal("closed".into())));
                }
                if tx.dropped > 0 && tx.in_flight.load(Ordering::Acquire) < MAX_IN_FLIGHT {
                    // Let the UI know even when no new lines come.
                    batch.push_marker(&format!("── {} lines dropped: the console fell behind the stream ──", tx.dropped));
                }
            }
        }
        if batch.lines.len() >= BATCH_LINES || batch.text.len() >= BATCH_BYTES {
            tx.flush(&mut batch);
        }
        if session.is_closed() && exec.events.is_empty() {
            // Keepalives gave up; the channel end follows, handled above.
        }
    }
}

fn push_line(batch: &mut Batch, raw: &[u8], kind: Kind, last_ts: &mut Option<String>, skip_until: Option<&str>) {
    batch.push_raw(raw, kind);
    let i = batch.lines.len() - 1;
    let l = batch.lines[i];
    if l.ts_len > 0 {
        let ts = batch.line(i)[..l.ts_len as usize].trim_end().to_string();
        if let Some(s) = skip_until
            && ts.as_str() <= s
        {
            batch.text.truncate(l.start as usize);
            batch.lines.pop();
            return;
        }
        *last_ts = Some(ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_packs_sanitised_lines() {
        let mut b = Batch::default();
        b.push_raw(b"2026-11-21T10:00:00.000000001Z [ERROR] boom \x1b[31m", Kind::Stderr);
        b.push_marker("-- gap --");
        assert_eq!(b.lines.len(), 2);
        assert_eq!(b.lines[0].level, Level::Error);
        assert_eq!(b.lines[0].ts_len, 31);
        assert!(b.line(0).ends_with("boom ^[[31m"));
        assert_eq!(b.line(1), "-- gap --");
    }

    #[test]
    fn commands() {
        let c = TailSource::Container { uuid: "u".into(), lines: 200 };
        assert_eq!(c.command(Some("u-1"), None, true), "docker logs -f --timestamps --tail 200 u-1");
        assert_eq!(
            c.command(Some("u-1"), Some("2026-11-21T10:00:00Z"), false),
            "docker logs -f --timestamps --since 2026-11-21T10:00:00Z u-1"
        );
        assert_eq!(
            TailSource::File { path: "/var/log/my app.log".into() }.command(None, None, false),
            "tail -n 0 -F '/var/log/my app.log'"
        );
        assert_eq!(TailSource::Journal { unit: "nginx".into() }.command(None, None, true), "journalctl -f -o short-iso -n 100 -u nginx");
    }
}
