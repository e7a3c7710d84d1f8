package dev.fuseoverlay.ops;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The operation trace for learners: one readable line per operation saying what the overlay decided
 * ({@code unlink /menu.txt: found in lower 0, whiteout created in upper}). The overlay holds a null trace
 * when tracing is off, so every trace point is one null check.
 */
public final class Trace {
    private final PrintStream out;

    private Trace(PrintStream out) {
        this.out = out;
    }

    /** A trace to a file (appended), or to stderr for "-". */
    public static Trace open(String target) throws IOException {
        if (target.equals("-")) {
            return new Trace(System.err);
        }
        // mode 0644 at most (the caller's umask applies; a server that already runs with umask 0 makes 0644)
        OutputStream os = java.nio.channels.Channels.newOutputStream(java.nio.file.Files.newByteChannel(
                java.nio.file.Path.of(target),
                java.util.Set.of(java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND,
                        java.nio.file.StandardOpenOption.WRITE),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"))));
        return new Trace(new PrintStream(os, true, StandardCharsets.UTF_8));
    }

    /** A trace into any stream (tests, the tour). */
    public static Trace to(PrintStream out) {
        return new Trace(out);
    }

    /** Writes one line; names are shown as UTF-8. */
    public synchronized void line(String text) {
        out.println(new String(text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }
}
