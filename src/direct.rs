//! An output file written around the page cache. A batch run writes gigabytes once and never reads them back; on
//! Linux, buffered writes spend their time in the kernel finding and filling fresh page-cache pages (measured on the
//! benchmark VM: `dd` of 3 GB at 300–470 MB/s buffered, 1.1–1.3 GB/s with O_DIRECT), and they push the input facts
//! out of the cache besides. With O_DIRECT the data goes from an aligned buffer straight to the device.
//!
//! O_DIRECT wants the buffer, the length and the file offset aligned, so whole aligned blocks are written and the last
//! one is padded with zeros and cut back (`set_len`) to the true length. A file system that refuses O_DIRECT (tmpfs,
//! some network file systems) gets the same bytes through ordinary writes; so do other systems.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Alignment of buffer addresses, lengths and offsets: covers 512-byte and 4 KiB logical blocks.
const ALIGN: usize = 4096;
/// Bytes handed to the device per write.
const CAPACITY: usize = 4 << 20;

/// A file being written in `CAPACITY`-byte aligned blocks. Call [`DirectFile::finish`]: dropped without it, the file
/// may end in padding.
pub struct DirectFile {
    file: File,
    buf: AlignedBuf,
    filled: usize,
    /// Bytes accepted so far: the file's true length once finished.
    len: u64,
    direct: bool,
}

impl DirectFile {
    /// Creates (or truncates) `path` for writing, with O_DIRECT where the system and file system allow it.
    pub fn create(path: &Path) -> io::Result<DirectFile> {
        let (file, direct) = open(path)?;
        Ok(DirectFile::new(file, direct))
    }

    /// A file in `dir` with no name, to be written and then read back (`rewind`): nothing of it is left behind however
    /// the process ends (Linux's O_TMPFILE). None where the system or the file system has no unnamed files.
    #[cfg(target_os = "linux")]
    pub fn unnamed(dir: &Path) -> io::Result<Option<DirectFile>> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true);
        for direct in [true, false] {
            let flags = libc::O_TMPFILE | if direct { libc::O_DIRECT } else { 0 };
            match opts.clone().custom_flags(flags).open(dir) {
                Ok(file) => return Ok(Some(DirectFile::new(file, direct))),
                Err(e) if direct && is_unaligned(&e) => {}
                // EISDIR: a kernel older than O_TMPFILE; EINVAL: a file system that refuses it as it may refuse
                // O_DIRECT. The caller then makes a named file, and reports what is wrong with the place if anything.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    #[cfg(not(target_os = "linux"))]
    pub fn unnamed(_dir: &Path) -> io::Result<Option<DirectFile>> {
        Ok(None)
    }

    fn new(file: File, direct: bool) -> DirectFile {
        DirectFile {
            file,
            buf: AlignedBuf::new(CAPACITY),
            filled: 0,
            len: 0,
            direct,
        }
    }

    /// Finishes the file and returns it for reading from the start, through the page cache (a file opened for
    /// reading too: `unnamed`).
    pub fn rewind(self) -> io::Result<File> {
        use std::io::Seek;
        let mut file = self.finish()?;
        direct_off(&file)?;
        file.seek(io::SeekFrom::Start(0))?;
        Ok(file)
    }

    /// Whether writes bypass the page cache (false after a fallback).
    pub fn is_direct(&self) -> bool {
        self.direct
    }

    /// Writes what is buffered, the last block padded and then cut back to the true length; returns the file.
    pub fn finish(mut self) -> io::Result<File> {
        let tail = self.filled;
        if self.direct && !tail.is_multiple_of(ALIGN) {
            let padded = tail.next_multiple_of(ALIGN);
            self.buf.as_mut()[tail..padded].fill(0);
            self.filled = padded;
        }
        self.flush_blocks()?;
        if self.direct {
            self.file.set_len(self.len)?;
        }
        Ok(self.file)
    }

    /// Writes the buffer's `filled` bytes out and empties it.
    fn flush_blocks(&mut self) -> io::Result<()> {
        let mut at = 0;
        while at < self.filled {
            let chunk = &self.buf.as_mut()[at..self.filled];
            match (&self.file).write(chunk) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => at += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // refused at write time (or a short write left the rest unaligned): go on through the page cache
                Err(e) if self.direct && is_unaligned(&e) => {
                    direct_off(&self.file)?;
                    self.direct = false;
                }
                Err(e) => return Err(e),
            }
        }
        self.filled = 0;
        Ok(())
    }
}

impl Write for DirectFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CAPACITY - self.filled);
        self.buf.as_mut()[self.filled..self.filled + n].copy_from_slice(&data[..n]);
        self.filled += n;
        self.len += n as u64;
        if self.filled == CAPACITY {
            self.flush_blocks()?;
        }
        Ok(n)
    }

    /// Whole blocks only: a partial block stays buffered until more comes or `finish`.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A zeroed heap buffer whose address is `ALIGN`-aligned.
