package dev.fuseoverlay.runtime;

/** A problem the launcher reports in one line on stderr, exiting 125 (the command never ran). */
public final class RuntimeException125 extends RuntimeException {
    public RuntimeException125(String message) {
        super(message, null, false, false);
    }

    /** The same, keeping what caused it for a caller that decides by it (not printed). */
    public RuntimeException125(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
