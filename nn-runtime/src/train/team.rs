//! A team of worker threads for fine-grained data parallelism: the caller publishes a job of
//! `size` parts, and every thread, the caller included, claims parts until none is left; the
//! caller then waits for the parts others claimed.
//!
//! A training step takes a few hundred microseconds, so waking a sleeping thread (tens of
//! microseconds) at every step would eat the gain: workers poll for a while after a job
//! before they sleep on a condition variable. Because parts are claimed, not assigned, a
//! worker that the operating system has not scheduled (a busy machine) costs nothing: the
//! caller runs its part. Which thread runs a part never changes what the part computes.
//! Publishing and running a job allocates nothing.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker polls before it sleeps, and the caller before it sleeps waiting
/// for parts that others run. Polling yields the core at every turn: on an idle machine
/// that returns at once, on a busy one it lets the thread it waits for run.
const SPIN: Duration = Duration::from_micros(100);

/// Bits of [`Shared::claims`] that count claimed parts; the bits above hold the generation.
const PART_BITS: u32 = 32;

/// A job: called once with each part index `0..team size`.
type Job = dyn Fn(usize) + Sync;

/// The job's address, shared with the workers for the duration of [`Team::run`].
#[derive(Clone, Copy)]
struct JobPtr(*const Job);

// SAFETY: the pointee is `Sync`, so calling it from another thread is sound; `Team::run`
// keeps it alive until every worker is done with it.
unsafe impl Send for JobPtr {}

struct Shared {
    /// `generation << PART_BITS | parts claimed`: bumping the generation publishes a job,
    /// and a part can only be claimed together with the generation it belongs to.
    claims: AtomicU64,
    /// Parts of the current job finished.
    finished: AtomicUsize,
    /// The caller is asleep (or about to be) on `done`.
    caller_asleep: AtomicBool,
    done: Condvar,
    /// Workers asleep (or about to be) on `wake`.
    sleepers: AtomicUsize,
    quit: AtomicBool,
    panicked: AtomicBool,
    /// A job is being run (see [`Team::run`]).
    running: AtomicBool,
    /// The current job and its generation.
    job: Mutex<Option<(u64, JobPtr)>>,
    wake: Condvar,
}

