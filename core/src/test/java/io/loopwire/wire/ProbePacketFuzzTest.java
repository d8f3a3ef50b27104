package io.loopwire.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Random and adversarial buffers: the decoder never throws, whatever arrives on the socket. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProbePacketFuzzTest {

    private static final int ROUNDS = 20_000;

    @Test
    void decoderNeverThrowsOnRandomOrAdversarialInput() {
        final long seed = Long.getLong("loopwire.fuzz.seed", System.nanoTime());
        System.out.println("ProbePacketFuzzTest seed=" + seed + " (rerun with -Dloopwire.fuzz.seed=" + seed + ")");
        final Random random = new Random(seed);
        int probes = 0;
        for (int round = 0; round < ROUNDS; round++) {
            final ByteBuffer buf = adversarial(random, round);
            final int position = buf.position();
            final int limit = buf.limit();
            try {
                if (ProbePacket.isProbe(buf)) {
                    probes++;
                    final int id = ProbePacket.proberId(buf);
                    assertThat(ProbePacket.sequence(buf)).isNotNegative();
                    ProbePacket.sendNanos(buf);
                    ProbePacket.isReply(buf);
                    assertThat(ProbePacket.isReplyFrom(buf, id)).isEqualTo(ProbePacket.isReply(buf));
                    assertThat(ProbePacket.isProbeFrom(buf, id)).isTrue();
                    assertThat(buf.remaining()).isGreaterThanOrEqualTo(ProbePacket.HEADER_BYTES);
                }
            } catch (RuntimeException e) {
                throw new AssertionError("seed=" + seed + " round=" + round + " buffer=" + buf, e);
            }
            assertThat(buf.position()).as("seed=%d round=%d position", seed, round).isEqualTo(position);
            assertThat(buf.limit()).as("seed=%d round=%d limit", seed, round).isEqualTo(limit);
        }
        // The generator plants the magic often; both branches must have run.
        assertThat(probes).isBetween(ROUNDS / 20, ROUNDS - ROUNDS / 20);
    }

    private static ByteBuffer adversarial(Random random, int round) {
        final int capacity = random.nextInt(round % 7 == 0 ? 2000 : 40);
        final ByteBuffer buf = random.nextBoolean() ? ByteBuffer.allocate(capacity)
                : ByteBuffer.allocateDirect(capacity);
        if (random.nextBoolean()) {
            buf.order(ByteOrder.LITTLE_ENDIAN);
        }
        for (int i = 0; i < capacity; i++) {
            buf.put(i, (byte) random.nextInt(256));
        }
        final int position = capacity == 0 ? 0 : random.nextInt(capacity + 1);
        final int limit = position + random.nextInt(capacity - position + 1);
        if (random.nextInt(3) > 0 && capacity - position >= 4) {
            // The magic, sometimes right before the limit, sometimes with one byte off.
            final int magic = random.nextInt(8) == 0 ? ProbePacket.MAGIC ^ (1 << random.nextInt(32))
                    : ProbePacket.MAGIC;
            final ByteBuffer big = buf.duplicate().order(ByteOrder.BIG_ENDIAN);
            big.putInt(position, magic);
        }
        buf.limit(limit).position(position);
        final int view = random.nextInt(4);
        if (view == 1) {
            return buf.slice();
        }
        if (view == 2) {
            return buf.asReadOnlyBuffer().order(buf.order());
        }
        return buf;
    }
}
