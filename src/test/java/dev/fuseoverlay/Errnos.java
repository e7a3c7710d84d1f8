package dev.fuseoverlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fuseoverlay.realfs.ErrnoException;
import org.junit.jupiter.api.function.Executable;

/** Asserts that an overlay operation fails with one errno. */
public final class Errnos {
    private Errnos() {}

    public static void assertErrno(int errno, Executable op) {
        ErrnoException e = assertThrows(ErrnoException.class, op);
        assertEquals(errno, e.errno(), () -> "errno of " + e.getMessage());
    }
}
