//! `wait_random` and `wait_n`: random waits inside the calling task.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::task::coop;
use tokio::time::{Instant, Sleep};

use crate::clock::Clock;
use crate::delay::{MaxDelay, draw, draw_sorted, sleep_from, vec_for};
use crate::error::Error;

/// Waits a random delay in `[0, max_delay]` seconds and returns it.
///
/// The delay is `max_delay * u` for the next uniform `u` in `[0, 1)` from `rng` (CPython's
/// `random.uniform(0, max_delay)`). It is drawn when the future is first polled, before the
/// wait starts. The wait is a `tokio::time` sleep, so it ends on the timer's next whole
/// millisecond: see the crate docs on timer ticks.
///
/// # Panics
///
/// Like `tokio::time::sleep`, if polled outside a tokio runtime with timers enabled.
///
/// ```
/// use waitsim::{seeded, wait_random, MaxDelay};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let delay = wait_random(&mut seeded(0), MaxDelay::DEFAULT).await;
/// assert!((0.0..=10.0).contains(&delay));
/// # }
/// ```
pub async fn wait_random<R: rand::Rng + ?Sized>(rng: &mut R, max_delay: MaxDelay) -> f64 {
    let delay = draw(rng, max_delay);
    sleep_from(Instant::now(), delay).await;
    delay
}

/// Runs `n` random waits concurrently and returns their delays in ascending order.
///
/// The `n` delays are drawn from `rng` in index order, exactly as `n` successive
/// [`wait_random`] calls would draw them, before any wait starts. Then all `n` waits run at
/// once, each on its own timer entry, all starting at the same instant, joined inside the
/// calling task (nothing is spawned); the call ends when the longest wait ends. Equal delays
/// are the same number, so no order among them can be seen. `n = 0` returns an empty list at
/// once.
///
/// # Errors
///
/// If `n` is above [`TaskCount::MAX`](crate::TaskCount::MAX), or the memory for `n` delays
/// cannot be allocated. Nothing is drawn in either case.
///
/// # Panics
///
/// Like `tokio::time::sleep`, if polled outside a tokio runtime with timers enabled.
///
/// ```
/// use waitsim::{seeded, wait_n, MaxDelay};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), waitsim::Error> {
/// let start = tokio::time::Instant::now();
/// let delays = wait_n(&mut seeded(0), 5, MaxDelay::new(5.0)?).await?;
/// assert_eq!(delays.len(), 5);
/// assert!(delays.is_sorted());
/// // Concurrent: the whole call lasts as long as the longest wait, not the sum.
/// assert!(start.elapsed().as_secs_f64() < delays[4] + 0.001);
/// # Ok(())
/// # }
/// ```
pub async fn wait_n<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
) -> Result<Vec<f64>, Error> {
    wait_n_with(rng, n, max_delay, &mut || {}, Runtime::Shared).await
}

/// The runtime a join of waits runs on, which says whether the join may move the paused
/// clock itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Runtime {
    /// A runtime that may run other things: the clock moves only as tokio moves it.
    Shared,
    /// A paused runtime built for this one call, running nothing else: once every timer is
    /// registered, the clock is moved straight to the largest delay, so the timer fires every
    /// wait due by then in one pass instead of stopping at each deadline. The result, and the
    /// virtual time it takes (the largest delay rounded up to the timer's tick), are those of
    /// [`Runtime::Shared`]; anything else running on the runtime would see the clock jump.
    OwnVirtual,
}

impl Runtime {
    /// The runtime a routine builds for itself on `clock`: [`Runtime::OwnVirtual`] on the
    /// virtual clock; on the real one, the clock cannot be moved.
    pub(crate) fn own(clock: Clock) -> Runtime {
        match clock {
            Clock::Virtual => Runtime::OwnVirtual,
            Clock::Real => Runtime::Shared,
        }
    }
}

/// [`wait_n`], calling `finished` as each wait ends, on the given `runtime`.
pub(crate) async fn wait_n_with<R: rand::Rng + ?Sized>(
    rng: &mut R,
    n: usize,
    max_delay: MaxDelay,
    finished: &mut dyn FnMut(),
    runtime: Runtime,
) -> Result<Vec<f64>, Error> {
    let delays = draw_sorted(rng, n, max_delay)?;
    let mut all = WaitAll::new(&delays, |_: fn() -> Instant| finished())?;
    all.jump = runtime == Runtime::OwnVirtual;
    all.await;
    Ok(delays)
}

/// Waits, concurrently, for every delay of an ascending list, all starting now, and returns
/// the time from the start at which each wait was seen to end, in list order.
pub(crate) async fn wait_sorted_timed(sorted: &[f64]) -> Result<Vec<Duration>, Error> {
    let mut ends = vec_for(sorted.len())?;
    let start = Instant::now();
    WaitAll::new(sorted, |now: fn() -> Instant| ends.push(now() - start))?.await;
    Ok(ends)
}

