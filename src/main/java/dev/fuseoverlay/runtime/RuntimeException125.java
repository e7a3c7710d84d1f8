package dev.fuseoverlay.runtime;

/** A problem the launcher reports in one line on stderr, exiting 125 (the command never ran). */
public final class RuntimeException125 extends RuntimeException {
    public RuntimeException125(String message) {
        super(message, null, false, false);
    }
}
