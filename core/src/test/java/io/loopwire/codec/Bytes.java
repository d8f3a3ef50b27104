package io.loopwire.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Small helpers for codec tests. */
final class Bytes {

    private Bytes() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(ascii(s));
    }

    /** Decodes {@code in} once and returns the frames as ISO-8859-1 strings. */
    static List<String> decode(Framer framer, ByteBuffer in) throws FrameTooLongException {
        List<String> out = new ArrayList<>();
        framer.decode(in, frame -> {
            byte[] b = new byte[frame.remaining()];
            frame.get(b);
            out.add(ascii(b));
        });
        return out;
    }

    static List<String> strings(List<byte[]> frames) {
        List<String> out = new ArrayList<>();
        for (byte[] f : frames) {
            out.add(ascii(f));
        }
        return out;
    }

    /** Null if equal, else a description of the first difference. */
    static String firstDifference(List<byte[]> expected, List<byte[]> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!Arrays.equals(expected.get(i), actual.get(i))) {
                return "frame " + i + ": expected " + hex(expected.get(i)) + " but was " + hex(actual.get(i));
            }
        }
        if (expected.size() != actual.size()) {
            return "expected " + expected.size() + " frames but got " + actual.size();
        }
        return null;
    }

    static String hex(byte[] b) {
        HexFormat hex = HexFormat.of();
        return b.length > 64 ? hex.formatHex(b, 0, 64) + "...(" + b.length + ")" : hex.formatHex(b);
    }
}
