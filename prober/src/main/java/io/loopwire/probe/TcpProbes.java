package io.loopwire.probe;

import io.loopwire.Reactor;
import io.loopwire.tcp.TcpClient;
import io.loopwire.tcp.TcpConnection;
import io.loopwire.tcp.TcpHandler;
import io.loopwire.tls.TlsConfig;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@link ProbeKind#TCP} and {@link ProbeKind#TLS}: one probe is one connect (for TLS, connect and handshake) through
 * a {@link TcpClient} on the prober's reactor, timed from the call to the established connection (SYN to SYN-ACK
 * plus the loop's turn, as blackbox_exporter's {@code tcp} module), then closed at once. A refused, unreachable or
 * timed-out connect is a loss, with its reason kept on the target. One connect per target is in flight at most (the
 * client's connect timeout is the classifier's timeout), so rounds reach the prober in send order.
 *
 * <p>Unlike the echo kinds, a TCP probe allocates: a socket channel, a connection and a future per probe (the kernel
 * side of a connect dwarfs them).
 *
 * <p>The JVM's first TLS handshake loads and compiles the TLS stack, 0.2–1.5 s that belong to the monitor, not to the
 * link (a fresh monitor would call every {@code tls://} target VERY_SLOW at start and alert on it). So the first TLS
 * probe is preceded by one warm-up handshake to the same target, not counted anywhere; TLS probes due meanwhile wait
 * for it and then start, each timed from its own connect.
 *
 * @implNote Reactor thread only.
 */
final class TcpProbes {
    static final String REFUSED = "refused";
    static final String TIMEOUT = "timeout";
    static final String UNREACHABLE = "unreachable";
    static final String ERROR = "error";

    private static final TcpHandler DISCARD = (connection, frame) -> connection.close();

    static final String HANDSHAKE = "handshake";

    private final LatencyProber prober;
    private final TcpClient client;
    private final TcpClient tlsClient;
    private final CertificateRecorder certificates;
    private boolean tlsWarm;
    private boolean closed;
    /** TLS probes waiting for the warm-up handshake, in the order they came due; null unless it is under way. */
    private List<ProbeTarget> waitingForWarmUp;

    /** {@code certificates}: the TLS probes' trust manager, or null when no TLS target may come. */
    TcpProbes(LatencyProber prober, Reactor reactor, Duration timeout, CertificateRecorder certificates) {
        this.prober = prober;
        this.client = TcpClient.builder(reactor).handler(DISCARD).connectTimeout(timeout).build();
        this.certificates = certificates;
        this.tlsClient = certificates == null ? null : TcpClient.builder(reactor).handler(DISCARD)
                .connectTimeout(timeout)
                .tls(TlsConfig.client(certificates.context()).handshakeTimeout(timeout).build())
                .build();
    }

    /** Starts a connect to {@code target}; false (skipped) while its previous one is still in flight. */
    boolean probe(ProbeTarget target) {
        if (target.connecting) {
            return false;
        }
        target.connecting = true;
        if (target.kind() == ProbeKind.TLS && !tlsWarm) {
            afterWarmUp(target);
        } else {
            connect(target);
        }
        return true;
    }

    private void connect(ProbeTarget target) {
        final long start = System.nanoTime();
        TcpClient via = target.kind() == ProbeKind.TLS ? tlsClient : client;
        via.connect(target.address()).whenComplete((connection, error) -> done(target, start, connection, error));
    }

    /** Queues {@code target}'s probe behind the warm-up handshake, starting that with the first one. */
    private void afterWarmUp(ProbeTarget target) {
        if (waitingForWarmUp == null) {
            waitingForWarmUp = new ArrayList<>();
            tlsClient.connect(target.address()).whenComplete((connection, error) -> warmedUp(target, connection));
        }
        waitingForWarmUp.add(target);
    }

    private void warmedUp(ProbeTarget first, TcpConnection connection) {
        if (connection != null) {
            connection.close();
        }
        certificates.take(first.address().getHostString(), first.address().getPort()); // the real probe reports it
        tlsWarm = true;
        if (closed) {
            return;
        }
        List<ProbeTarget> waiting = waitingForWarmUp;
        waitingForWarmUp = null;
        for (ProbeTarget target : waiting) {
            if (target.removed) {
                target.connecting = false;
            } else {
                connect(target);
            }
        }
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
        if (target.kind() == ProbeKind.TLS) {
            certificate(target, certificates.take(target.address().getHostString(), target.address().getPort()));
        }
        if (error == null) {
            prober.replied(target, now - startNanos, now);
        } else {
            prober.lost(target, startNanos, reason(error));
        }
    }

    /** Records what the handshake showed of the certificate; tells the prober when it changed. */
    private void certificate(ProbeTarget target, CertificateRecorder.Result result) {
        if (result == null) {
            return; // no certificate reached us (refused, timed out before the server's answer)
        }
        String problem = result.problem();
        if (problem == null && result.notAfterMillis() >= 0 && result.notAfterMillis() < System.currentTimeMillis()) {
            // A self-signed certificate given as its own trust anchor is not date-checked by the JDK: we do.
            problem = "expired: on " + java.time.Instant.ofEpochMilli(result.notAfterMillis());
        }
        if (result.notAfterMillis() != target.certNotAfterMillis
                || !java.util.Objects.equals(problem, target.certProblem)) {
            target.certNotAfterMillis = result.notAfterMillis();
            target.certProblem = problem;
            prober.certificateChanged(target);
        }
    }

    /** Why a connect failed, from the JDK's exception (its type, else its message). */
    static String reason(Throwable error) {
        Throwable e = error;
        while (e.getCause() != null && e.getCause() != e && !(e instanceof java.io.IOException)) {
            e = e.getCause(); // CompletionException around the IOException
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return HANDSHAKE;
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
        closed = true;
        client.close();
        if (tlsClient != null) {
            tlsClient.close();
        }
    }
}
