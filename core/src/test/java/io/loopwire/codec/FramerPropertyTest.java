package io.loopwire.codec;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Frames in equal frames out: random frames are encoded into one stream, cut at random points, and fed through a
 * {@link CarryHarness} whose carry is exactly {@code maxFrameBytes + maxOverheadBytes}. Each case has its own seed,
 * printed on failure; rerun one with {@code -Dloopwire.codec.seed=<master seed>} or by calling {@code runCase}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FramerPropertyTest {

    static final long MASTER_SEED = Long.getLong("loopwire.codec.seed", 0x100F_3173L);
    static final int CASES = 10_000;

    @Test
    void lineFramerReturnsTheLinesItWasGiven() {
        Random master = new Random(MASTER_SEED);
        for (int i = 0; i < CASES; i++) {
            long seed = master.nextLong();
            Random r = new Random(seed);
            int max = randomMax(r);
            List<byte[]> frames = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int n = r.nextInt(12); n > 0; n--) {
                byte[] payload = randomPayload(r, max);
                for (int j = 0; j < payload.length; j++) {
                    while (payload[j] == '\n') {
                        payload[j] = randomByte(r);
                    }
                }
                if (payload.length > 0 && payload[payload.length - 1] == '\r') {
                    payload[payload.length - 1] = 'x';
                }
                frames.add(payload);
                stream.writeBytes(payload);
                stream.writeBytes(r.nextBoolean() ? new byte[] {'\n'} : new byte[] {'\r', '\n'});
            }
            check(new LineFramer(max), seed, r, frames, stream.toByteArray());
        }
    }

    @Test
    void lengthPrefixFramerReturnsTheFramesItWasGiven() {
        Random master = new Random(MASTER_SEED + 1);
        for (int i = 0; i < CASES; i++) {
            long seed = master.nextLong();
            Random r = new Random(seed);
            int prefixBytes = r.nextBoolean() ? 2 : 4;
            int max = randomMax(r);
            List<byte[]> frames = new ArrayList<>();
            ByteBuffer stream = ByteBuffer.allocate(12 * (max + 4));
            for (int n = r.nextInt(12); n > 0; n--) {
                byte[] payload = randomPayload(r, max);
                frames.add(payload);
                LengthPrefixFramer.writeLength(stream, prefixBytes, payload.length);
                stream.put(payload);
            }
            byte[] bytes = new byte[stream.flip().remaining()];
            stream.get(bytes);
            check(new LengthPrefixFramer(prefixBytes, max), seed, r, frames, bytes);
        }
    }

    @Test
    void rawFramerReturnsEachReadInMaxSizedChunks() {
        Random master = new Random(MASTER_SEED + 2);
        for (int i = 0; i < CASES; i++) {
            long seed = master.nextLong();
            Random r = new Random(seed);
            int max = randomMax(r);
            List<byte[]> reads = new ArrayList<>();
            List<byte[]> expected = new ArrayList<>();
            for (int n = r.nextInt(8); n > 0; n--) {
                byte[] read = new byte[r.nextInt(3 * max + 2)];
                r.nextBytes(read);
                reads.add(read);
                for (int off = 0; off < read.length; off += max) {
                    byte[] piece = new byte[Math.min(max, read.length - off)];
                    System.arraycopy(read, off, piece, 0, piece.length);
                    expected.add(piece);
                }
            }
            CarryHarness h = new CarryHarness(new RawFramer(max), r.nextBoolean());
            try {
                for (byte[] read : reads) {
                    h.feed(read);
                }
            } catch (Throwable e) {
                throw new AssertionError("seed " + seed + ": " + e, e);
            }
            String diff = Bytes.firstDifference(expected, h.frames);
            if (diff != null || h.carried() != 0) {
                fail("seed %d, max %d: %s, carried %d", seed, max, diff, h.carried());
            }
        }
    }

    private static void check(Framer framer, long seed, Random r, List<byte[]> frames, byte[] stream) {
        CarryHarness h = new CarryHarness(framer, r.nextBoolean());
        try {
            for (int[] cut : randomCuts(r, stream.length, framer.maxFrameBytes())) {
                h.feed(stream, cut[0], cut[1]);
            }
        } catch (Throwable e) {
            throw new AssertionError("seed " + seed + ", " + framer + ": " + e, e);
        }
        String diff = Bytes.firstDifference(frames, h.frames);
        if (diff != null || h.carried() != 0) {
            fail("seed %d, %s: %s, carried %d", seed, framer, diff, h.carried());
        }
    }

    /** Mostly small limits, so frames often straddle the carry's edge; sometimes over 255 to use both length bytes. */
    static int randomMax(Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return 1 + r.nextInt(3);
            case 1:
                return 1 + r.nextInt(300);
            default:
                return 1 + r.nextInt(24);
        }
    }

    static byte[] randomPayload(Random r, int max) {
        int length;
        switch (r.nextInt(5)) {
            case 0:
                length = 0;
                break;
            case 1:
                length = max;
                break;
            default:
                length = r.nextInt(max + 1);
        }
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = randomByte(r);
        }
        return payload;
    }

    /** Framing bytes and extremes more often than chance would give them. */
    static byte randomByte(Random r) {
        switch (r.nextInt(8)) {
            case 0:
                return '\r';
            case 1:
                return '\n';
            case 2:
                return 0;
            case 3:
                return (byte) 0xFF;
            default:
                return (byte) r.nextInt(256);
        }
    }

    /** Cuts {@code [0, length)} into consecutive {offset, length} reads: single bytes, random sizes, or one read. */
    static List<int[]> randomCuts(Random r, int length, int max) {
        List<int[]> cuts = new ArrayList<>();
        int mode = r.nextInt(4);
        for (int off = 0; off < length; ) {
            int n;
            if (mode == 0) {
                n = 1;
            } else if (mode == 3) {
                n = length - off;
            } else {
                n = 1 + r.nextInt(Math.min(length - off, 2 * max + 8));
            }
            n = Math.min(n, length - off);
            cuts.add(new int[] {off, n});
            off += n;
        }
        return cuts;
    }
}
