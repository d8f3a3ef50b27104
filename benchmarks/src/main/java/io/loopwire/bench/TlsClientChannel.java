package io.loopwire.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client end of a TLS connection for the load tools: a JDK {@link SSLEngine} over a {@link SocketChannel}, with
 * the handshake done blocking ({@link #handshake}) and the data phase nonblocking, so many clients share one selector
 * as {@link RelayLoad}'s plaintext clients do. {@link #read} and {@link #write} take and give plaintext.
 *
 * <p>Ciphertext can stay buffered here after a call: input already read from the socket
 * ({@link #hasBufferedInput}: the caller must call {@link #read} again without waiting for the selector) and output
 * the socket did not take ({@link #hasPendingOutput}: wait for {@code OP_WRITE}).
 *
 * @implNote Not thread-safe: one thread (the load generator's selector thread) owns each instance.
 */
public final class TlsClientChannel {
    /** TLS versions the clients offer: the same two the loopwire server enables. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final ByteBuffer netIn;
    private final ByteBuffer netOut;
    private final ByteBuffer scratch; // plaintext landing space while handshaking
    private final int packetSize;
    private boolean inboundDone;

    private TlsClientChannel(SocketChannel channel, SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(2 * packetSize);
        this.netOut = ByteBuffer.allocate(4 * packetSize);
        this.scratch = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    /**
     * Completes a TLS handshake on a connected, still blocking {@code channel} and returns the channel's TLS end;
     * the caller may then switch the channel to nonblocking.
     *
     * @param cipherSuite one suite to offer, or null for the JDK's defaults
     */
    public static TlsClientChannel handshake(SocketChannel channel, SSLContext context, String cipherSuite)
            throws IOException {
        InetSocketAddress peer = (InetSocketAddress) channel.getRemoteAddress();
        SSLEngine engine = context.createSSLEngine(peer.getHostString(), peer.getPort());
        engine.setUseClientMode(true);
        configure(engine, cipherSuite);
        TlsClientChannel tls = new TlsClientChannel(channel, engine);
        tls.driveHandshake();
        return tls;
    }

    /** Offers TLS 1.3 and 1.2 only, and {@code cipherSuite} alone if not null. */
    public static void configure(SSLEngine engine, String cipherSuite) {
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        if (cipherSuite != null) {
            p.setCipherSuites(new String[] {cipherSuite});
        }
        engine.setSSLParameters(p);
    }

    /**
     * A client context that trusts exactly the certificates in the PEM file {@code caOrCert} (the test CA, or the
     * self-signed server certificate itself). No client certificate.
     */
    public static SSLContext trusting(Path caOrCert) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers(caOrCert), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a TLS context: " + e, e);
        }
    }

    /** Trust managers that trust exactly the certificates in the PEM file {@code caOrCert}. */
    public static TrustManager[] trustManagers(Path caOrCert) throws IOException {
        try (InputStream in = Files.newInputStream(caOrCert)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IOException("no certificate in " + caOrCert);
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + caOrCert + ": " + e, e);
        }
    }

    /** {@code TLSv1.3/TLS_AES_256_GCM_SHA384}: what was negotiated. */
    public String negotiated() {
        return engine.getSession().getProtocol() + "/" + engine.getSession().getCipherSuite();
    }

    public SocketChannel channel() {
        return channel;
    }

    private void driveHandshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), netOut);
                    flushBlocking();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("engine closed during the handshake");
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, scratch);
                    netIn.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                            && channel.read(netIn) < 0) {
                        throw new SSLException("server closed during the handshake");
                    }
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("server ended the handshake");
                    }
                }
                case NEED_TASK -> runTasks();
                default -> {
                    flushBlocking();
                    return;
                }
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private void flushBlocking() throws IOException {
        netOut.flip();
        while (netOut.hasRemaining()) {
            channel.write(netOut);
        }
        netOut.clear();
    }

    /**
     * Unwraps into {@code dst} what is available: ciphertext kept from before first, then one socket read.
     *
     * @return plaintext bytes added to {@code dst}; 0 if none now; -1 at the end of the stream (close_notify or FIN)
     */
    public int read(ByteBuffer dst) throws IOException {
        int produced = unwrapInto(dst);
        if (produced > 0 || inboundDone) {
            return produced > 0 ? produced : -1;
        }
        int got = channel.read(netIn);
        produced = unwrapInto(dst);
        if (produced > 0) {
            return produced;
        }
        return got < 0 || inboundDone ? -1 : 0;
    }

    private int unwrapInto(ByteBuffer dst) throws IOException {
        int before = dst.position();
        netIn.flip();
        try {
            while (netIn.hasRemaining()) {
                SSLEngineResult r = engine.unwrap(netIn, dst);
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    inboundDone = true;
                    break;
                }
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    break; // UNDERFLOW: half a record; OVERFLOW: dst full, the caller empties it and comes back
                }
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                    wrapInto(ByteBuffer.allocate(0)); // a TLS 1.3 key update asks for an answer
                }
            }
        } finally {
            netIn.compact();
        }
        return dst.position() - before;
    }

    /** Whether a whole record is already here (call {@link #read} again before selecting). */
    public boolean hasBufferedInput() {
        if (inboundDone || netIn.position() < 5) {
            return false;
        }
        int length = ((netIn.get(3) & 0xff) << 8) | (netIn.get(4) & 0xff);
        return netIn.position() >= 5 + length;
    }

    /**
     * Wraps as much of {@code src} as fits into the outgoing ciphertext and writes what the socket takes.
     *
     * @return plaintext bytes taken from {@code src}
     */
    public int write(ByteBuffer src) throws IOException {
        int taken = wrapInto(src);
        flush();
        if (src.hasRemaining() && !hasPendingOutput()) {
            taken += wrapInto(src);
            flush();
        }
        return taken;
    }

    private int wrapInto(ByteBuffer src) throws SSLException {
        int before = src.position();
        do {
            if (netOut.remaining() < packetSize) {
                break;
            }
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() != SSLEngineResult.Status.OK) {
                break;
            }
        } while (src.hasRemaining());
        return src.position() - before;
    }

    /** Writes pending ciphertext; returns false if some is left (wait for {@code OP_WRITE}). */
    public boolean flush() throws IOException {
        netOut.flip();
        try {
            channel.write(netOut);
        } finally {
            netOut.compact();
        }
        return netOut.position() == 0;
    }

    public boolean hasPendingOutput() {
        return netOut.position() > 0;
    }

    /** Sends {@code close_notify} if the socket takes it at once, then closes the socket. */
    public void close() {
        try {
            engine.closeOutbound();
            wrapInto(ByteBuffer.allocate(0));
            flush();
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
