//! Entry point: parse the command line and hand over to `tcs_portal::cli`.
use std::os::unix::process::CommandExt;
use std::process::Command;

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

/// mimalloc's delay before it hands freed memory back to the system. It is no timer: the
/// thread that freed the memory purges it the next time it allocates after the delay, so a
/// thread that went idle keeps it. Every argon2 hash (a login, a password set) ends on a
/// blocking thread that then waits, and kept its working memory resident until that
/// thread ran something again: measured with 12 MiB hashes, one wrong password left the
/// server 14 MiB bigger for good, and the bench's server held 14 MiB more after seeding
/// its staff account than with this. With no delay the
/// free itself returns it. mimalloc reads its options only from the environment, once,
/// as the process starts, so the portal runs itself again with the option set, unless the
/// operator set it.
const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

fn main() -> std::process::ExitCode {
    return_freed_memory_at_once();
    let cli = tcs_portal::cli::Cli::parse();
    tcs_portal::cli::run(cli)
}

/// Replaces this process by the same program with the same arguments and
/// `MIMALLOC_PURGE_DELAY=0`, unless that variable is set already. Only a failed `exec`
/// returns, and then the portal goes on with mimalloc's default.
fn return_freed_memory_at_once() {
    if std::env::var_os(PURGE_DELAY).is_some() {
        return;
    }
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut command = Command::new(program);
    if let Some(name) = args.next() {
        command.arg0(name);
    }
    let error = command.args(args).env(PURGE_DELAY, "0").exec();
    eprintln!(
        "note: could not run again with {PURGE_DELAY}=0 ({error}); freed memory goes back to the system later"
    );
}
