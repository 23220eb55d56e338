//! Tier 5: the binary in a pseudo-terminal, as on a jump box: colour depths,
//! NO_COLOR, ASCII, resize, signals, and no bytes while idle.

// Tests and benchmarks stop at the first surprise: unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod support;

use nix::sys::signal::Signal;
use nix::sys::termios::LocalFlags;
use std::time::Duration;
use support::pty::{Pty, colours};

const T: Duration = Duration::from_secs(20);
const UTF8: (&str, &str) = ("LANG", "C.UTF-8");

fn demo(extra_args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
    let mut args = vec!["demo"];
    args.extend_from_slice(extra_args);
    let p = Pty::spawn(&args, env, cols, rows);
    p.wait_for("8 servers loaded", T);
    p
}

fn quit(p: &mut Pty) {
    p.send(b"q");
    assert!(p.wait_exit(T).success());
}

#[test]
fn truecolor_256_and_16_colours() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor"), UTF8], 100, 30);
    let (_, _, rgb) = colours(&p.bytes());
    assert!(rgb > 0, "truecolor terminal gets RGB");
    quit(&mut p);

    // Over ssh: TERM forwarded, COLORTERM not.
    let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 100, 30);
    let (_, c256, rgb) = colours(&p.bytes());
    assert_eq!(rgb, 0, "no RGB on a 256-colour terminal");
    assert!(!c256.is_empty());
    quit(&mut p);

    let mut p = demo(&["--colors", "16"], &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor"), UTF8], 100, 30);
    let (c16, c256, rgb) = colours(&p.bytes());
    // crossterm writes the 16 ANSI colours as palette indices 0-15 (`38;5;n`):
    // still the user's palette, never an RGB or a 256-cube colour.
    assert_eq!(rgb, 0);
    assert!(c256.iter().all(|&i| i < 16), "only the 16 ANSI colours with --colors 16: {c256:?}");
    assert!(!c16.is_empty() || !c256.is_empty());
    quit(&mut p);
}

#[test]
fn sixteen_colours_pick_the_ansi16_theme_and_cutover_colors_overrides() {
    // TERM=linux (a console, or ssh from one): 16 colours detected.
    // CUTOVER_COLORS=16 on a 256-colour terminal: the same by choice.
    for env in [vec![("TERM", "linux"), UTF8], vec![("TERM", "xterm-256color"), ("CUTOVER_COLORS", "16"), UTF8]] {
        let mut p = demo(&[], &env, 100, 30);
        let (_, c256, rgb) = colours(&p.bytes());
        assert_eq!(rgb, 0, "{env:?}");
        assert!(c256.iter().all(|&i| i < 16), "only the 16 ANSI colours with {env:?}: {c256:?}");
        // The Linux console's fonts have no rounded corners: square ones there.
        let linux = env.iter().any(|(k, v)| *k == "TERM" && *v == "linux");
        let screen = p.screen();
        assert_eq!(screen.contains("┌ Servers"), linux, "{env:?}:\n{screen}");
        assert_eq!(screen.contains("╭ Servers"), !linux, "{env:?}:\n{screen}");
        p.send(b":theme\r");
        p.wait_for("theme ansi16 (available:", T);
        quit(&mut p);
    }
    // CUTOVER_COLORS=256 beats COLORTERM=truecolor; a theme chosen stays chosen.
    // (The theme given before the subcommand, as the options may be.)
    let mut p = Pty::spawn(
        &["--theme", "light", "demo"],
        &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor"), ("CUTOVER_COLORS", "256"), UTF8],
        100,
        30,
    );
    p.wait_for("8 servers loaded", T);
    let (_, c256, rgb) = colours(&p.bytes());
    assert_eq!(rgb, 0, "CUTOVER_COLORS=256: no RGB");
    assert!(c256.iter().any(|&i| i >= 16), "256-colour codes");
    p.send(b":theme\r");
    p.wait_for("theme light (available:", T);
    quit(&mut p);
}

#[test]
fn no_color_keeps_selection_visible() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), ("NO_COLOR", "1"), UTF8], 100, 30);
    let bytes = p.bytes();
    let (c16, c256, rgb) = colours(&bytes);
    assert_eq!((c16.len(), c256.len(), rgb), (0, 0, 0), "NO_COLOR: no colour at all");
    // The cursor row is marked by a glyph and by reverse video, not by colour.
    let row = p.with_screen(|s| (0..s.size().0).find(|r| s.contents_between(*r, 0, *r, 100).contains("▶ coolify")).expect("cursor row"));
    let inverse = p.with_screen(|s| s.cell(row, 5).map(|c| c.inverse()).unwrap_or(false));
    assert!(inverse, "the selection is in reverse video, as the README says");
    let other = p.with_screen(|s| s.cell(row + 1, 5).map(|c| c.inverse()).unwrap_or(true));
    assert!(!other, "only the selection");
    quit(&mut p);
}

