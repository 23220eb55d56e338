//! The log ring buffer: sanitised lines packed into large text chunks with a
//! 12-byte record per line, oldest lines dropped past the cap. 1,000,000 lines
//! of 100 bytes take about 1.1x their raw size (see BENCHMARKS.md).

use super::level::{self, Level};
use super::sanitize::sanitize_into;
use std::collections::VecDeque;

const CHUNK_BYTES: usize = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Kind {
    #[default]
    Stdout = 0,
    Stderr = 1,
    /// A line cutover wrote: a gap, a reconnect, dropped lines.
    Marker = 2,
}

#[derive(Clone, Copy, Debug)]
struct Meta {
    start: u32,
    len: u32,
    level: u8,
    ts_len: u8,
    kind: Kind,
}

struct Chunk {
    text: String,
    lines: Vec<Meta>,
    /// Global index of `lines[0]`.
    first: u64,
    /// Lines at the front already dropped.
    dropped: usize,
}

impl Chunk {
    fn new(first: u64, at_least: usize) -> Chunk {
        Chunk { text: String::with_capacity(CHUNK_BYTES.max(at_least)), lines: Vec::with_capacity(1024), first, dropped: 0 }
    }

    fn seal(&mut self) {
        self.lines.shrink_to_fit();
    }
}

#[derive(Clone, Copy, Debug)]
pub struct LineRef<'a> {
    pub index: u64,
    pub text: &'a str,
    pub level: Level,
    /// Length of a leading timestamp (hidden when timestamps are off).
    pub ts_len: usize,
    pub kind: Kind,
}

impl<'a> LineRef<'a> {
    /// The text without its leading timestamp.
    pub fn body(&self) -> &'a str {
        &self.text[self.ts_len.min(self.text.len())..]
    }
}

/// The bytes of text a buffer keeps unless told otherwise (`log_bytes`).
pub const DEFAULT_BYTES: usize = 64 << 20;

pub struct LogBuffer {
    chunks: VecDeque<Chunk>,
    cap: usize,
    /// The most bytes of text kept: a stream of huge lines cannot hold
    /// `cap` of them.
    byte_cap: usize,
    /// Bytes of the lines kept: text plus one record each.
    bytes: usize,
    /// Global index of the oldest line kept.
    start: u64,
    /// Global index the next line gets.
    end: u64,
    /// Lines dropped because the buffer was full.
    pub evicted: u64,
    scratch: String,
}

impl LogBuffer {
    pub fn new(cap: usize) -> LogBuffer {
        LogBuffer::with_bytes(cap, DEFAULT_BYTES)
    }

