package dev.fuseoverlay.realfs;

/**
 * Lets the thread running a filesystem call say, before a long piece of work (the data of a large copy-up),
 * that it will be busy for a while: the /dev/fuse engine then lets another of its threads read the next
 * requests meanwhile. A no-op on threads without a hook (tests, the study tools, the libfuse engine).
 */
public final class LongWork {
    private static final ThreadLocal<Runnable> HOOK = new ThreadLocal<>();

    private LongWork() {
    }

    /** What {@link #ahead} does on the calling thread from now on (null: nothing). */
    public static void onThisThread(Runnable hook) {
        HOOK.set(hook);
    }

    public static void ahead() {
        Runnable r = HOOK.get();
        if (r != null) {
            r.run();
        }
    }
}
