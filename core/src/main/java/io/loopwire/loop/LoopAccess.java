package io.loopwire.loop;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Finds a reactor's {@link Loop}. The reactor installs the finder from its static initializer (the JDK's "shared
 * secrets" pattern), so the plumbing is reachable from the transports through this non-exported package while
 * {@code Reactor}'s public face shows none of it. Typed by {@link Executor} (what a {@code Reactor} is) so that this
 * package needs nothing from {@code io.loopwire}: no package cycle.
 *
 * @implNote Thread-safe. {@link #of} allocates nothing: callers may call it once and keep the result.
 */
public final class LoopAccess {
    private static volatile Function<Executor, Loop> finder;

    private LoopAccess() {
    }

    /**
     * The plumbing of {@code reactor}.
     *
     * @throws ClassCastException if {@code reactor} is not an {@code io.loopwire.Reactor}
     */
    public static Loop of(Executor reactor) {
        Objects.requireNonNull(reactor, "reactor");
        // A Reactor instance exists, so its class is initialised and the finder installed.
        return finder.apply(reactor);
    }

    /**
     * Installs the finder; called once, by {@code Reactor}'s static initializer.
     *
     * @throws IllegalStateException if one is installed already
     */
    public static synchronized void install(Function<Executor, Loop> reactorFinder) {
        if (finder != null) {
            throw new IllegalStateException("the loop finder is installed already");
        }
        finder = Objects.requireNonNull(reactorFinder, "reactorFinder");
    }
}
