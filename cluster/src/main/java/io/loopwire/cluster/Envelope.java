package io.loopwire.cluster;

import io.nats.client.impl.Headers;

/**
 * How a room line travels through NATS: the body is the line exactly as local members got it ({@code [ip:port]
 * text\n} or a join/leave notice), and the headers say where it came from.
 *
 * <table>
 *   <caption>Headers of every published line</caption>
 *   <tr><th>header</th><th>value</th></tr>
 *   <tr><td>{@code Loopwire-Node}</td><td>the origin's {@code --node-id}</td></tr>
 *   <tr><td>{@code Loopwire-Incarnation}</td><td>random per start of the origin, so a restarted node with the same
 *       id starts a fresh sequence instead of looking like a replay</td></tr>
 *   <tr><td>{@code Loopwire-Seq}</td><td>1, 2, 3... per incarnation, over every line it publishes</td></tr>
 *   <tr><td>{@code Loopwire-Kind}</td><td>{@code message}, {@code joined} or {@code left}</td></tr>
 *   <tr><td>{@code Loopwire-Sender}</td><td>the member as {@code ip:port}</td></tr>
 *   <tr><td>{@code Loopwire-Time}</td><td>with a {@link ClusterKey} only: when it was signed, milliseconds since
 *       1970 (the replay bound)</td></tr>
 *   <tr><td>{@code Loopwire-Mac}</td><td>with a {@link ClusterKey} only: base64 HMAC-SHA256 over the headers above
 *       and the body ({@link Signer})</td></tr>
 * </table>
 *
 * @implNote Stateless; thread-safe.
 */
final class Envelope {
    static final String NODE = "Loopwire-Node";
    static final String INCARNATION = "Loopwire-Incarnation";
    static final String SEQ = "Loopwire-Seq";
    static final String KIND = "Loopwire-Kind";
    static final String SENDER = "Loopwire-Sender";
    static final String TIME = "Loopwire-Time";
    static final String MAC = "Loopwire-Mac";

    /** What a line is. */
    enum Kind {
        MESSAGE("message"), JOINED("joined"), LEFT("left");

        final String wire;

        Kind(String wire) {
            this.wire = wire;
        }
    }

    private Envelope() {
    }

    static Headers headers(String node, String incarnation, long seq, Kind kind, String sender) {
        Headers h = new Headers();
        h.put(NODE, node);
        h.put(INCARNATION, incarnation);
        h.put(SEQ, Long.toString(seq));
        h.put(KIND, kind.wire);
        h.put(SENDER, sender);
        return h;
    }
}
