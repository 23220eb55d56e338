//! The `cutover` command line: the console, `demo`, `sim` and `play`.

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr};
use cutover::app::Level;
use cutover::playbook::{Hooks, InProcess, Playbook};
use cutover::runtime::setup::{self, UiOptions};
use cutover::runtime::{Event, Runtime, Services};
use cutover::sim::{Sim, SimOptions};
use cutover::term::frame::FrameInfo;
use cutover::term::render::{self, LoopOptions};
use cutover::term::{self, CrosstermSurface};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Parser)]
#[command(
    name = "cutover",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("CUTOVER_GIT_REV"), ")"),
    about = "Terminal operations console for Django sites on Hetzner Cloud with Coolify"
)]
struct Cli {
    #[command(flatten)]
    ui: UiOptions,
    /// Type the keys of a playbook into the console as if typed, then hand control back.
    #[arg(long, value_name = "FILE")]
    play: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Open the console on a built-in simulated world: no account, no network.
    Demo {
        /// Number of servers in the simulated project (default: the demo project).
        #[arg(long)]
        servers: Option<usize>,
        /// Seed of the simulated world's names, numbers and logs (the same seed, the same world).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Type the keys of a playbook into the console as if typed, then hand control back.
        #[arg(long, value_name = "FILE")]
        play: Option<PathBuf>,
        /// Delay every API answer by this much (`80ms`): the console as it
        /// behaves against the real services, far away.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        latency: Option<std::time::Duration>,
        #[command(flatten)]
        ui: UiOptions,
    },
    /// Serve the simulated Hetzner and Coolify APIs without the UI; prints `export` lines.
    Sim {
        /// Port of the Hetzner API on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 0)]
        hetzner_port: u16,
        /// Port of the Coolify API on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 0)]
        coolify_port: u16,
        /// Number of servers in the simulated project (default: the demo project of 8).
        #[arg(long)]
        servers: Option<usize>,
        /// Seed of the simulated world's names, numbers and logs (the same seed, the same world).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Requests per hour before 429 (the `RateLimit-Limit` header).
        #[arg(long, default_value_t = 3600)]
        rate_limit: u32,
        /// Delay every API answer by this much (`80ms`), as a distant service would.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        latency: Option<std::time::Duration>,
    },
    /// Check runbooks, themes, keymaps, playbooks and config files without
    /// starting the console; exits 1 at the first file that does not read, with
    /// file:line:column.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the files are (default: guessed from the path and the contents).
        #[arg(long = "as", value_name = "KIND")]
        kind: Option<cutover::check::Kind>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff): `cutover man > ~/.local/share/man/man1/cutover.1`.
    Man,
    /// Run a playbook headless (in-process screen) and print the final screen.
    Play {
        file: PathBuf,
        /// Against a fresh simulated world instead of the configured contexts.
        #[arg(long)]
        demo: bool,
        /// Screen size, COLSxROWS.
        #[arg(long, default_value = "120x40")]
        size: String,
        /// Where `Snapshot` steps write the screen text.
        #[arg(long, default_value = "snapshots")]
        snapshots: PathBuf,
        /// Default timeout of `WaitFor`/`WaitIdle` steps.
        #[arg(long, default_value = "10s")]
        timeout: String,
        /// Servers in the simulated project (with --demo).
        #[arg(long)]
        servers: Option<usize>,
        #[command(flatten)]
        ui: UiOptions,
    },
}

struct SimHooks(Arc<Sim>);

impl Hooks for SimHooks {
    fn sim(&self, cmd: &str) -> Result<(), String> {
        self.0.control(cmd)
    }
}

fn main() {
    if let Err(e) = term::install_hooks() {
        eprintln!("cutover: {e}");
    }
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cutover: starting the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = rt.block_on(async_main(cli));
    // Background tasks (simulator, jobs) end with the runtime.
    rt.shutdown_timeout(Duration::from_millis(100));
    std::process::exit(code);
}

async fn async_main(cli: Cli) -> i32 {
    let result = match cli.cmd {
        None => console(&cli.ui, cli.play, None).await,
        Some(Cmd::Demo { servers, seed, play, latency, ui }) => {
            let sim = SimOptions { servers, seed, latency: latency.unwrap_or_default(), ..SimOptions::default() };
            console(&ui.or(&cli.ui), play.or(cli.play), Some(sim)).await
        }
        Some(Cmd::Sim { hetzner_port, coolify_port, servers, seed, rate_limit, latency }) => {
            let latency = latency.unwrap_or_default();
            sim(SimOptions { hetzner_port, coolify_port, servers, seed, rate_limit, latency, ..SimOptions::default() }).await
        }
        Some(Cmd::Check { files, kind }) => return check(&files, kind),
        Some(Cmd::Completions { shell }) => {
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "cutover", &mut std::io::stdout());
            return 0;
        }
        Some(Cmd::Man) => {
            return match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut std::io::stdout()) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("cutover man: {e}");
                    1
                }
            };
        }
        Some(Cmd::Play { file, demo, size, snapshots, timeout, servers, ui }) => {
            return play(&ui.or(&cli.ui), file, demo, &size, snapshots, &timeout, servers).await;
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            term::restore();
            eprintln!("cutover: {e:?}");
            1
        }
    }
}

