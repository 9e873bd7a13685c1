//! Entry point: parse the command line and hand over to `tcs_portal::cli`.
use clap::Parser;

/// mimalloc rather than glibc's malloc (issue 16 §2, memory). glibc gives each thread that
/// allocates an arena of its own (up to eight per core) and, once a large block has been
/// freed, raises its mmap threshold so that later blocks of that size stay in the arenas:
/// every blocking thread that ever ran an argon2 hash kept its 19 MiB, and the server's
/// peak grew with the threads a login flood had passed through. mimalloc returns such
/// blocks to the system, so memory follows the hashes running now (the hasher's
/// semaphore bounds them), not the threads that ran one once.
///
/// Built with `no_thp`: mimalloc neither asks for transparent huge pages for its arenas
/// (`MADV_HUGEPAGE`, which the kernel's usual `madvise` setting grants) nor lets the process
/// have them (`PR_SET_THP_DISABLE`). With them, every 2 MiB stretch of an arena that one
/// small object touched became a whole resident huge page: 25 MiB of the server's RSS after
/// a few hundred requests (measured, `AnonHugePages`), a third of it, for nothing a portal's
/// small, short-lived allocations gain from.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = tcs_portal::cli::Cli::parse();
    tcs_portal::cli::run(cli)
}
