package io.loopwire;

import io.loopwire.loop.IoHandler;
import io.loopwire.loop.LoopAccess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread, one {@link Selector}: the loop every loopwire channel runs on.
 *
 * <p>A turn of the loop selects ready channels (blocking until the next timer deadline when there is nothing to do),
 * calls each ready channel's handler, then each channel that asked to be revisited in the previous turn (a connection
 * that left input for later), fires due timers, runs a bounded batch of tasks handed over with {@link #execute}, then
 * runs the end-of-turn work queued before end-of-turn began (connections flush there, once per turn, whatever they
 * queued). Work queued while end-of-turn runs waits for the next turn, and while any work waits the next select does
 * not block: every phase of a turn is bounded, so timers and other channels always get their turn.
 *
 * <p>What the transports need beyond this public face (registering a channel, the end-of-turn and revisit queues,
 * the loop-shared buffers, the turn number) is the {@code Loop} of the non-exported package {@code io.loopwire.loop},
 * reached with {@code LoopAccess.of} and kept in {@code Plumbing}; the timers live in {@code TimerHeap}.
 *
 * <p>A fatal error (one that escapes the loop itself, or a {@link VirtualMachineError} such as
 * {@link OutOfMemoryError} thrown by a handler, timer or task) stops the loop: channels are closed, {@link #run()}
 * throws {@link ReactorFailedException}, and {@link #failure()} names the cause, so a process can exit non-zero.
 *
 * @implNote {@link #execute}, {@link #schedule}, {@link #scheduleAtFixedRate}, {@link #inLoop}, {@link #start},
 *     {@link #close} and {@link #awaitTermination} are thread-safe. Everything else, and every channel registered
 *     here, belongs to the loop thread ({@code assert inLoop()} guards it; tests run with {@code -ea}).
 */
public final class Reactor implements Executor, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reactor.class);

    /** How long {@link #close()} lets connections flush what they hold before closing them anyway. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);
    /** Tasks run per turn at most, so a flood of {@link #execute} calls cannot starve I/O. */
    static final int MAX_TASKS_PER_TURN = 1024;
    /** Size of the loop-shared read buffer: one TCP read or one datagram (the largest UDP payload fits). */
    public static final int READ_BUFFER_BYTES = 64 * 1024;
    /** Delays are clamped to this (about 73 years) so {@code now + delay} cannot overflow. */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 4;

    private enum State { NEW, RUNNING, CLOSING, CLOSED }

    private final String name;
    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** False only while the loop is (about to be) blocked in select: the one moment a wakeup is needed. */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final TimerHeap timers = new TimerHeap(this::inLoop);
    private final ReactorStats stats = new ReactorStats();
    /** What the transports use beyond the public API, and the work they defer within a turn. */
    private final Plumbing plumbing;
    private final Consumer<SelectionKey> keyHandler = this::handleKey;
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** The thread that built this reactor: before the loop starts, the one thread that may act for it directly. */
    private final Thread creator = Thread.currentThread();

    private volatile State state = State.NEW;
    private volatile Thread thread;
    private volatile Throwable failure;
    private Duration grace = DEFAULT_GRACE;
    private long closeDeadlineNanos;
    /** Told how long each turn's work took (metrics); null, the default, costs one null check per turn. */
    private LongConsumer turnObserver;

    static {
        LoopAccess.install(reactor -> ((Reactor) reactor).plumbing);
    }

    /** A reactor whose thread (once started) is named {@code loopwire-reactor}. */
    public Reactor() {
        this("loopwire-reactor");
    }

    /** A reactor whose thread (once started) has the given name. */
    public Reactor(String name) {
        this.name = Objects.requireNonNull(name, "name");
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        this.plumbing = new Plumbing(this, name, selector, stats);
    }

    /** Runs the loop on a new thread named after this reactor. Returns at once. */
    public Reactor start() {
        Thread t = new Thread(this::loop, name);
        // RUNNING before start() returns: otherwise call() still sees NEW and registers channels on the caller's
        // thread, racing the loop's first select, which blocks without a timeout and never sees the new key.
        claim(t);
        t.setDaemon(false);
        t.start();
        return this;
    }

    /**
     * Runs the loop on the calling thread until {@link #close()} has finished.
     *
     * @throws ReactorFailedException if the loop stopped on a fatal error (its cause), not on {@link #close()}
     */
    public void run() {
        claim(Thread.currentThread());
        loop();
        Throwable cause = failure;
        if (cause != null) {
            throw new ReactorFailedException(name, cause);
        }
    }

    /**
     * The fatal error that stopped the loop, or null while it runs and after a clean {@link #close()}. Thread-safe;
     * read it after {@link #awaitTermination} when the loop runs on its own thread.
     */
    public Throwable failure() {
        return failure;
    }

    private synchronized void claim(Thread loopThread) {
        if (state != State.NEW) {
            throw new IllegalStateException("reactor " + name + " already " + state);
        }
        thread = loopThread;
        state = State.RUNNING;
    }

    private void loop() {
        try {
            while (state != State.CLOSED) {
                turn();
            }
        } catch (Throwable t) {
            failure = t;
            log.error("reactor {} stopped by an unexpected error", name, t);
        } finally {
            closeAllChannels();
            terminated.countDown();
        }
    }

    /** The name given at construction (its thread's name once started). */
    public String name() {
        return name;
    }

    /** Whether the caller is this reactor's loop thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the loop, after the tasks handed over before it from the same thread (FIFO).
     *
     * @throws RejectedExecutionException if the reactor is closed
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (state == State.CLOSED) {
            throw new RejectedExecutionException("reactor " + name + " is closed");
        }
        tasks.offer(task);
        // Only a loop blocked (or about to block) in select needs waking; the flag makes it one wakeup per block.
        if (!inLoop() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop and waits (at most 10 s) for its result; runs it directly when called on the loop,
     * or before the loop has started on the thread that built this reactor (the set-up thread). Another thread calling
     * before the start waits for the loop to run it: run directly there, it would race the set-up thread and then
     * the loop's first turn (an HTTP scrape arriving before the loop started did).
     */
    public <T> T call(Callable<T> task) throws IOException {
        if (inLoop() || (state == State.NEW && Thread.currentThread() == creator)) {
            return LoopCall.callHere(task);
        }
        return LoopCall.callOnLoop(this, name, task);
    }

    /** Runs {@code task} once after {@code delay}. */
    public Timeout schedule(Duration delay, Runnable task) {
        return addTimer(delay, 0, task);
    }

    /**
     * Runs {@code task} after {@code initialDelay}, then every {@code period}, each deadline computed from the previous
     * one so the rate does not drift (a late run is not made up for by a burst: missed deadlines are skipped).
     */
    public Timeout scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task) {
        long periodNanos = clampNanos(period);
        if (periodNanos <= 0) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        return addTimer(initialDelay, periodNanos, task);
    }

    private Timeout addTimer(Duration delay, long periodNanos, Runnable task) {
        Objects.requireNonNull(task, "task");
        long delayNanos = Math.max(0, clampNanos(delay));
        TimerHeap.ScheduledTask timer = timers.newTimer(System.nanoTime() + delayNanos, periodNanos, task);
        if (inLoop()) {
            timers.add(timer);
        } else {
            execute(() -> timers.add(timer));
        }
        return timer;
    }

    private static long clampNanos(Duration d) {
        Objects.requireNonNull(d, "duration");
        if (d.compareTo(Duration.ofNanos(MAX_DELAY_NANOS)) > 0) {
            return MAX_DELAY_NANOS;
        }
        return d.toNanos();
    }

    /**
     * Channels registered with this loop's selector whose key is still valid (listening sockets, connections,
     * datagram endpoints); a leak check for tests and monitoring. Loop thread only.
     */
    public int registeredChannels() {
        assert inLoopOrNotStarted() : "registeredChannels off the loop thread";
        int valid = 0;
        for (SelectionKey key : selector.keys()) {
            if (key.isValid()) {
                valid++;
            }
        }
        return valid;
    }

    /**
     * Tells {@code observer} (or nobody, with null) how long each turn's work took, in nanos: from the end of select
     * to the end of the turn (handlers, timers, tasks, end-of-turn flushes). For a turn-time histogram; the observer
     * runs on the loop once per turn, so it must not allocate or block. Loop thread only (or before start).
     */
    public void observeTurns(LongConsumer observer) {
        assert inLoopOrNotStarted() : "observeTurns off the loop thread";
        this.turnObserver = observer;
    }

    /**
     * The number of the current turn: grows by one per turn and never repeats. For handlers that keep per-turn state
     * (a share of input per turn, a buffer reused from one turn to the next) without a clock. Loop thread only (or
     * before start).
     */
    public long currentTurn() {
        return plumbing.turn();
    }

    /**
     * Runs {@code work} once at the end of the current turn, after every ready channel, timer and task of the turn,
     * before the connections flush what the turn queued; called while end-of-turn work runs, it waits for the next
     * turn. What Netty's {@code channelReadComplete} is for: a broadcasting handler gathers a turn's messages and
     * sends them in one pass. Queue the same instance each turn and nothing is allocated. Loop thread only.
     */
    public void runAtEndOfTurn(Runnable work) {
        plumbing.runAtEndOfTurn(Objects.requireNonNull(work, "work"));
    }

    /**
     * Runs {@code work} once in the next turn, right after the ready channels, and keeps the next {@code select} from
     * blocking. For a handler that stopped at its share of a turn with work in hand (lines still to deliver) and must
     * go on next turn whether or not a socket becomes ready. Queue the same instance each time and nothing is
     * allocated. Loop thread only.
     */
    public void runNextTurn(Runnable work) {
        plumbing.revisitNextTurn(Objects.requireNonNull(work, "work"));
    }

    /**
     * Stops this loop's channels from reading until every hold is released: a channel that becomes readable takes its
     * read interest off and waits, so its peer's bytes wait in the kernel (and TCP's window slows the peer). For work
     * downstream of the loop that must not grow, such as a hand-over to another loop that is full. Holds count: each
     * needs one {@link #releaseInput()}. Loop thread only (or before start).
     */
    public void holdInput() {
        plumbing.holdInput();
    }

    /**
     * Ends one {@link #holdInput() hold}; when the last ends, the waiting channels read again, in the order they
     * stopped. Loop thread only (or before start).
     *
     * @throws IllegalStateException without a hold
     */
    public void releaseInput() {
        plumbing.releaseInput();
    }

    /** This reactor's counters. */
    public ReactorStats stats() {
        return stats;
    }

    /** Whether {@link #close()} has begun. */
    public boolean isClosing() {
        State s = state;
        return s == State.CLOSING || s == State.CLOSED;
    }

    /**
     * Whether the caller is the loop thread, or the reactor has not started (so the caller is the one setting it up):
     * what loop-only methods that may also be called during set-up assert.
     */
    public boolean inLoopOrNotStarted() {
        return inLoop() || state == State.NEW;
    }

    private void turn() throws IOException {
        plumbing.nextTurn();
        stats.turns++;
        long timeoutMillis = selectTimeoutMillis();
        if (timeoutMillis == 0 || !tasks.isEmpty() || plumbing.hasWork()) {
            selector.selectNow(keyHandler);
        } else {
            awake.set(false);
            // A task may have arrived between the check above and the flag: its producer saw awake=true.
            if (tasks.isEmpty()) {
                selector.select(keyHandler, timeoutMillis < 0 ? 0 : timeoutMillis);
            } else {
                selector.selectNow(keyHandler);
            }
            awake.set(true);
        }
        final LongConsumer observer = turnObserver;
        final long workStart = observer == null ? 0 : System.nanoTime();
        plumbing.runRevisits();
        runTimers();
        runTasks();
        plumbing.runEndOfTurn();
        if (observer != null) {
            observer.accept(System.nanoTime() - workStart);
        }
        if (state == State.CLOSING) {
            continueClosing();
        }
    }

    /** -1: no timer, block until woken; 0: something is due now. */
    private long selectTimeoutMillis() {
        long waitNanos = timers.nanosToNext(System.nanoTime());
        if (waitNanos == Long.MAX_VALUE) {
            return state == State.CLOSING ? 10 : -1;
        }
        if (waitNanos <= 0) {
            return 0;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999);
        return state == State.CLOSING ? Math.min(millis, 10) : millis;
    }

    private void handleKey(SelectionKey key) {
        IoHandler handler = (IoHandler) key.attachment();
        if (!key.isValid()) {
            return;
        }
        stats.selectedKeys++;
        try {
            handler.onReady(key);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            stats.handlerErrors++;
            handler.fail(t);
        }
    }

    private void runTimers() {
        long now = System.nanoTime();
        TimerHeap.ScheduledTask timer;
        while ((timer = timers.pollDue(now)) != null) {
            stats.timersFired++;
            runSafely(timer.task);
            timers.ran(timer, now);
        }
        timers.sweepCancelled();
    }

    private void runTasks() {
        for (int i = 0; i < MAX_TASKS_PER_TURN; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            stats.tasksRun++;
            runSafely(task);
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            stats.taskErrors++;
            log.warn("task failed on reactor {}", name, t);
        }
    }

    /**
     * Closes gracefully within {@link #DEFAULT_GRACE}: stops accepting and reading, lets connections flush what they
     * hold, then closes every channel and the selector. Waits for the loop to finish unless called on the loop.
     */
    @Override
    public void close() {
        close(DEFAULT_GRACE);
    }

    /** As {@link #close()}, with the given grace period for flushing. */
    public void close(Duration gracePeriod) {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        synchronized (this) {
            if (state == State.NEW) {
                state = State.CLOSED;
                closeAllChannels();
                terminated.countDown();
                return;
            }
        }
        if (inLoop()) {
            beginClose(gracePeriod);
            return;
        }
        try {
            execute(() -> beginClose(gracePeriod));
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        }
        awaitTermination(gracePeriod.plusSeconds(5));
    }

    /** Waits until the loop has finished closing; returns whether it did within {@code timeout}. */
    public boolean awaitTermination(Duration timeout) {
        try {
            return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void beginClose(Duration gracePeriod) {
        if (state != State.RUNNING) {
            return;
        }
        state = State.CLOSING;
        grace = gracePeriod;
        closeDeadlineNanos = System.nanoTime() + clampNanos(grace);
        log.debug("reactor {} closing, grace {}", name, grace);
        continueClosing();
    }

    private void continueClosing() {
        boolean drained = plumbing.drainChannels();
        // Flush what draining queued before deciding; end-of-turn work is where connections write.
        plumbing.runEndOfTurn();
        if (drained || System.nanoTime() - closeDeadlineNanos >= 0) {
            if (!drained) {
                log.warn("reactor {}: grace period {} over, closing channels with unsent data", name, grace);
            }
            state = State.CLOSED;
        }
    }

    private void closeAllChannels() {
        state = State.CLOSED;
        if (!selector.isOpen()) {
            return;
        }
        plumbing.closeChannels();
        Runnable task;
        while ((task = tasks.poll()) != null) {
            log.debug("reactor {} closed; dropping task {}", name, task);
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.warn("closing the selector of reactor {} failed", name, e);
        }
    }

    @Override
    public String toString() {
        return "Reactor[" + name + ", " + state + ']';
    }
}