async fn console(ui: &UiOptions, play: Option<PathBuf>, demo: Option<SimOptions>) -> Result<()> {
    // Everything that can be malformed is read before the terminal is touched.
    let playbook = play.as_deref().map(Playbook::load).transpose()?;
    let mut loaded = setup::load(ui, &setup::process_env)?;
    let (services, sim): (Services, Option<Arc<Sim>>) = match demo {
        Some(opts) => {
            let sim = Arc::new(Sim::start(opts).await?);
            let mut sv = cutover::demo::services(&mut loaded.state, &sim)?;
            // Rehearsal journals outlive a crash, apart from real runs.
            if let Some(d) = cutover::config::state_dir() {
                sv.runs_dir = Some(d.join("demo-runs"));
            }
            (sv, Some(sim))
        }
        None => (setup::live_services(&mut loaded, ui, &setup::process_env)?, None),
    };
    let mut surface = CrosstermSurface::new()?;
    let mut rt = Runtime::new(loaded.state, services);
    term::signals::spawn(rt.sender()).wrap_err("installing signal handlers")?;
    rt.start();
    let mut opts = LoopOptions::default();
    if let Some(pb) = playbook {
        let (ftx, frx) = watch::channel(FrameInfo::default());
        opts.frames = Some(ftx);
        let tx = rt.sender();
        let was_readonly = rt.state.readonly;
        let hooks = sim.clone().map(|s| Arc::new(SimHooks(s)) as Arc<dyn Hooks>);
        tokio::spawn(async move {
            if !pb.writes() {
                let _ = tx.send(Event::Readonly(true));
            }
            let mut driver = cutover::playbook::Driver::new(tx.clone(), frx);
            // `Sim` steps reach the demo's world (and only it).
            driver.hooks = hooks;
            let progress = tx.clone();
            driver.on_step = Some(Box::new(move |i, n, s| {
                // The step's kind only: a `WaitFor "x"` shown whole would match itself.
                let kind = s.text.split_whitespace().next().unwrap_or("");
                let _ = progress.send(Event::Playing(Some(format!("playbook step {}/{n}: {kind}", i + 1))));
            }));
            let (level, text) = match driver.run(&pb).await {
                Ok(_) => (Level::Ok, format!("playbook {} done; the keyboard is yours", pb.path.display())),
                Err(f) => (Level::Error, format!("playbook {}:{}: `{}` failed: {}", f.file.display(), f.line, f.step, f.message)),
            };
            let _ = tx.send(Event::Readonly(was_readonly));
            let _ = tx.send(Event::Playing(None));
            let _ = tx.send(Event::Notice { level, text });
        });
    }
    let input = crossterm::event::EventStream::new();
    let r = render::run(&mut surface, &mut rt, Some(input), opts).await;
    drop(surface);
    r
}

async fn sim(opts: SimOptions) -> Result<()> {
    use std::io::Write;
    let sim = Sim::start(opts).await?;
    let mut out = std::io::stdout();
    for l in sim.env_lines() {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "# cutover sim: serving until interrupted (Ctrl-C)")?;
    out.flush()?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
    Ok(())
}

/// `cutover check`: every file, in order; the first error ends it with 1.
fn check(files: &[PathBuf], kind: Option<cutover::check::Kind>) -> i32 {
    for f in files {
        match cutover::check::check(f, kind) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("cutover check: {e}");
                return 1;
            }
        }
    }
    0
}

async fn play(ui: &UiOptions, file: PathBuf, demo: bool, size: &str, snapshots: PathBuf, timeout: &str, servers: Option<usize>) -> i32 {
    let fail = |msg: String| {
        eprintln!("cutover play: {msg}");
        2
    };
    let pb = match Playbook::load(&file) {
        Ok(p) => p,
        Err(e) => return fail(e.to_string()),
    };
    let Some(size) = cutover::playbook::parse::parse_size(size) else {
        return fail(format!("--size {size}: expected COLSxROWS like 120x40, from 20x5 to 1000x1000"));
    };
    let timeout = match cutover::config::duration::parse(timeout, Duration::ZERO, cutover::config::duration::MAX_PLAYBOOK) {
        Ok(t) => t,
        Err(e) => return fail(format!("--timeout: {e}")),
    };
    let mut loaded = match setup::load(ui, &setup::process_env) {
        Ok(l) => l,
        Err(e) => return fail(format!("{e}")),
    };
    let mut hooks: Option<Arc<dyn Hooks>> = None;
    let services = if demo {
        let sim = match Sim::start(SimOptions { servers, ..SimOptions::default() }).await {
            Ok(s) => Arc::new(s),
            Err(e) => return fail(format!("{e:?}")),
        };
        let sv = match cutover::demo::services(&mut loaded.state, &sim) {
            Ok(s) => s,
            Err(e) => return fail(format!("{e:?}")),
        };
        hooks = Some(Arc::new(SimHooks(sim)));
        sv
    } else {
        match setup::live_services(&mut loaded, ui, &setup::process_env) {
            Ok(s) => s,
            Err(e) => return fail(format!("{e:?}")),
        }
    };
    let opts = InProcess { size, snapshots, timeout, hooks };
    match cutover::playbook::run_in_process(&pb, loaded.state, services, opts).await {
        Ok(screen) => {
            print!("{screen}");
            0
        }
        Err(f) => {
            eprintln!("{f}");
            1
        }
    }
}
