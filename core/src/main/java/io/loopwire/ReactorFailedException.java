package io.loopwire;

/**
 * Thrown by {@link Reactor#run()} when the loop stopped on a fatal error instead of a {@link Reactor#close()}; the
 * cause is the error. A process running its loop this way should exit non-zero so a supervisor notices.
 */
public final class ReactorFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReactorFailedException(String reactorName, Throwable cause) {
        super("reactor " + reactorName + " stopped: " + cause, cause);
    }
}
