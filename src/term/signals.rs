//! SIGHUP/SIGTERM (a dropped ssh link, a kill) quit cleanly; SIGTSTP suspends.
//! SIGWINCH arrives as crossterm resize events.

use crate::runtime::Event;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::UnboundedSender;

pub fn spawn(tx: UnboundedSender<Event>) -> std::io::Result<()> {
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut tstp = signal(SignalKind::from_raw(signal_hook::consts::SIGTSTP))?;
    tokio::spawn(async move {
        loop {
            let ev = tokio::select! {
                _ = hup.recv() => Event::Quit,
                _ = term.recv() => Event::Quit,
                _ = tstp.recv() => Event::Suspend,
            };
            if tx.send(ev).is_err() {
                break;
            }
        }
    });
    Ok(())
}
