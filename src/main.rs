fn main() {
    std::process::exit(zhunru::cli::main());
}
