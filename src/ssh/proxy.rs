//! ProxyCommand: the command runs under `/bin/sh -c exec …` as OpenSSH runs
//! it, and SSH is spoken over its stdin/stdout. Its stderr is kept (bounded)
//! for the error message, never drawn over the console; it runs in a process
//! group of its own, so it cannot read the console's terminal; it is killed
//! with the connection.

use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, Join, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const MAX_STDERR: usize = 16 << 10;

pub(super) struct ProxyStream {
    io: Join<ChildStdout, ChildStdin>,
    _child: Child,
}

/// What the command said on stderr so far.
#[derive(Clone, Default)]
pub(super) struct ProxyStderr(Arc<Mutex<Vec<u8>>>);

impl ProxyStderr {
    pub(super) fn text(&self) -> String {
        let b = self.0.lock().unwrap_or_else(|p| p.into_inner());
        crate::logs::sanitize::sanitize(&b).trim().to_string()
    }
}

pub(super) fn spawn(command: &str, said: &ProxyStderr) -> Result<ProxyStream, String> {
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("exec {command}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("ProxyCommand `{command}`: {e}"))?;
    let (Some(stdin), Some(stdout), Some(mut stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take()) else {
        return Err(format!("ProxyCommand `{command}`: no pipes"));
    };
    let keep = said.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let mut v = keep.0.lock().unwrap_or_else(|p| p.into_inner());
            let room = MAX_STDERR.saturating_sub(v.len());
            v.extend_from_slice(&buf[..n.min(room)]);
        }
    });
    Ok(ProxyStream { io: tokio::io::join(stdout, stdin), _child: child })
}

impl AsyncRead for ProxyStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProxyStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