/// Worker threads `1..size`; the caller of [`Team::run`] is part 0.
pub(crate) struct Team {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Team {
    /// A team of `size` (≥ 1) parts: `size − 1` new threads and the caller.
    ///
    /// # Errors
    /// When a thread cannot be started, and before starting any when `size` is above
    /// [`FitConfig::MAX_THREADS`](super::FitConfig::MAX_THREADS): past the operating
    /// system's limits a thread that fails to set itself up aborts the process.
    pub(crate) fn new(size: usize) -> std::io::Result<Team> {
        let max = super::FitConfig::MAX_THREADS;
        if size > max {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("a team of {size} threads; expected at most {max}"),
            ));
        }
        let shared = Arc::new(Shared {
            claims: AtomicU64::new(0),
            finished: AtomicUsize::new(0),
            caller_asleep: AtomicBool::new(false),
            done: Condvar::new(),
            sleepers: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            running: AtomicBool::new(false),
            job: Mutex::new(None),
            wake: Condvar::new(),
        });
        let mut team = Team {
            shared,
            workers: Vec::with_capacity(size.saturating_sub(1)),
        };
        let size = size.max(1);
        for part in 1..size {
            let shared = Arc::clone(&team.shared);
            let handle = std::thread::Builder::new()
                .name(format!("nn-train-{part}"))
                .spawn(move || work(&shared, size))?;
            team.workers.push(handle);
        }
        Ok(team)
    }

    /// Parts in the team, the caller included.
    pub(crate) fn size(&self) -> usize {
        self.workers.len() + 1
    }

    /// Runs `job(part)` for every part `0..size()` and returns when all are done. A panic in
    /// any part is raised here once every claimed part has finished.
    ///
    /// Jobs of one team must not overlap: the team's owner calls `run` from one thread at a
    /// time (the trainer holds it mutably; workers never call it), which the assertion
    /// below checks rather than trusts.
    pub(crate) fn run<'a>(&self, job: &'a (dyn Fn(usize) + Sync + 'a)) {
        let shared = &*self.shared;
        let parts = self.size();
        if parts == 1 {
            job(0);
            return;
        }
        let _running = Running::enter(&shared.running);
        // SAFETY: only the lifetime is erased. A part can be claimed only together with this
        // job's generation, and this function does not return (or unwind) before every part
        // has been claimed and finished; after that no thread can claim one.
        let erased: *const Job =
            unsafe { std::mem::transmute::<&'a (dyn Fn(usize) + Sync + 'a), &'static Job>(job) };
        shared.finished.store(0, Ordering::SeqCst);
        let generation = {
            let mut slot = shared.job.lock().unwrap_or_else(|e| e.into_inner());
            let generation = (shared.claims.load(Ordering::SeqCst) >> PART_BITS) + 1;
            *slot = Some((generation, JobPtr(erased)));
            shared
                .claims
                .store(generation << PART_BITS, Ordering::SeqCst);
            generation
        };
        if shared.sleepers.load(Ordering::SeqCst) > 0 {
            // Under the lock, so that a worker between its last check and its wait is not
            // missed.
            let _guard = shared.job.lock().unwrap_or_else(|e| e.into_inner());
            shared.wake.notify_all();
        }
        let mut mine = Ok(());
        while let Some(part) = claim(shared, generation, parts) {
            let outcome = catch_unwind(AssertUnwindSafe(|| job(part)));
            if mine.is_ok() {
                mine = outcome;
            }
            shared.finished.fetch_add(1, Ordering::SeqCst);
        }
        // Every part is claimed; wait for those others run: poll, then sleep, which frees
        // this core for them on a busy machine.
        let started = Instant::now();
        while shared.finished.load(Ordering::SeqCst) < parts {
            if started.elapsed() < SPIN {
                std::thread::yield_now();
                continue;
            }
            let guard = shared.job.lock().unwrap_or_else(|e| e.into_inner());
            shared.caller_asleep.store(true, Ordering::SeqCst);
            if shared.finished.load(Ordering::SeqCst) < parts {
                drop(shared.done.wait(guard).unwrap_or_else(|e| e.into_inner()));
            }
            shared.caller_asleep.store(false, Ordering::SeqCst);
        }
        // Cleared before anything is raised, so the next job does not report this one's.
        let others_panicked = shared.panicked.swap(false, Ordering::SeqCst);
        if let Err(panic) = mine {
            resume_unwind(panic);
        }
        if others_panicked {
            panic!("a training thread panicked");
        }
    }
}

