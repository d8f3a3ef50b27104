package io.loopwire.probe;

import io.loopwire.tls.PemFiles;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of {@code tls://} probes: it asks the real one (the JDK's trust store, or the {@code --tls-ca}
 * certificates) whether the server's chain is valid for the host probed, records the answer and the leaf's
 * {@code notAfter} for the probe to pick up, and then lets the handshake finish either way. A probe sends no data and
 * closes at once, so accepting a bad certificate risks nothing, and it lets the handshake time be measured and the
 * certificate be judged apart from the link's latency state (as blackbox_exporter reports both).
 *
 * @implNote Thread-safe: the JDK calls it on the engine's delegated-task threads; the probe takes the result on the
 *     loop after the handshake completed (the connection's hand-off to the loop orders the two).
 */
final class CertificateRecorder extends X509ExtendedTrustManager {
    /** What the server showed: its leaf's expiry (Unix millis) and why the chain is not valid (null if valid). */
    record Result(long notAfterMillis, String problem) {
    }

    private final X509ExtendedTrustManager real;
    private final Map<String, Result> results = new ConcurrentHashMap<>();

    private CertificateRecorder(X509ExtendedTrustManager real) {
        this.real = real;
    }

    /** Trusting {@code cas}, or the JDK's trust store when null. Blocks (reads the trust store): not on the loop. */
    static CertificateRecorder trusting(List<X509Certificate> cas) {
        try {
            TrustManager[] managers;
            if (cas == null) {
                TrustManagerFactory factory = TrustManagerFactory.getInstance(
                        TrustManagerFactory.getDefaultAlgorithm());
                factory.init((KeyStore) null);
                managers = factory.getTrustManagers();
            } else {
                managers = PemFiles.trustManagers(cas);
            }
            for (TrustManager m : managers) {
                if (m instanceof X509ExtendedTrustManager x) {
                    return new CertificateRecorder(x);
                }
            }
            throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the trust store: " + e.getMessage(), e);
        }
    }

    /** A client context whose only trust manager is this one. */
    SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {this}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    /** The result recorded for the handshake with {@code host:port}, removed; null if none was recorded. */
    Result take(String host, int port) {
        return results.remove(host + ":" + port);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        String problem = null;
        try {
            real.checkServerTrusted(chain, authType, engine); // chain and, with the engine's parameters, host name
        } catch (CertificateException e) {
            problem = describe(e);
        }
        long notAfter = chain.length == 0 ? -1 : chain[0].getNotAfter().getTime();
        results.put(engine.getPeerHost() + ":" + engine.getPeerPort(), new Result(notAfter, problem));
    }

    /** A short reason from the JDK's exception (its messages are long chains of causes). */
    static String describe(CertificateException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(e.getMessage());
        String rootMessage = String.valueOf(root.getMessage());
        if (message.contains("No subject alternative") || message.contains("No name matching")) {
            return "wrong host name: " + message;
        }
        if (root instanceof java.security.cert.CertificateExpiredException) {
            return "expired: " + rootMessage;
        }
        if (root instanceof java.security.cert.CertificateNotYetValidException) {
            return "not yet valid: " + rootMessage;
        }
        return "not trusted: " + rootMessage;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        real.checkServerTrusted(chain, authType, socket); // probes use engines only
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        real.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a prober is never a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a prober is never a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a prober is never a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return real.getAcceptedIssuers();
    }
}
