//! The binary's allocator: mimalloc, except that big blocks (a relation's rows, the id arena and table, the id
//! order) are mapped on their own in transparent huge pages.
//!
//! A batch run touches gigabytes of fresh memory once. On the benchmark VM the first touch of a 4 KiB page costs a
//! fault and a zeroing that together run at ~0.5–1 GB/s (touching 4 GB: 4.3–9.7 s), most of it on the loader's one
//! merging thread; in 2 MiB pages the same 4 GB took 0.55–1.6 s. Small blocks stay with mimalloc, which recycles
//! them (shards allocate and free their tables over and over) and advises huge pages on its own arenas (see
//! `main.rs`). Big blocks are unmapped when freed, so the peak stays what the data needs; keeping freed ones for
//! the next big request was tried (1M, alternated: no faster, ~50 MB more peak). Fresh memory still costs: at 1M,
//! zeroing huge pages on first touch is ~11 % of the run's CPU (perf), the price of touching ~8 GB once.

use std::alloc::{GlobalAlloc, Layout};

/// Blocks of at least this many bytes are mapped on their own. Below it, blocks are a shard's tables and buffers
/// that mimalloc recycles without a fault; above it, mostly blocks that live for a whole phase.
pub const BIG: usize = 32 << 20;
/// The huge page size of x86-64 and arm64 (4 KiB base pages); mappings are rounded up to it.
const HUGE: usize = 2 << 20;

pub struct Allocator;

/// Big blocks are page-aligned, not more: `mremap` may move one to any page.
fn is_big(layout: &Layout) -> bool {
    cfg!(target_os = "linux") && layout.size() >= BIG && layout.align() <= 4096
}

fn rounded(size: usize) -> usize {
    size.next_multiple_of(HUGE)
}

#[cfg(target_os = "linux")]
mod os {
    use super::{rounded, HUGE};

    /// A fresh zeroed mapping of `size` bytes (rounded up to huge pages) that starts on a huge-page boundary, so that
    /// the kernel can back all of it with huge pages; null on failure.
    pub unsafe fn map(size: usize) -> *mut u8 {
        let len = rounded(size);
        // over-allocated by one huge page, then trimmed to an aligned start
        let raw = libc::mmap(
            std::ptr::null_mut(),
            len + HUGE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if raw == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let raw = raw as usize;
        let start = raw.next_multiple_of(HUGE);
        if start > raw {
            libc::munmap(raw as *mut libc::c_void, start - raw);
        }
        let tail = raw + len + HUGE - (start + len);
        if tail > 0 {
            libc::munmap((start + len) as *mut libc::c_void, tail);
        }
        // failure (THP compiled out) only loses the advice
        libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        start as *mut u8
    }

    pub unsafe fn unmap(ptr: *mut u8, size: usize) {
        libc::munmap(ptr.cast(), rounded(size));
    }

    /// Grows or shrinks a mapping, moving it if need be (the kernel moves page tables, not bytes); null on failure.
    pub unsafe fn remap(ptr: *mut u8, old: usize, new: usize) -> *mut u8 {
        let (old, new) = (rounded(old), rounded(new));
        if old == new {
            return ptr;
        }
        let p = libc::mremap(ptr.cast(), old, new, libc::MREMAP_MAYMOVE);
        if p == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        p.cast()
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    pub unsafe fn map(_: usize) -> *mut u8 {
        unreachable!("big blocks are mapped on Linux only")
    }
    pub unsafe fn unmap(_: *mut u8, _: usize) {}
    pub unsafe fn remap(_: *mut u8, _: usize, _: usize) -> *mut u8 {
        unreachable!("big blocks are mapped on Linux only")
    }
}

// SAFETY: each block is freed by the side that allocated it: `is_big` of the layout (the same layout, or the old
// one on realloc, as `GlobalAlloc` guarantees) says which; mappings are page-aligned, which covers the alignments
// `is_big` admits, and fresh anonymous mappings are zeroed.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_big(&layout) {
            os::map(layout.size())
        } else {
            mimalloc::MiMalloc.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_big(&layout) {
            os::map(layout.size())
        } else {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_big(&layout) {
            os::unmap(ptr, layout.size())
        } else {
            mimalloc::MiMalloc.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        match (is_big(&layout), is_big(&new)) {
            (false, false) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
            (true, true) => os::remap(ptr, layout.size(), new_size),
            _ => {
                let p = self.alloc(new);
                if !p.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                p
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn big_blocks_keep_their_bytes_through_growth_and_shrinking() {
        let a = Allocator;
        unsafe {
            let small = Layout::from_size_align(BIG - 1, 8).unwrap();
            let p = a.alloc(small);
            p.write_bytes(7, small.size());
            // small → big: moved out of mimalloc, bytes kept
            let p = a.realloc(p, small, 2 * BIG + 5);
            assert_eq!((*p, *p.add(BIG - 2)), (7, 7));
            p.add(BIG - 1).write_bytes(9, BIG + 6);
            // big → bigger: remapped, bytes kept
            let big = Layout::from_size_align(2 * BIG + 5, 8).unwrap();
            let q = a.realloc(p, big, 3 * BIG);
            assert_eq!((*q, *q.add(BIG - 1), *q.add(2 * BIG + 4)), (7, 9, 9));
            a.dealloc(q, Layout::from_size_align(3 * BIG, 8).unwrap());
            // a fresh big block is zeroed and page-aligned
            let z = Layout::from_size_align(BIG + 1, 4096).unwrap();
            let r = a.alloc_zeroed(z);
            assert!(!r.is_null() && (r as usize).is_multiple_of(4096));
            assert!(std::slice::from_raw_parts(r, z.size()).iter().all(|&b| b == 0));
            r.write_bytes(1, z.size());
            // big → small: back to mimalloc, bytes kept
            let s = a.realloc(r, z, 100);
            assert_eq!(std::slice::from_raw_parts(s, 100), &[1u8; 100][..]);
            a.dealloc(s, Layout::from_size_align(100, 4096).unwrap());
        }
    }
}
