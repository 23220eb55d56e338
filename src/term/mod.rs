//! The terminal: setup and restore (on every exit path, panic and signal),
//! surfaces to draw on, signals, and the render loop.

pub mod frame;
pub mod present;
pub mod render;
pub mod signals;

use color_eyre::eyre::Result;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{cursor, event, execute, queue, terminal};
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
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

/// The real terminal. Frames are drawn in memory and put on the terminal by
/// a [`present::Presenter`] (cell diff plus scroll regions). Dropping it
/// restores the terminal.
pub struct CrosstermSurface {
    terminal: Terminal<TestBackend>,
    presenter: present::Presenter<BufWriter<Stdout>>,
}

impl CrosstermSurface {
    pub fn new() -> Result<Self> {
        enter()?;
        let (w, h) = terminal::size()?;
        // One large buffer: a frame leaves as a few big writes, not many small ones.
        let out = BufWriter::with_capacity(1 << 16, std::io::stdout());
        let presenter = present::Presenter::new(out, Rect::new(0, 0, w, h));
        Ok(CrosstermSurface { terminal: Terminal::new(TestBackend::new(w, h))?, presenter })
    }
}

impl Drop for CrosstermSurface {
    fn drop(&mut self) {
        let _ = Write::flush(self.presenter.out());
        restore();
    }
}

impl Surface for CrosstermSurface {
    type B = TestBackend;

    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        &mut self.terminal
    }

    fn begin_frame(&mut self) -> Result<()> {
        // The in-memory screen follows the terminal's size (ratatui asks the
        // backend each frame; the in-memory one would not know).
        let (w, h) = terminal::size()?;
        let now = self.terminal.backend().buffer().area;
        if (now.width, now.height) != (w, h) {
            self.terminal.backend_mut().resize(w, h);
            self.terminal.resize(Rect::new(0, 0, w, h))?;
        }
        queue!(self.presenter.out(), BeginSynchronizedUpdate)?;
        Ok(())
    }

    fn end_frame(&mut self) -> Result<()> {
        let b = self.terminal.backend();
        let cursor = b.cursor_visible().then(|| b.cursor_position());
        self.presenter.present(b.buffer(), cursor)?;
        execute!(self.presenter.out(), EndSynchronizedUpdate)?;
        Ok(())
    }

    fn suspend(&mut self) -> Result<()> {
        let _ = Write::flush(self.presenter.out());
        restore();
        // Stop for real; the shell's `fg` sends SIGCONT and we continue here.
        signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
        enter()?;
        // The screen is not what was drawn: the next frame paints all of it.
        // (`clear()` would ask the terminal for the cursor position, and wait
        // when nothing answers.)
        self.presenter.forget()?;
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
