package dev.fuseoverlay.bench;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * A small JSON writer for the results file: maps (insertion order kept), collections, strings, numbers,
 * booleans and null. NaN and infinities, which JSON cannot hold, become null. Pure.
 */
public final class Json {
    private Json() {}

    /** The value as JSON text, indented by two spaces; arrays of scalars and small objects stay on one line. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        sb.append('\n');
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                sb.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                sb.append((long) d);
            } else {
                sb.append(Double.toString(d));
            }
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            boolean flat = isFlat(m.values());
            sb.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                if (!flat) {
                    newline(sb, depth + 1);
                }
                string(sb, String.valueOf(e.getKey()));
                sb.append(flat ? ": " : ": ");
                write(sb, e.getValue(), depth + 1);
                if (it.hasNext()) {
                    sb.append(flat ? ", " : ",");
                }
            }
            if (!flat) {
                newline(sb, depth);
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            if (c.isEmpty()) {
                sb.append("[]");
                return;
            }
            boolean flat = c.stream().allMatch(x -> !(x instanceof Map) && !(x instanceof Collection));
            sb.append('[');
            Iterator<?> it = c.iterator();
            while (it.hasNext()) {
                if (!flat) {
                    newline(sb, depth + 1);
                }
                write(sb, it.next(), depth + 1);
                if (it.hasNext()) {
                    sb.append(flat ? ", " : ",");
                }
            }
            if (!flat) {
                newline(sb, depth);
            }
            sb.append(']');
        } else {
            string(sb, v.toString());
        }
    }

    /** An object whose values are all scalars and which is small enough to read on one line. */
    private static boolean isFlat(Collection<?> values) {
        return values.size() <= 16 && values.stream().allMatch(x -> !(x instanceof Map) && !(x instanceof Collection));
    }

    private static void newline(StringBuilder sb, int depth) {
        sb.append('\n');
        sb.append("  ".repeat(depth));
    }

    /** A JSON string literal: quotes, backslashes and control characters escaped. */
    public static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
