package io.loopwire.alert;

import io.loopwire.probe.LinkState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One alert as Alertmanager knows it: its identity (the labels), what people read (the annotations), and when it
 * started and ended ({@code endsAt} null while it fires). Immutable; the maps are unmodifiable sorted copies.
 * A link-state alert has a {@code state}; a certificate alert has a {@code certificate} state instead (and a null
 * {@code state}).
 */
record PushedAlert(String target, LinkState state, CertificateState certificate, SortedMap<String, String> labels,
                   SortedMap<String, String> annotations, Instant startsAt, Instant endsAt) {

    /** A link-state alert. */
    PushedAlert(String target, LinkState state, SortedMap<String, String> labels,
                SortedMap<String, String> annotations, Instant startsAt, Instant endsAt) {
        this(target, state, null, labels, annotations, startsAt, endsAt);
    }

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final byte SEPARATOR = (byte) 0xff;

    boolean firing() {
        return endsAt == null;
    }

    /** Whether this is a certificate alert. */
    boolean isCertificate() {
        return certificate != null;
    }

    /** {@code DOWN}, or for a certificate alert {@code certificate EXPIRING}: for people. */
    String stateName() {
        return certificate != null ? "certificate " + certificate : state.name();
    }

    /** This alert resolved at {@code at} (never before it started). */
    PushedAlert resolvedAt(Instant at, Map<String, String> newAnnotations) {
        Instant end = at.isBefore(startsAt) ? startsAt : at;
        return new PushedAlert(target, state, certificate, labels, sorted(newAnnotations), startsAt, end);
    }

    /**
     * The label set's fingerprint as Alertmanager shows it: 64-bit FNV-1a over the names in order, each name and value
     * followed by a 0xff byte, in 16 hex digits.
     */
    String fingerprint() {
        long h = FNV_OFFSET;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            h = add(add(h, e.getKey().getBytes(StandardCharsets.UTF_8)), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        return String.format(Locale.ROOT, "%016x", h);
    }

    private static long add(long h, byte[] bytes) {
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        return (h ^ (SEPARATOR & 0xff)) * FNV_PRIME;
    }

    /** RFC 3339 in UTC to the millisecond, as Alertmanager writes its own times. */
    static String millis(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** A sorted unmodifiable copy. */
    static SortedMap<String, String> sorted(Map<String, String> m) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(m));
    }
}
