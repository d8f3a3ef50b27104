package io.loopwire;

import io.loopwire.loop.EndOfTurn;
import io.loopwire.loop.InputWaiter;
import io.loopwire.loop.IoHandler;
import io.loopwire.loop.Loop;
import io.loopwire.loop.Revisit;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transports' side of one {@link Reactor} (the {@link Loop} that {@code LoopAccess.of} finds): registering
 * channels, the loop-shared buffers, the turn number, and what channels defer within a turn: revisits (run next
 * turn, right after the ready channels) and end-of-turn work (run once the turn's channels, timers and tasks are
 * done). Each run covers what was queued before it began; what the run itself queues waits for the next turn, so
 * neither phase can hold the loop.
 *
 * @implNote Loop thread only (registering, the read buffer and the turn also before the loop has started). Nothing
 *     here allocates per call: the lists are swapped or copied element by element.
 */
final class Plumbing implements Loop {
    private static final Logger log = LoggerFactory.getLogger(Plumbing.class);

    private final Reactor reactor;
    private final Selector selector;
    private final String reactorName;
    private final ReactorStats stats;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(Reactor.READ_BUFFER_BYTES);
    /** Linux's IOV_MAX: the most buffers one gathering write takes. */
    private final ByteBuffer[] gatherScratch = new ByteBuffer[1024];
    private long turn;
    private final ArrayList<Runnable> endOfTurn = new ArrayList<>();
    private final ArrayList<Runnable> endOfTurnRunning = new ArrayList<>();
    private ArrayList<Runnable> revisits = new ArrayList<>();
    private ArrayList<Runnable> revisitsRunning = new ArrayList<>();
    /** Holds on input now in force; input is read only while this is 0. */
    private int inputHolds;
    private ArrayList<InputWaiter> parked = new ArrayList<>();
    private ArrayList<InputWaiter> parkedRunning = new ArrayList<>();

    Plumbing(Reactor reactor, String reactorName, Selector selector, ReactorStats stats) {
        this.reactor = reactor;
        this.selector = selector;
        this.reactorName = reactorName;
        this.stats = stats;
    }

    @Override
    public SelectionKey register(SelectableChannel channel, int ops, IoHandler handler) throws ClosedChannelException {
        assert reactor.inLoopOrNotStarted() : "register off the loop thread";
        if (reactor.isClosing()) {
            throw new ClosedChannelException();
        }
        return channel.register(selector, ops, handler);
    }

    @Override
    public void runAtEndOfTurn(EndOfTurn work) {
        runAtEndOfTurn((Runnable) work);
    }

    /** {@link Reactor#runAtEndOfTurn}: users' work joins the transports' in one queue, in the order queued. */
    void runAtEndOfTurn(Runnable work) {
        assert reactor.inLoop() : "runAtEndOfTurn off the loop thread";
        endOfTurn.add(work);
    }

    @Override
    public void revisitNextTurn(Revisit revisit) {
        revisitNextTurn((Runnable) revisit);
    }

    /** {@link Reactor#runNextTurn}: users' work joins the transports' revisits, in the order queued. */
    void revisitNextTurn(Runnable revisit) {
        assert reactor.inLoop() : "revisitNextTurn off the loop thread";
        revisits.add(revisit);
    }

    @Override
    public ByteBuffer readBuffer() {
        assert reactor.inLoopOrNotStarted() : "readBuffer off the loop thread";
        return readBuffer;
    }

    @Override
    public ByteBuffer[] gatherScratch() {
        assert reactor.inLoop() : "gatherScratch off the loop thread";
        return gatherScratch;
    }

    @Override
    public long turn() {
        assert reactor.inLoopOrNotStarted() : "turn off the loop thread";
        return turn;
    }

    @Override
    public void holdInput() {
        assert reactor.inLoopOrNotStarted() : "holdInput off the loop thread";
        inputHolds++;
    }

    @Override
    public void releaseInput() {
        assert reactor.inLoopOrNotStarted() : "releaseInput off the loop thread";
        if (inputHolds <= 0) {
            throw new IllegalStateException("releaseInput without a hold");
        }
        if (--inputHolds > 0 || parked.isEmpty()) {
            return;
        }
        // Swap: a waiter that parks again (a new hold taken inside the call) lands in the fresh list.
        ArrayList<InputWaiter> running = parked;
        parked = parkedRunning;
        parkedRunning = running;
        for (int i = 0; i < running.size(); i++) {
            try {
                running.get(i).onInputReleased();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                stats.handlerErrors++;
                log.warn("resuming input failed on reactor {}", reactorName, t);
            }
        }
        running.clear();
    }

    @Override
    public boolean inputHeld() {
        return inputHolds > 0;
    }

    @Override
    public void parkUntilInputReleased(InputWaiter waiter) {
        assert reactor.inLoop() : "parkUntilInputReleased off the loop thread";
        if (inputHolds == 0) {
            waiter.onInputReleased();
        } else {
            parked.add(waiter);
        }
    }

    /**
     * The reactor is closing: asks each channel to stop taking input and flush (a channel that throws is failed).
     * Returns whether every channel has nothing left to write.
     */
    boolean drainChannels() {
        boolean drained = true;
        for (IoHandler handler : handlers()) {
            try {
                drained &= handler.drainForShutdown();
            } catch (Throwable t) {
                handler.fail(t);
            }
        }
        return drained;
    }

    /** The grace period is over (or the loop stops hard): closes every channel now. */
    void closeChannels() {
        for (IoHandler handler : handlers()) {
            try {
                handler.closeForShutdown();
            } catch (Throwable t) {
                log.warn("closing a channel failed on reactor {}", reactorName, t);
            }
        }
    }

    /** A copy: a handler may register or close channels meanwhile, and the key set must not change under us. */
    private List<IoHandler> handlers() {
        List<IoHandler> handlers = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof IoHandler handler) {
                handlers.add(handler);
            }
        }
        return handlers;
    }

    /** A turn begins. */
    void nextTurn() {
        turn++;
    }

    /** Whether work waits, so the next select must not block. */
    boolean hasWork() {
        return !revisits.isEmpty() || !endOfTurn.isEmpty();
    }

    void runRevisits() {
        if (revisits.isEmpty()) {
            return;
        }
        // Swap: a revisit that asks again (its share used up once more) lands in the fresh list, for the next turn.
        ArrayList<Runnable> running = revisits;
        revisits = revisitsRunning;
        revisitsRunning = running;
        for (int i = 0; i < running.size(); i++) {
            try {
                running.get(i).run();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                stats.handlerErrors++;
                log.warn("revisit failed on reactor {}", reactorName, t);
            }
        }
        running.clear();
    }

    void runEndOfTurn() {
        // One pass over what the turn queued. End-of-turn work may queue more (a flush that drains a queue tells a
        // handler it may send again, and it refills): that runs at the end of the next turn, after select and timers,
        // so a handler that refills on every drain cannot keep the loop in this phase.
        for (int i = 0; i < endOfTurn.size(); i++) {
            endOfTurnRunning.add(endOfTurn.get(i)); // not addAll: it copies through a new array every turn
        }
        endOfTurn.clear();
        for (int i = 0; i < endOfTurnRunning.size(); i++) {
            Runnable work = endOfTurnRunning.get(i);
            try {
                work.run();
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                stats.taskErrors++;
                log.warn("end-of-turn work failed on reactor {}", reactorName, t);
            }
        }
        endOfTurnRunning.clear();
    }
}
