package io.loopwire.cluster;

import static io.loopwire.cluster.ClusterNode.NATS_PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rounds of chat between test members, and the check that matters: every receiver got every other sender's lines of
 * the round exactly once, in the order sent.
 */
final class Chat {
    /** A relayed line: {@code [ip:port] <round>:<sender>#<n>}. */
    private static final Pattern LINE = Pattern.compile("^\\[[^\\]]+\\] ([A-Za-z0-9-]+):([A-Za-z0-9-]+)#(\\d+)$");

    private Chat() {
    }

    /** Each sender sends {@code count} lines tagged {@code round}, interleaved across senders. */
    static void send(String round, List<Client> senders, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            for (Client s : senders) {
                s.send(round + ":" + s.name + "#" + i);
            }
        }
    }

    /** What {@code receiver} got in {@code round}: sender name to the numbers, in arrival order. */
    static Map<String, List<Integer>> got(Client receiver, String round) {
        Map<String, List<Integer>> bySender = new HashMap<>();
        for (String line : receiver.received()) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(1).equals(round)) {
                bySender.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(Integer.parseInt(m.group(3)));
            }
        }
        return bySender;
    }

    /**
     * Waits until every receiver has at least {@code count} lines from each sender (not itself), then asserts they are
     * exactly 0..count-1 in order: nothing lost, nothing twice, nothing reordered.
     */
    static void assertExactlyOnceInOrder(String round, List<Client> senders, List<Client> receivers, int count)
            throws Exception {
        for (Client r : receivers) {
            for (Client s : senders) {
                if (s == r) {
                    continue;
                }
                Poll.until(NATS_PATIENCE, () -> got(r, round).getOrDefault(s.name, List.of()).size() >= count,
                        r + " receiving " + count + " lines of round " + round + " from " + s + " (has "
                                + got(r, round).getOrDefault(s.name, List.of()).size() + ")");
            }
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add(i);
        }
        for (Client r : receivers) {
            Map<String, List<Integer>> got = got(r, round);
            for (Client s : senders) {
                if (s != r) {
                    assertThat(got.get(s.name)).as("%s from %s in round %s", r, s, round).isEqualTo(expected);
                }
            }
            assertThat(got).as("%s heard itself in round %s", r, round).doesNotContainKey(r.name);
        }
    }

    /**
     * A fence: {@code from} sends one marker line until every receiver has it, bounded. After it, the bridges on the
     * receivers' nodes are known to be subscribed (NATS delivers in order per publisher).
     */
    static void fence(String round, Client from, List<Client> receivers) throws Exception {
        long deadline = System.nanoTime() + Poll.PATIENCE.toNanos();
        for (int attempt = 0; ; attempt++) {
            from.send(round + ":" + from.name + "#" + attempt);
            boolean all = true;
            long until = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < until) {
                all = receivers.stream().filter(r -> r != from)
                        .allMatch(r -> got(r, round).containsKey(from.name));
                if (all) {
                    return;
                }
                Thread.sleep(5); // bounded by the attempt window; re-sending is the point of a fence
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("fence " + round + " from " + from + " never reached everyone");
            }
        }
    }
}
