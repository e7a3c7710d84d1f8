package dev.fuseoverlay.cli;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Command-line strings to the overlay's name convention. The JVM decodes argv with the platform's
 * filename charset; the overlay keeps names as ISO-8859-1 strings whose chars are the real bytes.
 */
public final class Args {
    private static final Charset JNU = jnu();

    private Args() {}

    private static Charset jnu() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * stdout and stderr in UTF-8. The JVM runs with file.encoding=ISO-8859-1 (names are bytes), which Java 17
     * gives System.out and System.err too, so a name made readable by RealFs.printable (its bytes decoded as
     * UTF-8) came out as Latin-1 bytes or '?': "caf\xe9", "??". Messages also carry names as bytes (a path in
     * an error, an option's value): {@link #readable} prints those as the text they are.
     */
    public static void utf8Output() {
        System.setOut(new Utf8Stream(java.io.FileDescriptor.out));
        System.setErr(new Utf8Stream(java.io.FileDescriptor.err));
    }

    /** A line-flushed UTF-8 stream whose strings go through {@link #readable}. */
    private static final class Utf8Stream extends java.io.PrintStream {
        Utf8Stream(java.io.FileDescriptor fd) {
            super(new java.io.BufferedOutputStream(new java.io.FileOutputStream(fd), 8192), true, StandardCharsets.UTF_8);
        }

        @Override
        public void print(String s) {
            super.print(readable(s));
        }
    }

    /**
     * A string for a UTF-8 stream: one whose chars are all below 256 and whose bytes are well-formed UTF-8
     * with something beyond ASCII is a name as bytes, decoded; anything else is text already and kept.
     */
    static String readable(String s) {
        if (s == null) {
            return null;
        }
        boolean high = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                return s;
            }
            high |= c >= 0x80;
        }
        if (!high) {
            return s;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return s;
        }
    }

    /** The reverse of {@link #bytes}: a name-as-bytes string back to a Java path string. */
    static String text(String bytes) {
        return new String(bytes.getBytes(StandardCharsets.ISO_8859_1), JNU);
    }

    public static java.util.List<String> bytes(java.util.List<String> args) {
        java.util.List<String> out = new java.util.ArrayList<>(args.size());
        args.forEach(a -> out.add(bytes(a)));
        return out;
    }

    public static String bytes(String arg) {
        return new String(arg.getBytes(JNU), StandardCharsets.ISO_8859_1);
    }
}
