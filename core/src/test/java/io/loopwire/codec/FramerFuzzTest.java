package io.loopwire.codec;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Garbage in, cut at random points: a framer either delivers frames or throws {@link FrameTooLongException}, never
 * anything else, and never needs more carry than {@code maxFrameBytes + maxOverheadBytes} (the {@link CarryHarness}
 * checks that). What it delivers and whether it throws must not depend on where the stream was cut: both are compared
 * with a reference that reads the whole stream at once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FramerFuzzTest {

    static final int CASES = 10_000;

    @Test
    void lineFramerOnGarbageDeliversOrRejectsNeverCrashes() {
        Random master = new Random(FramerPropertyTest.MASTER_SEED + 10);
        for (int i = 0; i < CASES; i++) {
            long seed = master.nextLong();
            Random r = new Random(seed);
            int max = FramerPropertyTest.randomMax(r);
            byte[] stream = new byte[r.nextInt(4 * max + 16)];
            int newlineOdds = 2 + r.nextInt(max + 4);
            for (int j = 0; j < stream.length; j++) {
                int k = r.nextInt(newlineOdds);
                stream[j] = k == 0 ? (byte) '\n' : k == 1 ? (byte) '\r' : (byte) r.nextInt(256);
            }
            Expected expected = lineReference(stream, max);
            run(new LineFramer(max), seed, r, stream, expected);
        }
    }

    @Test
    void lengthPrefixFramerOnGarbageDeliversOrRejectsNeverCrashes() {
        Random master = new Random(FramerPropertyTest.MASTER_SEED + 11);
        for (int i = 0; i < CASES; i++) {
            long seed = master.nextLong();
            Random r = new Random(seed);
            int prefixBytes = r.nextBoolean() ? 2 : 4;
            int max = FramerPropertyTest.randomMax(r);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int n = r.nextInt(10); n > 0; n--) {
                if (r.nextInt(10) < 7) {
                    // A plausible frame, now and then a little over the limit.
                    int length = r.nextInt(12) == 0 ? max + 1 + r.nextInt(3) : r.nextInt(max + 1);
                    for (int b = prefixBytes - 1; b >= 0; b--) {
                        out.write(length >>> (8 * b));
                    }
                    byte[] payload = new byte[length];
                    r.nextBytes(payload);
                    out.writeBytes(payload);
                } else {
                    byte[] junk = new byte[r.nextInt(6)];
                    r.nextBytes(junk);
                    out.writeBytes(junk);
                }
            }
            byte[] stream = out.toByteArray();
            run(new LengthPrefixFramer(prefixBytes, max), seed, r, stream, lengthPrefixReference(stream, prefixBytes,
                    max));
        }
    }

    @Test
    void rawFramerOnGarbageDeliversEveryByteInOrder() {
        Random master = new Random(FramerPropertyTest.MASTER_SEED + 12);
        for (int i = 0; i < CASES; i++) {
            long seed = master.nextLong();
            Random r = new Random(seed);
            int max = FramerPropertyTest.randomMax(r);
            byte[] stream = new byte[r.nextInt(4 * max + 16)];
            r.nextBytes(stream);
            CarryHarness h = new CarryHarness(new RawFramer(max), r.nextBoolean());
            try {
                for (int[] cut : FramerPropertyTest.randomCuts(r, stream.length, max)) {
                    h.feed(stream, cut[0], cut[1]);
                }
            } catch (Throwable e) {
                throw new AssertionError("seed " + seed + ": " + e, e);
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            h.frames.forEach(joined::writeBytes);
            if (!Arrays.equals(stream, joined.toByteArray()) || h.frames.stream().anyMatch(f -> f.length == 0)) {
                fail("seed %d, max %d: raw frames do not rebuild the stream", seed, max);
            }
        }
    }

    private static void run(Framer framer, long seed, Random r, byte[] stream, Expected expected) {
        CarryHarness h = new CarryHarness(framer, r.nextBoolean());
        boolean threw = false;
        try {
            for (int[] cut : FramerPropertyTest.randomCuts(r, stream.length, framer.maxFrameBytes())) {
                h.feed(stream, cut[0], cut[1]);
            }
        } catch (FrameTooLongException e) {
            threw = true;
            if (e.limitBytes() != framer.maxFrameBytes()) {
                fail("seed %d, %s: limit %d in exception", seed, framer, e.limitBytes());
            }
        } catch (Throwable e) {
            throw new AssertionError("seed " + seed + ", " + framer + ": " + e, e);
        }
        String diff = Bytes.firstDifference(expected.frames, h.frames);
        if (diff != null || threw != expected.tooLong) {
            fail("seed %d, %s, stream %s: %s, threw %s, expected to throw %s", seed, framer, Bytes.hex(stream), diff,
                    threw, expected.tooLong);
        }
    }

    private record Expected(List<byte[]> frames, boolean tooLong) {
    }

    /** Reads the whole stream at once, the plain way: split at '\n', drop one '\r' before it. */
    private static Expected lineReference(byte[] stream, int max) {
        List<byte[]> frames = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < stream.length; i++) {
            if (stream[i] == '\n') {
                byte[] line = Arrays.copyOfRange(stream, start, i);
                if (line.length > 0 && line[line.length - 1] == '\r') {
                    line = Arrays.copyOf(line, line.length - 1);
                }
                if (line.length > max) {
                    return new Expected(frames, true);
                }
                frames.add(line);
                start = i + 1;
            }
        }
        // Unterminated tail: proven too long unless a '\n' could still end it at max payload bytes or fewer.
        int tail = stream.length - start;
        boolean couldStillFit = tail <= max || (tail == max + 1 && stream[stream.length - 1] == '\r');
        return new Expected(frames, !couldStillFit);
    }

    private static Expected lengthPrefixReference(byte[] stream, int prefixBytes, int max) {
        List<byte[]> frames = new ArrayList<>();
        int pos = 0;
        while (stream.length - pos >= prefixBytes) {
            long length = 0;
            for (int b = 0; b < prefixBytes; b++) {
                length = length << 8 | (stream[pos + b] & 0xFF);
            }
            if (length > max) {
                return new Expected(frames, true);
            }
            if (stream.length - pos - prefixBytes < length) {
                break;
            }
            frames.add(Arrays.copyOfRange(stream, pos + prefixBytes, pos + prefixBytes + (int) length));
            pos += prefixBytes + (int) length;
        }
        return new Expected(frames, false);
    }
}
