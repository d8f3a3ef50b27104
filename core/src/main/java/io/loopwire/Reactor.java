package io.loopwire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread, one {@link Selector}: the loop every loopwire channel runs on.
 *
 * <p>A turn of the loop selects ready channels (blocking until the next timer deadline when there is nothing to do),
 * calls each ready channel's {@link IoHandler}, then each {@link Revisit} asked for in the previous turn (a connection
 * that left input for later), fires due timers, runs a bounded batch of tasks handed over with {@link #execute}, then
 * runs the {@link EndOfTurn} work queued before end-of-turn began (connections flush there, once per turn, whatever
 * they queued). Work queued while end-of-turn runs waits for the next turn, and while any work waits the next select
 * does not block: every phase of a turn is bounded, so timers and other channels always get their turn.
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
    private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
    private final ArrayList<EndOfTurn> endOfTurn = new ArrayList<>();
    private final ArrayList<EndOfTurn> endOfTurnRunning = new ArrayList<>();
    private ArrayList<Revisit> revisits = new ArrayList<>();
    private ArrayList<Revisit> revisitsRunning = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    /** Linux's IOV_MAX: the most buffers one gathering write takes. */
    private final ByteBuffer[] gatherScratch = new ByteBuffer[1024];
    private final Consumer<SelectionKey> keyHandler = this::handleKey;
    private final ReactorStats stats = new ReactorStats();
    private final CountDownLatch terminated = new CountDownLatch(1);

    private volatile State state = State.NEW;
    private volatile Thread thread;
    private volatile Throwable failure;
    private long timerSequence;
    private int cancelledTimers;
    private Duration grace = DEFAULT_GRACE;
    private long closeDeadlineNanos;

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
     * Runs {@code task} on the loop and waits (at most 10 s) for its result; runs it directly when called on the loop
     * or before the loop has started.
     */
    public <T> T call(Callable<T> task) throws IOException {
        if (inLoop() || state == State.NEW) {
            try {
                return task.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            execute(() -> {
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException closed) {
            throw new IOException(closed.getMessage(), closed);
        }
        try {
            return result.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for reactor " + name, e);
        } catch (TimeoutException e) {
            throw new IOException("reactor " + name + " did not run the task within 10 s", e);
        }
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
        ScheduledTask timer = new ScheduledTask(System.nanoTime() + delayNanos, periodNanos, task);
        if (inLoop()) {
            enqueueTimer(timer);
        } else {
            execute(() -> enqueueTimer(timer));
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

    private void enqueueTimer(ScheduledTask timer) {
        if (!timer.cancelled) {
            timer.sequence = timerSequence++;
            timers.add(timer);
        }
    }

    /**
     * Registers {@code channel} (non-blocking) with this loop's selector, {@code handler} as its attachment. Loop
     * thread only (or before the loop has started).
     */
    public SelectionKey register(SelectableChannel channel, int ops, IoHandler handler) throws ClosedChannelException {
        assert inLoopOrNotStarted() : "register off the loop thread";
        if (state == State.CLOSING || state == State.CLOSED) {
            throw new ClosedChannelException();
        }
        return channel.register(selector, ops, handler);
    }

    /**
     * Queues {@code work} to run once at the end of the current turn, or of the next turn when called while
     * end-of-turn work runs (so end-of-turn work that queues more cannot hold the loop). Loop thread only.
     */
    public void runAtEndOfTurn(EndOfTurn work) {
        assert inLoop() : "runAtEndOfTurn off the loop thread";
        endOfTurn.add(work);
    }

    /**
     * Calls {@code revisit} once in the next turn, right after the ready channels, whether or not its channel is ready
     * then; the next select does not block. For a channel that stopped at its share of a turn with input already read
     * (the socket may have nothing more to make it ready). Loop thread only.
     */
    public void revisitNextTurn(Revisit revisit) {
        assert inLoop() : "revisitNextTurn off the loop thread";
        revisits.add(revisit);
    }

    /**
     * The loop-shared buffer that channels read into; its content is valid only until the handler returns. Loop
     * thread only.
     */
    public ByteBuffer readBuffer() {
        assert inLoopOrNotStarted() : "readBuffer off the loop thread";
        return readBuffer;
    }

    /** A loop-shared array for gathering writes (its slots are overwritten by each user). Loop thread only. */
    public ByteBuffer[] gatherScratch() {
        assert inLoop() : "gatherScratch off the loop thread";
        return gatherScratch;
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

    /** This reactor's counters. */
    public ReactorStats stats() {
        return stats;
    }

    /** Whether {@link #close()} has begun. */
    public boolean isClosing() {
        State s = state;
        return s == State.CLOSING || s == State.CLOSED;
    }

    private boolean inLoopOrNotStarted() {
        return inLoop() || state == State.NEW;
    }

    private void turn() throws IOException {
        stats.turns++;
        long timeoutMillis = selectTimeoutMillis();
        if (timeoutMillis == 0 || !tasks.isEmpty() || !revisits.isEmpty() || !endOfTurn.isEmpty()) {
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
        runRevisits();
        runTimers();
        runTasks();
        runEndOfTurn();
        if (state == State.CLOSING) {
            continueClosing();
        }
    }

    /** -1: no timer, block until woken; 0: something is due now. */
    private long selectTimeoutMillis() {
        ScheduledTask next = timers.peek();
        if (next == null) {
            return state == State.CLOSING ? 10 : -1;
        }
        long waitNanos = next.deadlineNanos - System.nanoTime();
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
        try {
            handler.onReady(key);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            stats.handlerErrors++;
            handler.fail(t);
        }
    }

    private void runRevisits() {
        if (revisits.isEmpty()) {
            return;
        }
        // Swap: a revisit that asks again (its share used up once more) lands in the fresh list, for the next turn.
        ArrayList<Revisit> running = revisits;
        revisits = revisitsRunning;
        revisitsRunning = running;
        for (int i = 0; i < running.size(); i++) {
            try {
                running.get(i).onRevisit();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                stats.handlerErrors++;
                log.warn("revisit failed on reactor {}", name, t);
            }
        }
        running.clear();
    }

    private void runTimers() {
        long now = System.nanoTime();
        ScheduledTask timer;
        while ((timer = timers.peek()) != null && timer.deadlineNanos - now <= 0) {
            timers.poll();
            if (timer.cancelled) {
                cancelledTimers = Math.max(0, cancelledTimers - 1);
                continue;
            }
            stats.timersFired++;
            runSafely(timer.task);
            if (timer.periodNanos > 0 && !timer.cancelled) {
                long next = timer.deadlineNanos + timer.periodNanos;
                if (next - now <= 0) {
                    // Fell behind (a long GC or a slow task): skip the missed runs instead of bursting.
                    next = now + timer.periodNanos;
                }
                timer.deadlineNanos = next;
                timer.sequence = timerSequence++;
                timers.add(timer);
            }
        }
        if (cancelledTimers > 64 && cancelledTimers > timers.size() / 2) {
            timers.removeIf(t -> t.cancelled);
            cancelledTimers = 0;
        }
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

    private void runEndOfTurn() {
        // One pass over what the turn queued. End-of-turn work may queue more (a flush that drains a queue tells a
        // handler it may send again, and it refills): that runs at the end of the next turn, after select and timers,
        // so a handler that refills on every drain cannot keep the loop in this phase.
        for (int i = 0; i < endOfTurn.size(); i++) {
            endOfTurnRunning.add(endOfTurn.get(i)); // not addAll: it copies through a new array every turn
        }
        endOfTurn.clear();
        for (int i = 0; i < endOfTurnRunning.size(); i++) {
            EndOfTurn work = endOfTurnRunning.get(i);
            try {
                work.onEndOfTurn();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                stats.taskErrors++;
                log.warn("end-of-turn work failed on reactor {}", name, t);
            }
        }
        endOfTurnRunning.clear();
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
        boolean drained = true;
        for (IoHandler handler : handlers()) {
            try {
                drained &= handler.drainForShutdown();
            } catch (Throwable t) {
                handler.fail(t);
            }
        }
        // Flush what draining queued before deciding; end-of-turn work is where connections write.
        runEndOfTurn();
        if (drained || System.nanoTime() - closeDeadlineNanos >= 0) {
            if (!drained) {
                log.warn("reactor {}: grace period {} over, closing channels with unsent data", name, grace);
            }
            state = State.CLOSED;
        }
    }

    private List<IoHandler> handlers() {
        List<IoHandler> handlers = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof IoHandler handler) {
                handlers.add(handler);
            }
        }
        return handlers;
    }

    private void closeAllChannels() {
        state = State.CLOSED;
        if (!selector.isOpen()) {
            return;
        }
        for (IoHandler handler : handlers()) {
            try {
                handler.closeForShutdown();
            } catch (Throwable t) {
                log.warn("closing a channel failed on reactor {}", name, t);
            }
        }
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

    /** A timer-heap entry: ordered by deadline, then by scheduling order so equal deadlines run FIFO. */
    private final class ScheduledTask implements Timeout, Comparable<ScheduledTask> {
        final Runnable task;
        final long periodNanos;
        long deadlineNanos;
        long sequence;
        volatile boolean cancelled;

        ScheduledTask(long deadlineNanos, long periodNanos, Runnable task) {
            this.deadlineNanos = deadlineNanos;
            this.periodNanos = periodNanos;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            if (cancelled) {
                return false;
            }
            cancelled = true;
            if (inLoop()) {
                cancelledTimers++;
            }
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public int compareTo(ScheduledTask o) {
            long d = deadlineNanos - o.deadlineNanos;
            if (d != 0) {
                return d < 0 ? -1 : 1;
            }
            return Long.compare(sequence, o.sequence);
        }
    }
}