/// The status line of every frame the console wrote, in order: the output
/// replayed through a terminal emulator, frame by frame (each ends with the
/// end of its synchronized update). Polling the screen can miss a frame; this
/// cannot.
fn status_lines(bytes: &[u8], rows: u16, cols: u16) -> Vec<String> {
    let mut parser = vt100::Parser::new(rows, cols, 0);
    let end = b"\x1b[?2026l";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = bytes[from..].windows(end.len()).position(|w| w == end) {
        parser.process(&bytes[from..from + i + end.len()]);
        from += i + end.len();
        out.push(parser.screen().contents_between(rows - 1, 0, rows - 1, cols));
    }
    out
}

#[test]
fn ascii_mode_draws_only_ascii() {
    // The reload stalls in the simulator, so the spinner is certainly drawn.
    let dir = tempfile::tempdir().unwrap();
    let play = dir.path().join("stall.play");
    std::fs::write(
        &play,
        "WaitFor \"8 servers loaded\"\nSim \"fault hetzner GET /v1/servers stall 3s\"\nKey <C-r>\nWaitFor \"loading\"\nWaitIdle 10s\n",
    )
    .unwrap();
    let play = play.display().to_string();
    for (args, env) in [
        (vec!["--ascii", "--play", play.as_str()], vec![("TERM", "xterm-256color"), UTF8]),
        (vec!["--play", play.as_str()], vec![("TERM", "xterm-256color"), ("LANG", "C")]),
    ] {
        let mut p = demo(&args, &env, 100, 30);
        p.wait_for("the keyboard is yours", T);
        let bytes = p.bytes();
        assert!(bytes.is_ascii(), "non-ASCII written with {args:?} {env:?}");
        // After the first load: the reload's spinner, turning.
        let lines = status_lines(&bytes, 30, 100);
        let loaded = lines.iter().position(|l| l.contains("8 servers loaded")).expect("the first load ends");
        let mut glyphs: Vec<char> = lines[loaded..]
            .iter()
            .filter_map(|l| ['|', '/', '-', '\\'].into_iter().find(|g| l.contains(&format!("{g} loading"))))
            .collect();
        glyphs.dedup();
        assert!(glyphs.len() >= 2, "the ASCII spinner turned with {args:?} {env:?}: {glyphs:?} in {:#?}", &lines[loaded..]);
        let screen = p.screen();
        assert!(screen.contains("+ Servers"), "{screen}");
        assert!(screen.contains("> coolify"), "{screen}");
        quit(&mut p);
    }
}

#[test]
fn ascii_mode_writes_only_ascii_bytes_on_every_pane_and_overlay() {
    // Every pane, a detail view with its sparklines, a zone's records, a log with
    // its markers, help and the message log: every byte written is ASCII.
    let dir = tempfile::tempdir().unwrap();
    let play = dir.path().join("tour.play");
    std::fs::write(
        &play,
        "WaitFor \"8 servers loaded\"\nWaitIdle\nKey <Enter>\nWaitFor \"Server coolify\"\nKey <Esc>\nKey 2\nWaitFor \"Coolify resources\"\n\
         Key 3\nWaitFor \"DNS zones\"\nWaitIdle\nKey <Enter>\nWaitFor \"RRSets\"\nKey 4\nWaitFor \"Databases\"\nWaitIdle\nKey <Enter>\nKey <Esc>\n\
         Key :\nType \"tail cmd uptime on web-prod-1\"\nKey <Enter>\nWaitFor \"can't be established\"\nType \"yes\"\nKey <Enter>\n\
         WaitFor \"uptime ended: exit status 0\"\nKey 6\nWaitFor \"Move a site\"\nKey ?\nWaitFor \"Help\"\nKey <Esc>\nKey :\nType \"messages\"\nKey <Enter>\nWaitFor \"Messages\"\n",
    )
    .unwrap();
    let play = play.display().to_string();
    for (args, env) in [
        (vec!["--ascii", "--play", play.as_str()], vec![("TERM", "xterm-256color"), UTF8]),
        (vec!["--play", play.as_str()], vec![("TERM", "xterm-256color"), ("LANG", "C")]),
    ] {
        let mut p = demo(&args, &env, 100, 30);
        p.wait_for("the keyboard is yours", T);
        let bytes = p.bytes();
        let bad: Vec<String> = String::from_utf8_lossy(&bytes).chars().filter(|c| !c.is_ascii()).map(|c| c.to_string()).collect();
        let mut uniq = bad.clone();
        uniq.sort();
        uniq.dedup();
        assert!(bad.is_empty(), "{} non-ASCII characters written with {args:?} {env:?}: {uniq:?}", bad.len());
        quit(&mut p);
    }
}

