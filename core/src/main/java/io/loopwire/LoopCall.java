package io.loopwire;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Reactor#call}'s two ways to run a task for its result: here (on the loop, or before it runs), or handed to
 * the loop and waited for, at most {@value #WAIT_SECONDS} s. Either way the task's checked exceptions arrive as
 * {@link IOException}, its unchecked ones as themselves.
 *
 * @implNote Thread-safe: no state.
 */
final class LoopCall {
    /** How long a caller off the loop waits for the task to run. */
    static final int WAIT_SECONDS = 10;

    private LoopCall() {
    }

    static <T> T callHere(Callable<T> task) throws IOException {
        try {
            return task.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    static <T> T callOnLoop(Executor loop, String name, Callable<T> task) throws IOException {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
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
            return result.get(WAIT_SECONDS, TimeUnit.SECONDS);
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
            throw new IOException("reactor " + name + " did not run the task within " + WAIT_SECONDS + " s", e);
        }
    }
}
