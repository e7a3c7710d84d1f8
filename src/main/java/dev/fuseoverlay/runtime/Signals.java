package dev.fuseoverlay.runtime;

import java.util.List;
import java.util.function.IntConsumer;
import sun.misc.Signal;

/** Catches the signals a container's command should get, so this JVM passes them on instead of dying. */
final class Signals {
    private Signals() {}

    static final List<String> FORWARDED = List.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2");

    static void install(IntConsumer handler, boolean winch) {
        for (String name : FORWARDED) {
            handle(name, handler);
        }
        if (winch) {
            handle("WINCH", handler);
        }
    }

    private static void handle(String name, IntConsumer handler) {
        try {
            Signal.handle(new Signal(name), s -> handler.accept(s.getNumber()));
        } catch (IllegalArgumentException e) {
            // used by the JVM itself (QUIT, USR2 on some builds): not forwarded
        }
    }
}
