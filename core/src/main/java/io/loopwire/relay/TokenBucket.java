package io.loopwire.relay;

/**
 * A token bucket over two quantities at once (datagrams and bytes): each refills at its rate per second up to its
 * burst; a take succeeds only if both have enough. Clock-free: the caller passes {@code System.nanoTime()}.
 *
 * @implNote Owned by one thread (the reactor's); allocates nothing.
 */
final class TokenBucket {
    private final double datagramsPerNano;
    private final double bytesPerNano;
    private final double datagramBurst;
    private final double byteBurst;
    private double datagrams;
    private double bytes;
    private long lastNanos;

    /** Rates per second; the bursts are {@code burstNanos} worth of them. Starts full. */
    TokenBucket(long datagramsPerSecond, long bytesPerSecond, long burstNanos, long nowNanos) {
        this.datagramsPerNano = datagramsPerSecond / 1e9;
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.datagramBurst = Math.max(1, datagramsPerNano * burstNanos);
        this.byteBurst = Math.max(1, bytesPerNano * burstNanos);
        this.datagrams = datagramBurst;
        this.bytes = byteBurst;
        this.lastNanos = nowNanos;
    }

    /** Takes {@code count} datagrams of {@code byteCount} bytes in all if both buckets hold enough. */
    boolean tryTake(int count, long byteCount, long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            lastNanos = nowNanos;
            datagrams = Math.min(datagramBurst, datagrams + elapsed * datagramsPerNano);
            bytes = Math.min(byteBurst, bytes + elapsed * bytesPerNano);
        }
        if (datagrams < count || bytes < byteCount) {
            return false;
        }
        datagrams -= count;
        bytes -= byteCount;
        return true;
    }
}