/// Waits, concurrently, for every delay of an ascending list, all starting now.
///
/// Because the list is ascending, the deadlines are too, and the waits end in list order.
/// So the future keeps its pending timers in a queue and only ever polls the front one: every
/// timer is polled once to register it and once to see it end, which keeps the whole join
/// linear in `n` (a generic join re-polls all pending futures, or allocates a task per
/// future). All timers share the task's waker; a wake for a later timer just finds the front
/// one still pending.
///
/// The timers are held [`Chunk::LEN`] to an allocation, so a wait costs its `Sleep` and
/// little else: no allocation of its own, no allocator header, no pointer.
///
/// It honours tokio's cooperative budget: when the budget runs out it yields and carries on
/// where it stopped on the next poll, so registering a million timers does not hog a worker.
///
/// `finished` is called as each wait is seen to end, in list order, with `Instant::now` to
/// read the clock if it needs the time (the paused clock's `now` takes a lock, a cost for a
/// caller that only counts).
struct WaitAll<'a, F> {
    delays: &'a [f64],
    finished: F,
    start: Instant,
    /// How many timers have been made and polled once (so registered, or already ended).
    registered: usize,
    /// The chunks of timers not all seen to end, oldest first.
    pending: VecDeque<Pin<Box<Chunk>>>,
    /// How many waits of the front chunk have been seen to end.
    ended: usize,
    /// Whether to move the paused clock to the last deadline once every timer is registered.
    jump: bool,
}

/// Declares [`Chunk`]: `Chunk::LEN` timers in one allocation, each a pinned field.
macro_rules! chunk {
    ($($timer:ident = $index:literal),* $(,)?) => {
        pin_project_lite::pin_project! {
            /// A run of consecutive timers of a [`WaitAll`], in one allocation; the last chunk
            /// may hold fewer.
            struct Chunk {
                $(#[pin] $timer: Option<Sleep>,)*
            }
        }

        impl Chunk {
            const LEN: usize = [$($index),*].len();

            /// The timers `sleeps(0)`, `sleeps(1)`, ... up to the first `None`.
            fn new(mut sleeps: impl FnMut(usize) -> Option<Sleep>) -> Chunk {
                Chunk { $($timer: sleeps($index),)* }
            }

            /// Timer `index` of the chunk, pinned, if it holds one.
            fn timer(self: Pin<&mut Self>, index: usize) -> Option<Pin<&mut Sleep>> {
                let this = self.project();
                match index {
                    $($index => this.$timer.as_pin_mut(),)*
                    _ => None,
                }
            }
        }
    };
}

chunk!(
    t0 = 0,
    t1 = 1,
    t2 = 2,
    t3 = 3,
    t4 = 4,
    t5 = 5,
    t6 = 6,
    t7 = 7,
    t8 = 8,
    t9 = 9,
    t10 = 10,
    t11 = 11,
    t12 = 12,
    t13 = 13,
    t14 = 14,
    t15 = 15,
);

impl<'a, F: FnMut(fn() -> Instant) + Unpin> WaitAll<'a, F> {
    fn new(sorted: &'a [f64], finished: F) -> Result<WaitAll<'a, F>, Error> {
        let pending = VecDeque::from(vec_for(sorted.len().div_ceil(Chunk::LEN))?);
        Ok(WaitAll {
            delays: sorted,
            finished,
            start: Instant::now(),
            registered: 0,
            pending,
            ended: 0,
            jump: false,
        })
    }
}

impl<F: FnMut(fn() -> Instant) + Unpin> Future for WaitAll<'_, F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let start = this.start;
        let delays = this.delays;
        while this.registered < delays.len() {
            let index = this.registered % Chunk::LEN;
            if index == 0 {
                let first = this.registered;
                this.pending.push_back(Box::pin(Chunk::new(|i| {
                    delays.get(first + i).map(|&delay| sleep_from(start, delay))
                })));
            }
            if !coop::has_budget_remaining() {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(chunk) = this.pending.back_mut()
                && let Some(timer) = chunk.as_mut().timer(index)
            {
                // Registers the timer (a wait of zero, or one already due, ends here: it is
                // seen to end, in order, below).
                let _ = timer.poll(cx);
            }
            this.registered += 1;
        }
        if std::mem::take(&mut this.jump)
            && let Some(&last) = this.delays.last()
        {
            // To the last whole millisecond at or before the last deadline: the timer fires
            // everything due by then in one pass, and the clock's own step to the final tick
            // ends the run, as it would have without the jump.
            let tick = Clock::TICK.as_nanos();
            let whole_ticks = Duration::from_secs_f64(last).as_nanos() / tick * tick;
            let until =
                start + Duration::from_nanos(u64::try_from(whole_ticks).unwrap_or(u64::MAX));
            let now = Instant::now();
            if until > now {
                // `advance` moves the clock at its first poll, then yields once so that the
                // timer fires what is due; the clock has moved whatever this poll returns.
                let mut advance = std::pin::pin!(tokio::time::advance(until - now));
                if advance.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
        }
        while let Some(front) = this.pending.front_mut() {
            let Some(timer) = front.as_mut().timer(this.ended) else {
                // Every wait of the front chunk has ended.
                this.pending.pop_front();
                this.ended = 0;
                continue;
            };
            if !coop::has_budget_remaining() {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if timer.poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.ended += 1;
            if this.ended == Chunk::LEN {
                this.pending.pop_front();
                this.ended = 0;
            }
            (this.finished)(Instant::now);
        }
        Poll::Ready(())
    }
}