#[test]
fn resize_relays_out_the_screen() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 120, 40);
    // At 120 columns the labels and the memory column are there...
    p.wait_for("env=production,role=db", T);
    assert!(p.screen().contains(" MEM "));
    p.resize(80, 24);
    p.wait_until("the redraw at 80x24", T, |s| s.cell(2, 79).map(|c| c.contents()) == Some("╮"));
    p.with_screen(|s| {
        let top = s.contents_between(2, 0, 2, 80);
        assert!(top.starts_with("╭ Servers") && top.trim_end().ends_with('╮'), "border spans the new width: {top:?}");
        assert_eq!(s.cell(2, 79).map(|c| c.contents()), Some("╮"));
        let bottom = s.contents_between(22, 0, 22, 80);
        assert!(bottom.starts_with('╰'), "pane bottom on row 23 of 24: {bottom:?}");
    });
    // ...at 80 the widest columns are dropped, the IPv4 stays.
    assert!(p.screen().contains("198.51.100.10"));
    assert!(!p.screen().contains("env=production"), "labels dropped:\n{}", p.screen());
    assert!(!p.screen().contains(" MEM "));
    quit(&mut p);
}

#[test]
fn sighup_and_sigterm_restore_the_terminal() {
    for sig in [Signal::SIGHUP, Signal::SIGTERM] {
        let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 100, 30);
        assert!(!p.termios().local_flags.contains(LocalFlags::ICANON), "raw mode while running");
        let before = p.byte_count();
        p.signal(sig);
        let status = p.wait_exit(T);
        assert!(status.success(), "{sig:?}: {status:?}");
        let tail = String::from_utf8_lossy(&p.bytes()[before..]).into_owned();
        assert!(tail.contains("\x1b[?1049l"), "{sig:?}: alternate screen left");
        assert!(tail.contains("\x1b[?25h"), "{sig:?}: cursor shown");
        let lf = p.termios().local_flags;
        assert!(lf.contains(LocalFlags::ICANON) && lf.contains(LocalFlags::ECHO), "{sig:?}: cooked mode restored");
    }
}

#[test]
fn suspend_and_continue() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 100, 30);
    let before = p.byte_count();
    p.send(b"\x1a"); // Ctrl-Z
    // Left the alternate screen to suspend, and cooked mode while stopped.
    p.wait_output(before, "\x1b[?1049l", T);
    let deadline = std::time::Instant::now() + T;
    while !p.termios().local_flags.contains(LocalFlags::ICANON) {
        assert!(std::time::Instant::now() < deadline, "cooked mode while stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = p.byte_count();
    p.signal(Signal::SIGCONT);
    // Back on the alternate screen, redrawn.
    p.wait_output(before, "\x1b[?1049h", T);
    p.wait_for("web-prod-1", T);
    quit(&mut p);
}

#[test]
fn idle_writes_nothing() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 100, 30);
    p.settle(Duration::from_millis(300), T);
    let before = p.byte_count();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(p.byte_count() - before, 0, "bytes written while idle");
    quit(&mut p);
}

#[test]
fn frames_are_synchronized_updates() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 100, 30);
    let before = p.byte_count();
    p.send(b"j");
    let tail = p.wait_output(before, "\x1b[?2026l", T);
    let (b, e) = (tail.find("\x1b[?2026h"), tail.rfind("\x1b[?2026l"));
    assert!(b.is_some() && e.is_some() && b < e, "frame wrapped in begin/end synchronized update: {tail:?}");
    quit(&mut p);
}

#[test]
fn live_play_injects_keys_then_hands_back_control() {
    let dir = tempfile::tempdir().unwrap();
    let pb = dir.path().join("p.play");
    std::fs::write(&pb, "WaitFor \"8 servers loaded\"\nKey j j\nKey <Enter>\nWaitFor \"Server db-uat-1\"\n").unwrap();
    let mut p = Pty::spawn(&["demo", "--play", pb.to_str().unwrap()], &[("TERM", "xterm-256color"), UTF8], 100, 30);
    p.wait_for("Server db-uat-1", T);
    p.wait_for("done; the keyboard is yours", T);
    // The operator's keys work afterwards.
    p.send(b"\x1b");
    p.wait_until("the detail to close", T, |s| !s.contents().contains("Server db-uat-1"));
    p.send(b"j");
    p.wait_for("▶ legacy-web", T);
    quit(&mut p);
}

