package io.loopwire.probe;

import io.loopwire.Reactor;
import io.loopwire.tcp.TcpClient;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpHandler;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.util.Locale;

/**
 * {@link ProbeKind#TCP}: one probe is one connect through a {@link TcpClient} on the prober's reactor, timed from the
 * call to the established connection (SYN to SYN-ACK plus the loop's turn, as blackbox_exporter's {@code tcp}
 * module), then closed at once. A refused, unreachable or timed-out connect is a loss, with its reason kept on the
 * target. One connect per target is in flight at most (the client's connect timeout is the classifier's timeout), so
 * rounds reach the prober in send order.
 *
 * <p>Unlike the echo kinds, a TCP probe allocates: a socket channel, a connection and a future per probe (the kernel
 * side of a connect dwarfs them).
 *
 * @implNote Reactor thread only.
 */
final class TcpProbes {
    static final String REFUSED = "refused";
    static final String TIMEOUT = "timeout";
    static final String UNREACHABLE = "unreachable";
    static final String ERROR = "error";

    private static final TcpHandler DISCARD = (connection, frame) -> connection.close();

    private final LatencyProber prober;
    private final TcpClient client;

    TcpProbes(LatencyProber prober, Reactor reactor, Duration timeout) {
        this.prober = prober;
        this.client = TcpClient.builder(reactor).handler(DISCARD).connectTimeout(timeout).build();
    }

    /** Starts a connect to {@code target}; false (skipped) while its previous one is still in flight. */
    boolean probe(ProbeTarget target) {
        if (target.connecting) {
            return false;
        }
        target.connecting = true;
        final long start = System.nanoTime();
        client.connect(target.address()).whenComplete((connection, error) -> done(target, start, connection, error));
        return true;
    }

    private void done(ProbeTarget target, long startNanos, TcpConnection connection, Throwable error) {
        long now = System.nanoTime();
        target.connecting = false;
        if (connection != null) {
            connection.close();
        }
        if (target.removed) {
            return;
        }
        if (error == null) {
            prober.replied(target, now - startNanos, now);
        } else {
            prober.lost(target, startNanos, reason(error));
        }
    }

    /** Why a connect failed, from the JDK's exception (its type, else its message). */
    static String reason(Throwable error) {
        Throwable e = error;
        while (e.getCause() != null && e.getCause() != e && !(e instanceof java.io.IOException)) {
            e = e.getCause(); // CompletionException around the IOException
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (e instanceof NoRouteToHostException || e instanceof PortUnreachableException
                || message.contains("unreachable") || message.contains("no route")) {
            return UNREACHABLE;
        }
        if (message.contains("timed out")) {
            return TIMEOUT;
        }
        if (e instanceof ConnectException || message.contains("refused")) {
            return REFUSED;
        }
        return ERROR;
    }

    void close() {
        client.close();
    }
}
