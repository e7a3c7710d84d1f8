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
     * UTF-8) came out as Latin-1 bytes or '?': "caf\xe9", "??".
     */
    public static void utf8Output() {
        System.setOut(new java.io.PrintStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), 8192), true, StandardCharsets.UTF_8));
        System.setErr(new java.io.PrintStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(java.io.FileDescriptor.err), 8192), true, StandardCharsets.UTF_8));
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
