//! Entry point: parse the command line and hand over to `tcs_portal::cli`.
use clap::Parser;

/// mimalloc rather than glibc's malloc (issue 16 §2, memory). glibc gives each thread that
/// allocates an arena of its own (up to eight per core) and, once a large block has been
/// freed, raises its mmap threshold so that later blocks of that size stay in the arenas:
/// every blocking thread that ever ran an argon2 hash kept its 19 MiB, and the server's
/// peak grew with the threads a login flood had passed through. mimalloc returns such
/// blocks to the system, so memory follows the hashes running now (the hasher's
/// semaphore bounds them), not the threads that ran one once.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = tcs_portal::cli::Cli::parse();
    tcs_portal::cli::run(cli)
}