    /// A buffer of at most `cap` lines and `byte_cap` bytes of text.
    pub fn with_bytes(cap: usize, byte_cap: usize) -> LogBuffer {
        LogBuffer {
            chunks: VecDeque::new(),
            cap: cap.max(1),
            byte_cap: byte_cap.max(1),
            bytes: 0,
            start: 0,
            end: 0,
            evicted: 0,
            scratch: String::new(),
        }
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// Global indices `[start, end)` of the lines kept.
    pub fn range(&self) -> (u64, u64) {
        (self.start, self.end)
    }

    /// Appends an already-sanitised line.
    pub fn push_clean(&mut self, text: &str, level: Level, ts_len: usize, kind: Kind) {
        let need = text.len();
        let fits = self.chunks.back().is_some_and(|c| c.text.capacity() - c.text.len() >= need && c.text.len() + need <= u32::MAX as usize);
        if !fits {
            if let Some(c) = self.chunks.back_mut() {
                c.seal();
            }
            self.chunks.push_back(Chunk::new(self.end, need));
        }
        let Some(c) = self.chunks.back_mut() else { return };
        let start = c.text.len() as u32;
        c.text.push_str(text);
        c.lines.push(Meta { start, len: need as u32, level: level as u8, ts_len: ts_len.min(255) as u8, kind });
        self.end += 1;
        // A line costs its text and its record: the cap bounds both.
        self.bytes += need + std::mem::size_of::<Meta>();
        while self.len() > self.cap || (self.bytes > self.byte_cap && self.len() > 1) {
            self.drop_oldest();
        }
    }

    /// Sanitises, classifies and appends one raw line.
    pub fn push_raw(&mut self, raw: &[u8], kind: Kind) {
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        sanitize_into(raw, &mut s);
        let ts = level::timestamp_len(&s);
        let lv = level::detect(&s[ts..]);
        self.push_clean(&s, lv, ts, kind);
        self.scratch = s;
    }

    pub fn push_marker(&mut self, text: &str) {
        self.push_clean(text, Level::None, 0, Kind::Marker);
    }

    fn drop_oldest(&mut self) {
        let Some(front) = self.chunks.front_mut() else { return };
        self.bytes =
            self.bytes.saturating_sub(front.lines.get(front.dropped).map(|m| m.len as usize + std::mem::size_of::<Meta>()).unwrap_or(0));
        front.dropped += 1;
        self.start += 1;
        self.evicted += 1;
        if front.dropped >= front.lines.len() {
            self.chunks.pop_front();
        }
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.start = self.end;
        self.bytes = 0;
    }

    fn locate(&self, idx: u64) -> Option<(&Chunk, usize)> {
        if idx < self.start || idx >= self.end {
            return None;
        }
        let ci = self.chunks.partition_point(|c| c.first + c.lines.len() as u64 <= idx);
        let c = self.chunks.get(ci)?;
        Some((c, (idx - c.first) as usize))
    }

    fn line_of<'a>(c: &'a Chunk, i: usize) -> LineRef<'a> {
        let m = c.lines[i];
        LineRef {
            index: c.first + i as u64,
            text: &c.text[m.start as usize..(m.start + m.len) as usize],
            level: Level::from_u8(m.level),
            ts_len: m.ts_len as usize,
            kind: m.kind,
        }
    }

    pub fn get(&self, idx: u64) -> Option<LineRef<'_>> {
        self.locate(idx).map(|(c, i)| Self::line_of(c, i))
    }

    /// Lines from global index `from` onwards, in order.
    pub fn iter_from(&self, from: u64) -> impl Iterator<Item = LineRef<'_>> {
        let from = from.max(self.start);
        let ci = self.chunks.partition_point(|c| c.first + c.lines.len() as u64 <= from);
        self.chunks.iter().skip(ci).flat_map(move |c| {
            let skip = (from.saturating_sub(c.first) as usize).max(c.dropped);
            (skip..c.lines.len()).map(move |i| Self::line_of(c, i))
        })
    }

    /// Bytes held (text capacity plus line records): for the memory budget.
    pub fn heap_bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.text.capacity() + c.lines.capacity() * std::mem::size_of::<Meta>()).sum::<usize>()
            + self.chunks.capacity() * std::mem::size_of::<Chunk>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_drops_the_oldest_past_the_cap() {
        let mut b = LogBuffer::new(3);
        for i in 0..5 {
            b.push_raw(format!("line {i}").as_bytes(), Kind::Stdout);
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.evicted, 2);
        assert_eq!(b.range(), (2, 5));
        assert_eq!(b.get(2).unwrap().text, "line 2");
        assert!(b.get(1).is_none());
        let all: Vec<_> = b.iter_from(0).map(|l| l.text.to_string()).collect();
        assert_eq!(all, ["line 2", "line 3", "line 4"]);
        let tail: Vec<_> = b.iter_from(4).map(|l| l.text.to_string()).collect();
        assert_eq!(tail, ["line 4"]);
    }

    #[test]
    fn bytes_are_capped_as_well_as_lines() {
        let mut b = LogBuffer::with_bytes(1_000_000, 10 << 20);
        let mb = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            b.push_raw(&mb, Kind::Stdout);
        }
        assert_eq!(b.len(), 9, "ten lines of 1 MB and their records do not fit in 10 MB: nine do");
        assert!(b.heap_bytes() < 12 << 20, "{} bytes held", b.heap_bytes());
        // Short lines: the records count too, so memory stays near the cap.
        let mut short = LogBuffer::with_bytes(10_000_000, 1 << 20);
        for i in 0..1_000_000 {
            short.push_raw(format!("{i}").as_bytes(), Kind::Stdout);
        }
        assert!(short.heap_bytes() < 2 << 20, "{} bytes held for a 1 MiB cap", short.heap_bytes());
        // One line larger than the cap is still kept (alone).
        b.push_raw(&vec![b'y'; 11 << 20], Kind::Stdout);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn spans_chunks_and_classifies() {
        let mut b = LogBuffer::new(1_000_000);
        let long = "x".repeat(1000);
        for i in 0..2000 {
            b.push_raw(format!("2026-11-21T10:00:00.000000001Z [ERROR] {i} {long}").as_bytes(), Kind::Stderr);
        }
        assert!(b.chunks.len() > 1);
        let l = b.get(1500).unwrap();
        assert_eq!(l.level, Level::Error);
        assert_eq!(l.kind, Kind::Stderr);
        assert!(l.body().starts_with("[ERROR] 1500 "));
        assert_eq!(b.iter_from(1990).count(), 10);
        b.clear();
        assert!(b.is_empty());
        b.push_marker("-- gap --");
        assert_eq!(b.get(2000).unwrap().kind, Kind::Marker);
    }

    #[test]
    fn stores_hostile_lines_neutralised() {
        let mut b = LogBuffer::new(10);
        b.push_raw(b"\x1b[2J\x1b]52;c;cHduZWQ=\x07 gotcha", Kind::Stdout);
        let t = b.get(0).unwrap().text;
        assert!(!t.contains('\x1b') && !t.contains('\x07'), "{t:?}");
    }
}
