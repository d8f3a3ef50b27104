package io.loopwire.cluster;

import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;

/**
 * Signs and checks envelopes with a {@link ClusterKey}: HMAC-SHA256 over every loopwire header (each field length
 * prefixed, so no two different header sets read alike) and then the body, carried base64 in
 * {@link Envelope#MAC}. The signed {@link Envelope#TIME} bounds replays: a message signed more than
 * {@link #REPLAY_WINDOW} before (or after) this node's clock is stale whatever else it carries, and within the window
 * the origin filter remembers what it has seen.
 *
 * @implNote Not thread-safe (it holds a {@link Mac}): one per thread, the publisher's and the dispatcher's.
 */
final class Signer {
    /** How far a signed time may be from ours: room for clock skew and a NATS hop, and the replay horizon. */
    static final Duration REPLAY_WINDOW = Duration.ofMinutes(2);
    private static final String[] SIGNED = {Envelope.NODE, Envelope.INCARNATION, Envelope.SEQ, Envelope.KIND,
        Envelope.SENDER, Envelope.TIME};

    /** Result of {@link #verify}. */
    enum Check { OK, BAD, STALE }

    private final Mac mac;
    private final byte[] lengthBytes = new byte[4];

    Signer(ClusterKey key) {
        this.mac = key.newMac();
    }

    /** Adds the signed time and the signature to {@code h}, which holds every other header already. */
    void sign(Headers h, byte[] body, long nowMillis) {
        h.put(Envelope.TIME, Long.toString(nowMillis));
        h.put(Envelope.MAC, Base64.getEncoder().encodeToString(mac(h, body)));
    }

    Check verify(Headers h, byte[] body, long nowMillis) {
        String claimed = h.getFirst(Envelope.MAC);
        String time = h.getFirst(Envelope.TIME);
        if (claimed == null || time == null) {
            return Check.BAD;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(claimed);
        } catch (IllegalArgumentException e) {
            return Check.BAD;
        }
        if (!MessageDigest.isEqual(given, mac(h, body))) {
            return Check.BAD;
        }
        long signedAt;
        try {
            signedAt = Long.parseLong(time);
        } catch (NumberFormatException e) {
            return Check.BAD; // signed by a key holder, yet not ours to read: treat as forged
        }
        long window = REPLAY_WINDOW.toMillis();
        return signedAt < nowMillis - window || signedAt > nowMillis + window ? Check.STALE : Check.OK;
    }

    private byte[] mac(Headers h, byte[] body) {
        mac.reset();
        for (String name : SIGNED) {
            String value = h.getFirst(name);
            if (value == null) {
                length(-1);
            } else {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                length(bytes.length);
                mac.update(bytes);
            }
        }
        length(body.length);
        mac.update(body);
        return mac.doFinal();
    }

    private void length(int n) {
        lengthBytes[0] = (byte) (n >>> 24);
        lengthBytes[1] = (byte) (n >>> 16);
        lengthBytes[2] = (byte) (n >>> 8);
        lengthBytes[3] = (byte) n;
        mac.update(lengthBytes);
    }
}
