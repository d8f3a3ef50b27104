package io.loopwire.relay;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless address-validation tokens, as SYN cookies and QUIC's Retry tokens: the token for an address is an HMAC
 * (SHA-256, truncated to {@value #TOKEN_BYTES} bytes, sent as hex) over the address, the port and a time bucket, keyed
 * by a secret drawn once per process. Nothing is stored for a source that never validates; a token is accepted for
 * the bucket it was made in and the one after ({@link #BUCKET_NANOS} to two buckets of validity), and only from the
 * address it was made for.
 *
 * @implNote Reactor thread only (the {@link Mac} and scratch arrays are reused); allocates nothing for IPv4 sources.
 */
final class AddressValidator {
    static final int TOKEN_BYTES = 16;
    /** Length of a token in hex characters. */
    static final int TOKEN_CHARS = 2 * TOKEN_BYTES;
    static final long BUCKET_NANOS = 60_000_000_000L;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;
    private final long originNanos = System.nanoTime();
    private final byte[] input = new byte[16 + 2 + 8];
    private final byte[] digest = new byte[32];
    private final byte[] hex = new byte[TOKEN_CHARS];

    AddressValidator() {
        try {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java SE platform", e);
        }
    }

    /** Writes the token for {@code source} now into {@code out} ({@value #TOKEN_CHARS} hex characters). */
    void token(InetSocketAddress source, long nowNanos, ByteBuffer out) {
        compute(source, bucket(nowNanos));
        out.put(hex);
    }

    /** Whether {@code token}'s remaining bytes are a valid token for {@code source} now. */
    boolean isValid(InetSocketAddress source, ByteBuffer token, long nowNanos) {
        if (token.remaining() != TOKEN_CHARS) {
            return false;
        }
        long bucket = bucket(nowNanos);
        return matches(source, bucket, token) || matches(source, bucket - 1, token);
    }

    private boolean matches(InetSocketAddress source, long bucket, ByteBuffer token) {
        compute(source, bucket);
        int p = token.position();
        int diff = 0;
        for (int i = 0; i < TOKEN_CHARS; i++) {
            diff |= hex[i] ^ token.get(p + i); // constant time: no early exit on the first wrong character
        }
        return diff == 0;
    }

    private long bucket(long nowNanos) {
        return (nowNanos - originNanos) / BUCKET_NANOS;
    }

    private void compute(InetSocketAddress source, long bucket) {
        int n;
        if (source.getAddress() instanceof Inet4Address v4) {
            int a = v4.hashCode(); // an Inet4Address's hash is its address, without the byte[] getAddress() copies
            input[0] = (byte) (a >>> 24);
            input[1] = (byte) (a >>> 16);
            input[2] = (byte) (a >>> 8);
            input[3] = (byte) a;
            n = 4;
        } else {
            byte[] a = source.getAddress().getAddress();
            System.arraycopy(a, 0, input, 0, a.length);
            n = a.length;
        }
        int port = source.getPort();
        input[n++] = (byte) (port >>> 8);
        input[n++] = (byte) port;
        for (int shift = 56; shift >= 0; shift -= 8) {
            input[n++] = (byte) (bucket >>> shift);
        }
        mac.update(input, 0, n);
        try {
            mac.doFinal(digest, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e); // 32 bytes is SHA-256's output
        }
        for (int i = 0; i < TOKEN_BYTES; i++) {
            hex[2 * i] = HEX[(digest[i] >>> 4) & 0xF];
            hex[2 * i + 1] = HEX[digest[i] & 0xF];
        }
    }
}
