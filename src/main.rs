// glibc's malloc spent a third of a batch run in malloc, free and consolidation (ascent's hash tables are built and
// dropped per shard); mimalloc's thread-local free lists do not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // A panic is our bug: report it as an internal error (exit 1), never as a crash code scripts do not expect.
    let code = std::panic::catch_unwind(zhunru::cli::main).unwrap_or_else(|_| {
        eprintln!("internal error: zhunru panicked (see the message above); please report it with the command and the facts");
        1
    });
    std::process::exit(code);
}
