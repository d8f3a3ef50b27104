package io.loopwire.examples.web;

import java.util.Locale;

/** Just enough JSON writing for the page's API: objects, arrays, escaped strings, numbers or null. Not thread-safe. */
final class Json {
    private final StringBuilder sb = new StringBuilder(1024);
    private boolean needComma;

    Json beginObject() {
        comma();
        sb.append('{');
        needComma = false;
        return this;
    }

    Json endObject() {
        sb.append('}');
        needComma = true;
        return this;
    }

    Json beginArray() {
        comma();
        sb.append('[');
        needComma = false;
        return this;
    }

    Json endArray() {
        sb.append(']');
        needComma = true;
        return this;
    }

    Json name(String name) {
        comma();
        string(name);
        sb.append(':');
        needComma = false;
        return this;
    }

    Json value(String s) {
        comma();
        if (s == null) {
            sb.append("null");
        } else {
            string(s);
        }
        needComma = true;
        return this;
    }

    Json value(long n) {
        comma();
        sb.append(n);
        needComma = true;
        return this;
    }

    /** A number with up to 3 decimals, or null for NaN and infinities (JSON has neither). */
    Json value(double d) {
        comma();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            sb.append("null");
        } else {
            sb.append(String.format(Locale.ROOT, "%.3f", d));
        }
        needComma = true;
        return this;
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
                    // Also escape < > & so the text is inert even if a page ever inlines it.
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
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
