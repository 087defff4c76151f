//! Writing a file so that a crash leaves either the old file or the new one, never a mix.

use std::collections::hash_map::RandomState;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::hash::BuildHasher;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Writes `path` through `write`, crash-safely: the bytes go to a temporary file in the same
/// directory, which is flushed to disk (`fsync`) and then renamed over `path`; the directory
/// is synced too, so the rename itself survives a power cut.
///
/// Every call writes a temporary file of its own, `.<name>.<pid>-<counter>-<random>.tmp`, so
/// writers in several threads or processes may save the same path at once: each rename is
/// atomic, and a reader of `path` always sees one complete file (the last one renamed).
///
/// A crash or an error at any point leaves `path` as it was (the old file, or none). On error,
/// or a panic in `write`, the temporary file is removed; only a crashed process leaves one
/// behind. After a successful write, strays of `path` are removed when provably stale: named
/// by this pattern for this very file, by another process, and either untouched for a day,
/// or (where `/proc` shows the processes of this machine) untouched for a minute by a process
/// that is no longer running. A live writer's file is never removed, unless it stalls for a
/// minute on another machine sharing the directory.
///
/// # Errors
/// Any I/O error, and any error `write` returns.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let name = file_name(path)?;
    let mut temporary = Temporary::create(path, name)?;
    // Closed before the rename, which some systems refuse for an open file.
    write_and_sync(temporary.file.take(), write)?;
    fs::rename(&temporary.path, path)?;
    temporary.renamed();
    sync_directory(path)?;
    remove_stale_temporaries(path, name);
    Ok(())
}

/// Checks, before any work that should end in a write, that `path` can be written as
/// [`write_atomically`] writes it: it names a file, not a directory, in an existing directory
/// where a file can be created (tried with a temporary file, removed at once).
///
/// # Errors
/// An I/O error whose message says what is wrong with the directory or the name.
pub(crate) fn check_writable(path: &Path) -> io::Result<()> {
    let name = file_name(path)?;
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a directory; expected a file name",
        ));
    }
    let directory = directory_of(path);
    match fs::metadata(directory) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("`{}` is not a directory", directory.display()),
            ))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the directory `{}` does not exist; create it first",
                    directory.display()
                ),
            ))
        }
        Err(error) => return Err(error),
    }
    let probe = Temporary::create(path, name).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!(
                "cannot create files in the directory `{}` ({error}); expected a writable one",
                directory.display()
            ),
        )
    })?;
    drop(probe);
    Ok(())
}