struct AlignedBuf {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the buffer is owned memory like a Vec<u8>
unsafe impl Send for AlignedBuf {}

impl AlignedBuf {
    fn layout(len: usize) -> std::alloc::Layout {
        std::alloc::Layout::from_size_align(len, ALIGN).expect("a valid buffer layout")
    }

    fn new(len: usize) -> AlignedBuf {
        // SAFETY: the layout has a non-zero size
        let ptr = unsafe { std::alloc::alloc_zeroed(Self::layout(len)) };
        let ptr = std::ptr::NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(Self::layout(len)));
        AlignedBuf { ptr, len }
    }

    fn as_mut(&mut self) -> &mut [u8] {
        // SAFETY: `len` initialized bytes owned by this buffer
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), Self::layout(self.len)) }
    }
}

#[cfg(target_os = "linux")]
fn open(path: &Path) -> io::Result<(File, bool)> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    // readable too, for `rewind`
    opts.read(true).write(true).create(true).truncate(true);
    match opts.clone().custom_flags(libc::O_DIRECT).open(path) {
        Ok(f) => Ok((f, true)),
        Err(e) if is_unaligned(&e) => Ok((opts.open(path)?, false)),
        Err(e) => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn open(path: &Path) -> io::Result<(File, bool)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    Ok((file, false))
}

/// Gives an unnamed file (`DirectFile::unnamed`) the name `path`, which must not exist.
#[cfg(target_os = "linux")]
pub fn link(file: &File, path: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let to = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd())).expect("no NUL");
    // SAFETY: two NUL-terminated paths that outlive the call
    if unsafe { libc::linkat(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::AT_SYMLINK_FOLLOW) } == 0 {
        return Ok(());
    }
    let by_proc = io::Error::last_os_error();
    // without /proc: the descriptor itself, which needs CAP_DAC_READ_SEARCH
    // SAFETY: an open descriptor, an empty path and a NUL-terminated path
    if unsafe { libc::linkat(file.as_raw_fd(), c"".as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::AT_EMPTY_PATH) } == 0 {
        return Ok(());
    }
    Err(by_proc)
}

#[cfg(not(target_os = "linux"))]
pub fn link(_file: &File, _path: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// EINVAL: what O_DIRECT answers when the file system or the alignment does not suit it.
fn is_unaligned(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    return e.raw_os_error() == Some(libc::EINVAL);
    #[cfg(not(target_os = "linux"))]
    return false;
}

/// Clears O_DIRECT on an open file: later writes go through the page cache.
#[cfg(target_os = "linux")]
fn direct_off(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this File owns, with integer arguments
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn direct_off(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(dir: &Path, sizes: &[usize]) {
        let path = dir.join("out");
        let mut expected = Vec::new();
        let mut f = DirectFile::create(&path).unwrap();
        for (i, &n) in sizes.iter().enumerate() {
            let piece: Vec<u8> = (0..n).map(|j| (i * 31 + j) as u8).collect();
            f.write_all(&piece).unwrap();
            expected.extend_from_slice(&piece);
        }
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), expected, "sizes {sizes:?}");
    }

    #[test]
    fn files_hold_exactly_what_was_written_whatever_the_sizes() {
        let dir = std::env::temp_dir().join(format!("zhunru-direct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for sizes in [
            &[][..],
            &[1],
            &[ALIGN],
            &[ALIGN + 1],
            &[CAPACITY],
            &[CAPACITY - 1, 2],
            &[CAPACITY + 5, 3 * ALIGN, 17],
            &[3 * CAPACITY + 4095],
        ] {
            roundtrip(&dir, sizes);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A scratch file reads back what was written, and has no name in its directory meanwhile.
    #[test]
    fn unnamed_files_read_back_and_leave_nothing() {
        let dir = std::env::temp_dir().join(format!("zhunru-unnamed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let Some(mut f) = DirectFile::unnamed(&dir).unwrap() else {
            // no unnamed files here (another system, or a file system without them): nothing to check
            std::fs::remove_dir(&dir).unwrap();
            return;
        };
        let data: Vec<u8> = (0..CAPACITY + 3 * ALIGN + 7).map(|i| (i * 7) as u8).collect();
        f.write_all(&data).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut f.rewind().unwrap(), &mut back).unwrap();
        assert!(back == data);
        std::fs::remove_dir(&dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_refused_direct_write_goes_on_through_the_page_cache() {
        let dir = std::env::temp_dir().join(format!("zhunru-direct-off-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out");
        let mut f = DirectFile::create(&path).unwrap();
        if f.is_direct() {
            // misalign the next write as a short write would
            f.write_all(b"x").unwrap();
            let unaligned = f.flush_blocks();
            assert!(unaligned.is_ok(), "{unaligned:?}");
            assert!(!f.is_direct());
        }
        f.write_all(b"yz").unwrap();
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"xyz");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
