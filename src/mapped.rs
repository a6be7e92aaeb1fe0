//! A fact file mapped into memory, read-only, for the loader's workers to parse in place.
//!
//! Reading a file copies it from the page cache into a buffer: at a million shops (7.3 GB of JSON lines) that copy
//! was a whole thread's work, ~12 s of CPU on a 2-core machine whose cores the parse needs. Mapped, the workers read
//! the page cache's own pages. Each chunk's pages are let go once it is parsed (`release`), so the mapped text held
//! at any time is a few chunks, as with reading.
//!
//! A file changed by another program while it is mapped can make the process fail (SIGBUS on a truncated file);
//! facts are not expected to change under a run. Where mapping is refused (`open` gives `None`) the loader reads.

/// A whole file, mapped read-only.
pub struct Map {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is read-only and never remapped while a `Map` lives; `&[u8]` views of it are as shareable as
// any other immutable bytes.
unsafe impl Send for Map {}
unsafe impl Sync for Map {}

impl Map {
    /// Maps `file` (of `len` bytes); `None` where the system refuses (the caller then reads the file).
    #[cfg(unix)]
    pub fn open(file: &std::fs::File, len: u64) -> Option<Map> {
        use std::os::unix::io::AsRawFd;
        let len = usize::try_from(len).ok().filter(|&n| n > 0)?;
        // SAFETY: a fresh shared read-only mapping of an open file; checked for failure below.
        let ptr = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: advice on the mapping just made; failure only loses the hint.
        unsafe { libc::madvise(ptr, len, libc::MADV_SEQUENTIAL) };
        Some(Map { ptr: ptr.cast(), len })
    }

    #[cfg(not(unix))]
    pub fn open(_file: &std::fs::File, _len: u64) -> Option<Map> {
        None
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Lets go of the whole pages inside `range` (parsed text no longer needed); reading them again would fetch them
    /// again from the page cache, so this changes memory use, never contents.
    pub fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(unix)]
        {
            let page = 4096;
            let (start, end) = (range.start.div_ceil(page) * page, (range.end.min(self.len) / page) * page);
            if start < end {
                // SAFETY: a page-aligned range inside the mapping of a read-only file: dropped pages come back from
                // the file on the next read.
                unsafe { libc::madvise(self.ptr.add(start).cast(), end - start, libc::MADV_DONTNEED) };
            }
        }
        #[cfg(not(unix))]
        let _ = range;
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: unmaps exactly the mapping `open` made; no view of it outlives `self`.
        unsafe {
            libc::munmap(self.ptr.cast(), self.len);
        }
    }
}

/// Where the chunk starting at `start` (before the end) ends: just after the first line end at or after `start + size` (or at the
/// end), so that a chunk is whole lines, at least `size` bytes unless it is the last.
pub fn chunk_end(bytes: &[u8], start: usize, size: usize) -> usize {
    let from = (start + size.max(1)).min(bytes.len());
    match bytes[from - 1..].iter().position(|&b| b == b'\n') {
        Some(i) => from + i,
        None => bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_whole_lines() {
        let text = b"aa\nbbbb\ncc\n\nd";
        let mut cuts = Vec::new();
        let mut at = 0;
        while at < text.len() {
            let end = chunk_end(text, at, 3);
            cuts.push(std::str::from_utf8(&text[at..end]).unwrap());
            at = end;
        }
        assert_eq!(cuts, ["aa\n", "bbbb\n", "cc\n", "\nd"]);
        assert_eq!(chunk_end(text, 0, 100), text.len());
        assert_eq!(chunk_end(b"abc", 0, 1), 3, "a last line without a line end");
    }

    #[test]
    fn a_mapped_file_reads_as_its_bytes() {
        let dir = std::env::temp_dir().join(format!("zhunru-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.jsonl");
        let text: Vec<u8> = (0..20_000u32).flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes()).collect();
        std::fs::write(&path, &text).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        if let Some(map) = Map::open(&file, text.len() as u64) {
            assert_eq!(map.bytes(), &text[..]);
            map.release(10..100_000);
            assert_eq!(map.bytes(), &text[..], "released pages read back the same");
        }
        assert!(Map::open(&file, 0).is_none(), "an empty file is not mapped");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
