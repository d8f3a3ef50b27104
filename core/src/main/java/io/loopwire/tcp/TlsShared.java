package io.loopwire.tcp;

import io.loopwire.tls.TlsConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the TLS connections of one group share on their loop: the config, the scratch buffers every connection wraps
 * into and reads ciphertext into (so an idle connection holds no packet buffer), a small pool of packet buffers for
 * connections that must keep ciphertext across turns (half a record in, or what the socket did not take out), and
 * the bounded log of failed handshakes.
 *
 * @implNote Reactor thread only.
 */
final class TlsShared {
    private static final Logger log = LoggerFactory.getLogger(TlsShared.class);
    /** The most plaintext one TLS record carries (RFC 8446 and 5246: 2^14 bytes). */
    static final int MAX_RECORD_PLAINTEXT = 16_384;
    /** Packet buffers kept for reuse at most; more than this in use are allocated and dropped. */
    private static final int POOLED_BUFFERS = 64;
    /** At most one log line about failed handshakes per this long; the others are counted in it. */
    private static final long FAILURE_LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    final TlsConfig config;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    /** One TLS record with its header, MAC and padding, the most a wrap writes. From the first engine's session. */
    private int packetBytes;
    /** The plaintext one record can hold, the room an unwrap asks for. */
    private int applicationBytes;
    /** Lent to one engine call at a time (see {@link #oneBuffer}). */
    private final ByteBuffer[] one = new ByteBuffer[1];
    private ByteBuffer scratchIn;
    private ByteBuffer scratchOut;
    /** One record's plaintext at most, gathered from a batch of short messages before a wrap. */
    private final ByteBuffer scratchPlain = ByteBuffer.allocate(MAX_RECORD_PLAINTEXT);
    private long lastFailureLogNanos = System.nanoTime() - FAILURE_LOG_EVERY_NANOS;
    private long failuresNotLogged;

    TlsShared(TlsConfig config) {
        this.config = config;
        // The sizes before any connection's engine exists (engines are made off the loop, by the handshake steps).
        SSLSession probe = config.newEngine(InetSocketAddress.createUnresolved("localhost", 443)).getSession();
        sizes(probe.getPacketBufferSize(), probe.getApplicationBufferSize());
    }

    /** Learns the record sizes from an engine's session (the JDK's are the same for every engine). */
    void sizes(int packet, int application) {
        if (packet > packetBytes) {
            packetBytes = packet;
            scratchIn = ByteBuffer.allocate(packet);
            scratchOut = ByteBuffer.allocate(packet);
            free.clear();
        }
        applicationBytes = Math.max(applicationBytes, application);
    }

    int packetBytes() {
        return packetBytes;
    }

    int applicationBytes() {
        return applicationBytes;
    }

    /** Ciphertext read from a socket goes here while it holds nothing for any connection (empty, read mode). */
    ByteBuffer scratchIn() {
        scratchIn.clear().flip();
        return scratchIn;
    }

    /** Wraps go here (cleared). */
    ByteBuffer scratchOut() {
        return scratchOut.clear();
    }

    /** {@code buffer} as a one-element array, for an engine call that takes arrays; the caller clears it after. */
    ByteBuffer[] oneBuffer(ByteBuffer buffer) {
        one[0] = buffer;
        return one;
    }

    /**
     * Copies the start of {@code srcs[offset..offset+length)}, up to one record's plaintext, into the scratch and
     * returns it in read mode; the sources' positions do not move ({@link #skip} moves them by what a wrap took).
     */
    ByteBuffer gatherPlaintext(ByteBuffer[] srcs, int offset, int length) {
        ByteBuffer plain = scratchPlain.clear();
        for (int i = offset; i < offset + length && plain.hasRemaining(); i++) {
            ByteBuffer src = srcs[i];
            int n = Math.min(src.remaining(), plain.remaining());
            plain.put(plain.position(), src, src.position(), n);
            plain.position(plain.position() + n);
        }
        return plain.flip();
    }

    /** Moves the positions of {@code srcs[offset..offset+length)} past {@code bytes}, in order. */
    static void skip(ByteBuffer[] srcs, int offset, int length, long bytes) {
        long left = bytes;
        for (int i = offset; i < offset + length && left > 0; i++) {
            ByteBuffer src = srcs[i];
            int n = (int) Math.min(src.remaining(), left);
            src.position(src.position() + n);
            left -= n;
        }
    }

    boolean isScratchIn(ByteBuffer buffer) {
        return buffer == scratchIn;
    }

    /** A packet buffer for a connection, cleared. */
    ByteBuffer take() {
        ByteBuffer b = free.pollFirst();
        return b != null ? b.clear() : ByteBuffer.allocate(packetBytes);
    }

    void give(ByteBuffer buffer) {
        if (free.size() < POOLED_BUFFERS && buffer.capacity() == packetBytes) {
            free.addFirst(buffer);
        }
    }

    /** Logs a failed handshake, at most one line per 10 s (the rest counted in the next line). */
    void handshakeFailed(String peer, String why) {
        long now = System.nanoTime();
        if (now - lastFailureLogNanos < FAILURE_LOG_EVERY_NANOS) {
            failuresNotLogged++;
            log.debug("TLS handshake with {} failed: {}", peer, why);
            return;
        }
        lastFailureLogNanos = now;
        if (failuresNotLogged > 0) {
            log.info("TLS handshake with {} failed: {} ({} more failed since the last such line)", peer, why,
                    failuresNotLogged);
        } else {
            log.info("TLS handshake with {} failed: {}", peer, why);
        }
        failuresNotLogged = 0;
    }
}
