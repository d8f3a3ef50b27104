package io.loopwire.alert;

import java.util.Locale;
import java.util.Map;

/**
 * Just enough JSON writing for alert payloads and the monitor's page: objects, arrays, escaped strings, numbers.
 * Strings are escaped as RFC 8259 requires (quote, backslash, every control character), plus U+2028/U+2029 so the text
 * stays valid JavaScript, and {@code < > &} so it stays inert if a page ever inlines it. Not thread-safe: one writer
 * per payload.
 */
public final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder sb;
    private boolean needComma;

    /** A writer whose buffer starts at {@code capacity} characters. */
    public JsonWriter(int capacity) {
        this.sb = new StringBuilder(capacity);
    }

    public JsonWriter beginObject() {
        comma();
        sb.append('{');
        needComma = false;
        return this;
    }

    public JsonWriter endObject() {
        sb.append('}');
        needComma = true;
        return this;
    }

    public JsonWriter beginArray() {
        comma();
        sb.append('[');
        needComma = false;
        return this;
    }

    public JsonWriter endArray() {
        sb.append(']');
        needComma = true;
        return this;
    }

    public JsonWriter name(String name) {
        comma();
        string(name);
        sb.append(':');
        needComma = false;
        return this;
    }

    /** A string value, or {@code null}. */
    public JsonWriter value(String s) {
        comma();
        if (s == null) {
            sb.append("null");
        } else {
            string(s);
        }
        needComma = true;
        return this;
    }

    public JsonWriter value(long n) {
        comma();
        sb.append(n);
        needComma = true;
        return this;
    }

    /** A number with up to 3 decimals, or {@code null} for NaN and infinities (JSON has neither). */
    public JsonWriter value(double d) {
        comma();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            sb.append("null");
        } else {
            sb.append(String.format(Locale.ROOT, "%.3f", d));
        }
        needComma = true;
        return this;
    }

    /** An object of string members, in the map's order. */
    public JsonWriter object(Map<String, String> members) {
        beginObject();
        for (Map.Entry<String, String> e : members.entrySet()) {
            name(e.getKey()).value(e.getValue());
        }
        return endObject();
    }

    private void comma() {
        if (needComma) {
            sb.append(',');
        }
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    boolean markup = c == '<' || c == '>' || c == '&';
                    if (c < 0x20 || c == 0x7f || markup || c == '\u2028' || c == '\u2029') {
                        sb.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                                .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
