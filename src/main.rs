// glibc's malloc spent a third of a batch run in malloc, free and consolidation (ascent's hash tables are built and
// dropped per shard); mimalloc's thread-local free lists do not. Big blocks bypass it (src/alloc.rs).
#[global_allocator]
static GLOBAL: zhunru::alloc::Allocator = zhunru::alloc::Allocator;

extern "C" {
    // mimalloc's own API (libmimalloc-sys links it; the crate exports the function only behind a feature)
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
#[cfg(target_os = "linux")]
extern "C" {
    fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
}
/// `PR_SET_THP_DISABLE` and `PR_THP_DISABLE_EXCEPT_ADVISED` (Linux 6.18) in linux/prctl.h.
#[cfg(target_os = "linux")]
const PR_SET_THP_DISABLE: std::ffi::c_int = 41;
#[cfg(target_os = "linux")]
const PR_THP_DISABLE_EXCEPT_ADVISED: std::ffi::c_ulong = 1 << 1;
/// `mi_option_purge_delay` in mimalloc.h (v2 and v3): milliseconds before freed memory goes back to the system.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() {
    // Shards allocate and free their tables over and over: returned to the system 10 ms after each free (mimalloc's
    // default), the same memory came back as fresh pages the kernel zeroes — 86 000 page faults and ~9% of a 100k-shop
    // run. Kept instead, the run faults ~800 times; the peak grows by ~0.1 GB.
    // SAFETY: sets an option before any thread starts; mimalloc reads options when it needs them.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // Transparent huge pages only where advised: src/alloc.rs's big blocks and mimalloc's arenas (mimalloc advises
    // them; with its advice off, 1M shops ran slower, 59.1 → 62.0 s, 100k faster, ~6.1 → ~5.8 s). Where the system
    // gives every mapping huge pages, the rest (the stacks, the mapped fact files' neighbours) keep small ones. On a
    // kernel before 6.18 the flag is refused and huge pages are turned off for the process, as measured once on
    // 100k shops (4 alternated runs each: median wall 15.8 → 13.5 s, when mimalloc's arenas had them).
    // SAFETY: a process-wide flag with plain integer arguments; failure (an old kernel) changes nothing.
    #[cfg(target_os = "linux")]
    unsafe {
        let off: std::ffi::c_ulong = 1;
        let zero: std::ffi::c_ulong = 0;
        if prctl(PR_SET_THP_DISABLE, off, PR_THP_DISABLE_EXCEPT_ADVISED, zero, zero) != 0 {
            prctl(PR_SET_THP_DISABLE, off, zero, zero, zero);
        }
    }
    // A panic is our bug: report it as an internal error (exit 1), never as a crash code scripts do not expect.
    let code = std::panic::catch_unwind(zhunru::cli::main).unwrap_or_else(|_| {
        eprintln!("internal error: zhunru panicked (see the message above); please report it with the command and the facts");
        1
    });
    std::process::exit(code);
}