#[test]
fn a_panic_in_a_job_is_its_failure_and_the_console_goes_on() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 100, 30);
    p.wait_for("8 servers loaded", T);
    let before = p.byte_count();
    p.send(b":debug-job-panic\r");
    p.wait_for("panicking on purpose failed: internal error: debug-job-panic requested", T);
    let tail = String::from_utf8_lossy(&p.bytes()[before..]).into_owned();
    assert!(!tail.contains("\x1b[?1049l"), "the alternate screen stays");
    assert!(!tail.contains("Location") && !tail.contains("panicked at"), "no report is printed over the screen");
    assert!(!p.termios().local_flags.contains(LocalFlags::ICANON), "still raw: the console runs");
    // It still answers keys.
    p.send(b"j");
    p.wait_for("▶ db-prod-1", T);
    p.send(b"q");
    assert!(p.wait_exit(T).success());
}

#[test]
fn a_panic_restores_the_terminal() {
    let mut p = demo(&[], &[("TERM", "xterm-256color"), UTF8], 100, 30);
    let before = p.byte_count();
    p.send(b":debug-panic\r");
    let status = p.wait_exit(T);
    assert!(!status.success());
    let tail = String::from_utf8_lossy(&p.bytes()[before..]).into_owned();
    let leave = tail.find("\x1b[?1049l").expect("alternate screen left");
    let report = tail.find("debug-panic requested").expect("panic report printed");
    assert!(leave < report, "terminal restored before the report is printed");
    assert!(p.termios().local_flags.contains(LocalFlags::ICANON));
}

#[test]
fn a_crashed_demo_offers_its_unfinished_rehearsal_and_leaves_no_temp_dir() {
    // A temporary directory of this test's own, so other tests' demos do not count.
    let tmp = tempfile::tempdir().unwrap();
    let tmpdir = tmp.path().to_string_lossy().into_owned();
    let env = [("TERM", "xterm-256color"), UTF8, ("TMPDIR", tmpdir.as_str())];
    let mut p = demo(&[], &env, 120, 40);
    p.send(b"6");
    p.wait_for("Refresh a preview database from another", T);
    p.send(b":runbook refresh-preview-db\r");
    p.wait_for("Start: Refresh a preview database from another", T);
    p.send(b"db-uat-1\t\t\tshop\tpostgres://shop@192.0.2.11:5432/shop\tshop_pr\t\tpostgres://postgres@192.0.2.11:5432/shop_pr\r");
    p.wait_for("Preview: Refresh a preview database from another", T);
    p.send(b"y");
    p.wait_for("refresh-preview-db started", T);
    // A dropped link: the process dies without a word.
    p.signal(nix::sys::signal::Signal::SIGKILL);
    let _ = p.wait_exit(T);
    // The next demo (same user, same state directory) offers the rehearsal
    // again; the notice waits for the operator, holding the status line.
    let mut q = Pty::spawn(&["demo"], &env, 120, 40);
    q.wait_for("unfinished run: Refresh a preview database from another", T);
    quit(&mut q);
    // A demo that exits cleanly removes its temporary directory; the killed one could not.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

/// A list scrolled a row at a time is moved by the terminal (scroll regions),
/// and what the terminal then shows is what a full repaint shows.
#[test]
fn rows_moved_by_scroll_regions_show_what_a_repaint_shows() {
    let mut p = Pty::spawn(&["demo", "--servers", "200"], &[("TERM", "xterm-256color"), UTF8], 80, 24);
    p.wait_for("200 servers loaded", T);
    p.settle(Duration::from_millis(300), T);
    let from = p.byte_count();
    // Past the page's end, then back past its start: scrolls both ways.
    for key in std::iter::repeat_n(b"j", 24).chain(std::iter::repeat_n(b"k", 22)) {
        p.send(key);
        p.settle(Duration::from_millis(50), T);
    }
    let out = p.bytes()[from..].to_vec();
    let regions = String::from_utf8_lossy(&out).matches("\x1b[r").count();
    assert!(regions >= 8, "scroll regions were used ({regions} resets)");
    let scrolled = p.screen();
    // A round trip through another width repaints every cell.
    p.resize(81, 24);
    p.wait_until("the redraw at 81", T, |s| s.cell(2, 80).map(|c| c.contents()) == Some("╮"));
    p.resize(80, 24);
    p.wait_until("the redraw at 80", T, |s| s.cell(2, 79).map(|c| c.contents()) == Some("╮"));
    p.settle(Duration::from_millis(200), T);
    assert_eq!(p.screen(), scrolled, "the scrolled screen differs from a repaint of it");
    quit(&mut p);
}
