package dev.fuseoverlay.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fuseoverlay.realfs.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceTest {
    /** The server runs with umask 0; the trace file it makes is still 0644, and names are written as UTF-8. */
    @Test
    void aTraceFileIsNotWorldWritableAndHoldsUtf8(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("trace.log");
        int old = Native.C.umask(0);
        try {
            Trace.open(f.toString()).line("open /caf\u00c3\u00a9: served by lower 0");
        } finally {
            Native.C.umask(old);
        }
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals("open /caf\u00e9: served by lower 0\n", Files.readString(f, StandardCharsets.UTF_8));
    }
}