/// Claims the next part of generation `generation`, if that job is still current and has
/// parts left.
fn claim(shared: &Shared, generation: u64, parts: usize) -> Option<usize> {
    let mut claims = shared.claims.load(Ordering::SeqCst);
    loop {
        let part = (claims & ((1 << PART_BITS) - 1)) as usize;
        if claims >> PART_BITS != generation || part >= parts {
            return None;
        }
        match shared.claims.compare_exchange_weak(
            claims,
            claims + 1,
            Ordering::SeqCst,
            Ordering::SeqCst,
        ) {
            Ok(_) => return Some(part),
            Err(now) => claims = now,
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.quit.store(true, Ordering::SeqCst);
        {
            let _guard = self.shared.job.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// A worker's loop: wait for a new generation (polling, then sleeping), claim and run parts
/// while there are any, and wake the caller after the last one.
fn work(shared: &Shared, parts: usize) {
    let mut seen = 0;
    loop {
        let started = Instant::now();
        loop {
            if shared.quit.load(Ordering::SeqCst) {
                return;
            }
            let generation = shared.claims.load(Ordering::SeqCst) >> PART_BITS;
            if generation != seen {
                seen = generation;
                break;
            }
            if started.elapsed() < SPIN {
                std::thread::yield_now();
                continue;
            }
            let guard = shared.job.lock().unwrap_or_else(|e| e.into_inner());
            shared.sleepers.fetch_add(1, Ordering::SeqCst);
            let asleep = shared.claims.load(Ordering::SeqCst) >> PART_BITS == seen
                && !shared.quit.load(Ordering::SeqCst);
            let guard = if asleep {
                shared.wake.wait(guard).unwrap_or_else(|e| e.into_inner())
            } else {
                guard
            };
            shared.sleepers.fetch_sub(1, Ordering::SeqCst);
            drop(guard);
        }
        let job = *shared.job.lock().unwrap_or_else(|e| e.into_inner());
        let Some((generation, job)) = job else {
            continue;
        };
        while let Some(part) = claim(shared, generation, parts) {
            // SAFETY: the part was claimed with its job's generation, so `Team::run` keeps the
            // job alive until this part is counted finished.
            let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { (*job.0)(part) }));
            if outcome.is_err() {
                shared.panicked.store(true, Ordering::SeqCst);
            }
            // Under the lock when it completes the job, so that a caller about to sleep
            // either sees the count or gets the notification.
            let guard = shared.job.lock().unwrap_or_else(|e| e.into_inner());
            let finished = shared.finished.fetch_add(1, Ordering::SeqCst) + 1;
            if finished == parts && shared.caller_asleep.load(Ordering::SeqCst) {
                shared.done.notify_all();
            }
            drop(guard);
        }
    }
}

/// Marks a job as running for its duration, and refuses to start a second one meanwhile.
struct Running<'a>(&'a AtomicBool);

impl<'a> Running<'a> {
    fn enter(flag: &'a AtomicBool) -> Self {
        let was_running = flag.swap(true, Ordering::SeqCst);
        assert!(!was_running, "Team::run: jobs of one team must not overlap");
        Running(flag)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_larger_than_the_maximum_is_refused_before_any_thread_starts() {
        let error = Team::new(crate::FitConfig::MAX_THREADS + 1).err().unwrap();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("at most 1024"), "{error}");
    }

    #[test]
    fn every_part_runs_once_per_job_and_sees_the_callers_data() {
        for size in [1, 2, 3, 5] {
            let team = Team::new(size).unwrap();
            assert_eq!(team.size(), size);
            let counts: Vec<AtomicUsize> = (0..size).map(|_| AtomicUsize::new(0)).collect();
            for round in 0..200 {
                let local = round * 10; // borrowed by the job
                team.run(&|part| {
                    counts[part].fetch_add(local + 1, Ordering::SeqCst);
                });
                if round == 100 {
                    // Long enough that the workers fall asleep and must be woken.
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
            let want: usize = (0..200).map(|r| r * 10 + 1).sum();
            for count in &counts {
                assert_eq!(count.load(Ordering::SeqCst), want, "team of {size}");
            }
        }
    }

    #[test]
    fn a_panicking_part_is_reported_after_all_parts_finish() {
        let team = Team::new(3).unwrap();
        let done = AtomicUsize::new(0);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            team.run(&|part| {
                if part == 2 {
                    panic!("part 2 fails");
                }
                done.fetch_add(1, Ordering::SeqCst);
            })
        }));
        assert!(outcome.is_err());
        assert_eq!(done.load(Ordering::SeqCst), 2);
        // The team still works afterwards.
        team.run(&|_| {
            done.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(done.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn when_every_part_panics_the_next_job_still_succeeds() {
        let team = Team::new(2).unwrap();
        for _ in 0..20 {
            // The caller's own part and the worker's both panic (whoever claims which).
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                team.run(&|_| panic!("every part fails"));
            }));
            assert!(outcome.is_err());
            // No panic left over from the job before.
            let done = AtomicUsize::new(0);
            team.run(&|_| {
                done.fetch_add(1, Ordering::SeqCst);
            });
            assert_eq!(done.load(Ordering::SeqCst), 2);
        }
    }
}
