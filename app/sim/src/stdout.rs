//! The real standard output of a binary that runs the programs. Natively compiled programs
//! print their logs (`msg!`) to the process's stdout; [`take`] points fd 1 at /dev/null (unless
//! the environment variable it is given is set) and keeps a duplicate of the real one, which
//! [`line`] prints to.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

static OUT: OnceLock<Mutex<std::fs::File>> = OnceLock::new();

/// Takes the real stdout; program logs go to /dev/null unless `keep_logs_var` is set.
pub fn take(keep_logs_var: &str) {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: plain fd duplication; the duplicate is owned by the File from here on.
    let real = unsafe { libc::dup(1) };
    assert!(real >= 0, "dup(stdout)");
    if std::env::var_os(keep_logs_var).is_none() {
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("/dev/null");
        // SAFETY: both descriptors are open; fd 1 now points at /dev/null.
        unsafe { libc::dup2(null.as_raw_fd(), 1) };
    }
    let _ = OUT.set(Mutex::new(unsafe { std::fs::File::from_raw_fd(real) }));
}

/// Prints `text` and a newline to the real stdout (flushed: another process may be reading
/// it line by line).
pub fn line(text: &str) {
    let mut f = OUT.get().expect("stdout::take first").lock().unwrap();
    let _ = writeln!(f, "{text}");
    let _ = f.flush();
}
