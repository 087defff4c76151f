//! Writing a file so that a crash leaves either the old file or the new one, never a mix.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `path` through `write`, crash-safely: the bytes go to a temporary file in the same
/// directory, which is flushed to disk (`fsync`) and then renamed over `path`; the directory
/// is synced too, so the rename itself survives a power cut.
///
/// A crash or an error at any point leaves `path` as it was (the old file, or none), and at
/// worst a stray `.<name>.tmp` beside it, which the next write replaces. On error the
/// temporary file is removed.
///
/// # Errors
/// Any I/O error, and any error `write` returns.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let temporary = temporary_path(path)?;
    let written = write_and_sync(&temporary, write);
    let renamed = written.and_then(|()| fs::rename(&temporary, path));
    if let Err(error) = renamed {
        // The original error matters; a failed clean-up leaves only a stray file.
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }
    sync_directory(path)
}

/// `dir/.name.tmp` for `dir/name`.
fn temporary_path(path: &Path) -> io::Result<PathBuf> {
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` does not name a file", path.display()),
        ));
    };
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(".tmp");
    Ok(path.with_file_name(temporary))
}

fn write_and_sync(
    temporary: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let file = File::create(temporary)?;
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
    {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(directory)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temporary() {
        let dir = std::env::temp_dir().join(format!("nn-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("file.bin");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let error = write_atomically(&path, |w| {
            w.write_all(b"half of the ne")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(error.to_string(), "disk full");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert!(!temporary_path(&path).unwrap().exists());
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_is_not_a_file_name() {
        assert!(write_atomically(Path::new("/"), |_| Ok(())).is_err());
    }
}
