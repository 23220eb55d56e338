//! The terminal: setup and restore (on every exit path, panic and signal),
//! surfaces to draw on, signals, and the render loop.

pub mod frame;
pub mod render;
pub mod signals;

use color_eyre::eyre::Result;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{cursor, event, execute, queue, terminal};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use std::io::{BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Somewhere frames are drawn: the real terminal, or an in-memory screen.
pub trait Surface {
    type B: Backend;
    fn terminal(&mut self) -> &mut Terminal<Self::B>;
    fn begin_frame(&mut self) -> Result<()> {
        Ok(())
    }
    fn end_frame(&mut self) -> Result<()> {
        Ok(())
    }
    /// A size change requested by a playbook (a real terminal resizes itself).
    fn resize(&mut self, _w: u16, _h: u16) -> Result<()> {
        Ok(())
    }
    /// Leave the terminal, stop the process, and come back (SIGTSTP / Ctrl-Z).
    fn suspend(&mut self) -> Result<()> {
        Ok(())
    }
}

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back as it was. Safe to call more than once and from a panic hook.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = std::io::stdout();
        let _ = execute!(out, EndSynchronizedUpdate, event::DisableBracketedPaste, terminal::LeaveAlternateScreen, cursor::Show);
        let _ = terminal::disable_raw_mode();
        let _ = out.flush();
    }
}

fn enter() -> Result<()> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = std::io::stdout();
    execute!(out, terminal::EnterAlternateScreen, event::EnableBracketedPaste, cursor::Hide)?;
    Ok(())
}

/// The thread that draws (the one that installed the hooks).
static UI_THREAD: std::sync::OnceLock<std::thread::ThreadId> = std::sync::OnceLock::new();

/// Installs color-eyre's hooks with a terminal restore in front of the panic
/// report. Only a panic of the drawing thread restores the terminal (and the
/// process then ends); a job's panic is that job's failure, reported in the
/// console by its guard, and must not write over the screen.
pub fn install_hooks() -> Result<()> {
    use std::io::IsTerminal;
    let _ = UI_THREAD.set(std::thread::current().id());
    let mut builder = color_eyre::config::HookBuilder::default().display_env_section(false).display_location_section(false);
    if !std::io::stderr().is_terminal() {
        // A log file or a pipe gets plain text.
        builder = builder.theme(color_eyre::config::Theme::new());
    }
    let (panic_hook, eyre_hook) = builder.into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        let ui = UI_THREAD.get().is_none_or(|t| *t == std::thread::current().id());
        if ui {
            restore();
            eprintln!("{}", panic_hook.panic_report(info));
        } else if !ACTIVE.load(Ordering::SeqCst) {
            eprintln!("{}", panic_hook.panic_report(info));
        }
    }));
    Ok(())
}

/// The real terminal. Dropping it restores the terminal.
pub struct CrosstermSurface {
    terminal: Terminal<CrosstermBackend<BufWriter<Stdout>>>,
}

impl CrosstermSurface {
    pub fn new() -> Result<Self> {
        enter()?;
        // One large buffer: a frame leaves as a few big writes, not many small ones.
        let backend = CrosstermBackend::new(BufWriter::with_capacity(1 << 16, std::io::stdout()));
        let terminal = Terminal::new(backend)?;
        Ok(CrosstermSurface { terminal })
    }
}

impl Drop for CrosstermSurface {
    fn drop(&mut self) {
        let _ = Write::flush(self.terminal.backend_mut());
        restore();
    }
}

impl Surface for CrosstermSurface {
    type B = CrosstermBackend<BufWriter<Stdout>>;

    fn terminal(&mut self) -> &mut Terminal<Self::B> {
        &mut self.terminal
    }

    fn begin_frame(&mut self) -> Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        Ok(())
    }

    fn end_frame(&mut self) -> Result<()> {
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        Ok(())
    }

    fn suspend(&mut self) -> Result<()> {
        let _ = Write::flush(self.terminal.backend_mut());
        restore();
        // Stop for real; the shell's `fg` sends SIGCONT and we continue here.
        signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
        enter()?;
        // A resize to the current size clears the screen and forgets the last
        // frame, so the next draw repaints everything. (`clear()` would ask the
        // terminal for the cursor position, and wait when nothing answers.)
        let size = self.terminal.size()?;
        self.terminal.resize(Rect::new(0, 0, size.width, size.height))?;
        Ok(())
    }
}

/// An in-memory screen (playbooks, tests, benchmarks).
pub struct TestSurface {
    pub terminal: Terminal<TestBackend>,
}

impl TestSurface {
    pub fn new(w: u16, h: u16) -> Result<Self> {
        Ok(TestSurface { terminal: Terminal::new(TestBackend::new(w, h))? })
    }
}

impl Surface for TestSurface {
    type B = TestBackend;

    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        &mut self.terminal
    }

    fn resize(&mut self, w: u16, h: u16) -> Result<()> {
        self.terminal.backend_mut().resize(w, h);
        self.terminal.resize(Rect::new(0, 0, w, h))?;
        Ok(())
    }
}