/// The file name `path` ends in.
fn file_name(path: &Path) -> io::Result<&OsStr> {
    path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` does not name a file", path.display()),
        )
    })
}

/// The directory `path` is in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// A temporary file beside the target, removed on drop unless it was renamed.
struct Temporary {
    path: PathBuf,
    /// Open until written.
    file: Option<File>,
    renamed: bool,
}

impl Temporary {
    /// Creates `.<name>.<pid>-<counter>-<random>.tmp` beside `path`; never opens an existing
    /// file.
    fn create(path: &Path, name: &OsStr) -> io::Result<Temporary> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
        // The counter separates this process's writers; the random part, writers of
        // processes that reuse a pid (after a crash, or in another container).
        let random = RandomState::new().hash_one((counter, SystemTime::now()));
        let mut temporary = std::ffi::OsString::from(".");
        temporary.push(name);
        temporary.push(format!(
            ".{}-{counter}-{random:016x}.tmp",
            std::process::id()
        ));
        let temporary = path.with_file_name(temporary);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        Ok(Temporary {
            path: temporary,
            file: Some(file),
            renamed: false,
        })
    }

    fn renamed(mut self) {
        self.renamed = true;
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.renamed {
            // The original error matters; a failed clean-up leaves only a stray file.
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn write_and_sync(
    file: Option<File>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let file = file.ok_or_else(|| io::Error::other("the temporary file was already written"))?;
    let mut writer = io::BufWriter::new(file);
    write(&mut writer)?;
    let file = writer
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    file.sync_all()
}

/// Makes a rename in `path`'s directory durable. Only Unix can open a directory for this.
fn sync_directory(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(directory_of(path))?.sync_all()?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A stray is removed once untouched this long, whoever wrote it.
const STALE_ANYWHERE: Duration = Duration::from_secs(24 * 60 * 60);

/// A stray of a process that is not running here is removed once untouched this long; the
/// wait spares a live writer on another machine that shares the directory.
const STALE_DEAD_WRITER: Duration = Duration::from_secs(60);

/// Removes the stale temporary files of `path` (see [`write_atomically`]). Best effort: a
/// file that cannot be listed or removed stays.
fn remove_stale_temporaries(path: &Path, name: &OsStr) {
    let Ok(entries) = fs::read_dir(directory_of(path)) else {
        return;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = temporary_writer(name, &entry.file_name()) else {
            continue;
        };
        if pid == own {
            continue; // a live writer of this process; failed ones remove their own
        }
        let Ok(age) = entry
            .metadata()
            .and_then(|m| m.modified())
            .map(|modified| modified.elapsed().unwrap_or_default())
        else {
            continue;
        };
        if age >= STALE_ANYWHERE || (age >= STALE_DEAD_WRITER && process_is_gone(pid)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The pid in `candidate` when it is a temporary file of the target `name`:
/// `.<name>.<pid>-<counter>-<16 hex digits>.tmp`, exactly.
pub(crate) fn temporary_writer(name: &OsStr, candidate: &OsStr) -> Option<u32> {
    let (name, candidate) = (name.to_str()?, candidate.to_str()?);
    let middle = candidate
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?
        .strip_suffix(".tmp")?;
    let mut parts = middle.split('-');
    let (pid, counter, random) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let hex = random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit());
    if parts.next().is_some() || !digits(pid) || !digits(counter) || !hex {
        return None;
    }
    pid.parse().ok()
}

/// True only when this machine provably runs no process `pid`: `/proc` lists processes and
/// has no entry for it. Elsewhere nothing is proven.
fn process_is_gone(pid: u32) -> bool {
    Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nn-atomic-{test}-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn temporaries(dir: &Path) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension() == Some(OsStr::new("tmp")))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temporary() {
        let dir = scratch("failed");
        let path = dir.join("file.bin");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let error = write_atomically(&path, |w| {
            w.write_all(b"half of the ne")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(error.to_string(), "disk full");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
        let panicked = std::panic::catch_unwind(|| {
            write_atomically(&path, |w| {
                w.write_all(b"x")?;
                panic!("the writer panics")
            })
        });
        assert!(panicked.is_err());
        assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_is_not_a_file_name() {
        assert!(write_atomically(Path::new("/"), |_| Ok(())).is_err());
        assert!(check_writable(Path::new("/")).is_err());
    }

    #[test]
    fn temporary_names_are_recognized_exactly() {
        let name = OsStr::new("run.ckpt");
        let writer = |candidate: &str| temporary_writer(name, OsStr::new(candidate));
        assert_eq!(writer(".run.ckpt.41-0-00ff00ff00ff00ff.tmp"), Some(41));
        assert_eq!(writer(".run.ckpt.tmp"), None, "an older, shared name");
        assert_eq!(writer(".run.ckpt.41-0-00ff.tmp"), None);
        assert_eq!(writer(".run.ckpt.x-0-00ff00ff00ff00ff.tmp"), None);
        assert_eq!(writer(".other.ckpt.41-0-00ff00ff00ff00ff.tmp"), None);
        assert_eq!(writer(".run.ckpt.41-0-00ff00ff00ff00ff-1.tmp"), None);
        let dir = scratch("names");
        let temporary = Temporary::create(&dir.join("run.ckpt"), name).unwrap();
        let own = temporary.path.file_name().unwrap().to_owned();
        assert_eq!(temporary_writer(name, &own), Some(std::process::id()));
        drop(temporary);
        assert_eq!(temporaries(&dir), Vec::<PathBuf>::new());
        fs::remove_dir_all(&dir).unwrap();
    }
}
